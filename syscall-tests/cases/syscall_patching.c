/* Syscall sites the sandbox may patch (`mov $nr, %eax; syscall`, as glibc's wrappers are) keep Linux's behaviour:
 * many threads hammering one site while signals land, a blocking call restarted after a handler (SA_RESTART, and
 * restart_syscall for a sleep), a debugger that attaches and reads the code, a thread with its own GS base, and a
 * guest mapping at the low address where the sandbox keeps its jump table. */
#include "common.h"
#include "peek_traced.h"
#include <asm/prctl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/wait.h>

#define THREADS 4
#define ROUNDS 20000

static pid_t parent;
static volatile int bad, stop_kicks;
static volatile sig_atomic_t handled, alarms;

static void on_usr1(int s) { (void)s; handled++; }
static void on_alarm(int s) { (void)s; alarms++; }

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++)
        if (getppid() != parent) bad++;
    return NULL;
}

static void threads_and_signals(void)
{
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
    sigaction(SIGUSR1, &sa, NULL);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, hammer, NULL);
    for (int k = 0; k < 200; k++)
        for (int i = 0; i < THREADS; i++) pthread_kill(t[i], SIGUSR1);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    printf("threads: wrong getppid results %d, handler ran %s\n", bad, handled > 0 ? "yes" : "no");
}

static void restarts(void)
{
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
    sigaction(SIGALRM, &sa, NULL);
    int st;
    pid_t c = fork();
    if (c == 0) {
        usleep(250 * 1000);
        _exit(7);
    }
    for (int i = 0; i < 3; i++) waitpid(-1, &st, WNOHANG);
    struct itimerval it = {.it_interval = {0, 20000}, .it_value = {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    pid_t w = waitpid(c, &st, 0);
    printf("waitpid restarted after handlers: %s, status %d, alarms %s\n", w == c ? "child" : "error",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1, alarms > 1 ? "several" : "few");
    struct itimerval off = {0};
    setitimer(ITIMER_REAL, &off, NULL);
    /* A sleep stopped and continued goes on through restart_syscall (at the site's syscall instruction). */
    c = fork();
    if (c == 0) {
        struct timespec before, after, req = {0, 200 * 1000 * 1000};
        for (int i = 0; i < 3; i++) nanosleep(&(struct timespec){0, 1000}, NULL);
        clock_gettime(CLOCK_MONOTONIC, &before);
        int r = nanosleep(&req, NULL);
        clock_gettime(CLOCK_MONOTONIC, &after);
        long ms = (after.tv_sec - before.tv_sec) * 1000 + (after.tv_nsec - before.tv_nsec) / 1000000;
        printf("nanosleep stopped and continued: %d, slept it all: %s\n", r, ms >= 200 ? "yes" : "no");
        _exit(0);
    }
    usleep(50 * 1000);
    kill(c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    usleep(20 * 1000);
    kill(c, SIGCONT);
    waitpid(c, &st, 0);
    /* A sleep interrupted by a handler ends with EINTR, SA_RESTART or not. */
    setitimer(ITIMER_REAL, &it, NULL);
    errno = 0;
    int r = nanosleep(&(struct timespec){1, 0}, NULL);
    printf("nanosleep with a handler: %d %s\n", r, errname(errno));
    setitimer(ITIMER_REAL, &off, NULL);
}

/* The debugger reads the child's code where getppid's syscall is: glibc's `mov $SYS_getppid, %eax; syscall`, as in
 * the library's file (a site the sandbox patched is put back when a tracer attaches). */
static void warm_getppid(void)
{
    for (int i = 0; i < 100; i++) getppid();
}

static void debugger_reads_code(void)
{
    unsigned char seen[8];
    peek_traced(warm_getppid, (const unsigned char *)getppid, seen, sizeof seen);
    int site = seen[0] == 0xb8 && seen[1] == SYS_getppid && seen[2] == 0 && seen[5] == 0x0f && seen[6] == 0x05;
    printf("traced child's getppid starts with mov $SYS_getppid, %%eax; syscall: %s\n", site ? "yes" : "no");
}

static void *own_gs(void *arg)
{
    static uint64_t area[64];
    (void)arg;
    for (int i = 0; i < 50; i++) getppid();
    long r = syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)area);
    int ok = 1;
    for (int i = 0; i < 1000; i++)
        if (getppid() != parent) ok = 0;
    unsigned long gs = 0;
    syscall(SYS_arch_prctl, ARCH_GET_GS, &gs);
    printf("thread with its own GS: set %ld, getppid right %s, GS kept %s\n", r, ok ? "yes" : "no",
           gs == (unsigned long)area ? "yes" : "no");
    return NULL;
}

static void low_mapping(void)
{
    for (int i = 0; i < 50; i++) getppid();
    void *want = (void *)0x60000;
    unsigned char *m = mmap(want, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("mapping at 0x60000: %s\n", m == want ? "there" : m == MAP_FAILED ? errname(errno) : "elsewhere");
    if (m != want) return;
    for (int i = 0; i < 0x10000; i++) m[i] = (unsigned char)(i * 7);
    int ok = 1;
    for (int i = 0; i < 1000; i++)
        if (getppid() != parent) ok = 0;
    int same = 1;
    for (int i = 0; i < 0x10000; i++)
        if (m[i] != (unsigned char)(i * 7)) same = 0;
    printf("after it: getppid right %s, its bytes kept %s\n", ok ? "yes" : "no", same ? "yes" : "no");
    CHECK(munmap(m, 0x10000));
    CHECK(getppid() == parent);
}

int main(void)
{
    parent = getppid();
    threads_and_signals();
    restarts();
    debugger_reads_code();
    pid_t c = fork();
    if (c == 0) {
        parent = getppid();
        pthread_t t;
        pthread_create(&t, NULL, own_gs, NULL);
        pthread_join(t, NULL);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    low_mapping();
    return 0;
}
