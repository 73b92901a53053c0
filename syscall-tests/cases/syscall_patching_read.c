/* glibc's read() sites (`xor %eax,%eax; syscall; cmp $-4096,%rax`), which the sandbox may patch, keep Linux's
 * behaviour: many threads reading while signals land, a blocking read restarted after handlers (SA_RESTART) or
 * ended by one (EINTR), a bad buffer (EFAULT through the cmp's error path), and a debugger that attaches to a child
 * that has read (its sites patched) and finds both sites' own code. */
#include "common.h"
#include "peek_traced.h"
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/wait.h>

#define THREADS 4
#define ROUNDS 20000

static volatile int bad;
static volatile sig_atomic_t handled, alarms;

static void on_usr1(int s) { (void)s; handled++; }
static void on_alarm(int s) { (void)s; alarms++; }

static void *hammer(void *arg)
{
    int fd = (int)(long)arg;
    char buf[16];
    for (int i = 0; i < ROUNDS; i++) {
        memset(buf, 1, sizeof buf);
        if (read(fd, buf, sizeof buf) != sizeof buf || buf[0] != 0 || buf[15] != 0) bad++;
    }
    return NULL;
}

static void threads_and_signals(void)
{
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
    sigaction(SIGUSR1, &sa, NULL);
    int fd = open("/dev/zero", O_RDONLY);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, hammer, (void *)(long)fd);
    for (int k = 0; k < 200; k++)
        for (int i = 0; i < THREADS; i++) pthread_kill(t[i], SIGUSR1);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    close(fd);
    printf("threads: wrong reads %d, handler ran %s\n", bad, handled > 0 ? "yes" : "no");
}

static void blocking_reads(void)
{
    struct itimerval it = {.it_interval = {0, 20000}, .it_value = {0, 20000}}, off = {0};
    for (int restart = 1; restart >= 0; restart--) {
        struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0};
        sigaction(SIGALRM, &sa, NULL);
        int p[2];
        pipe(p);
        char b[8] = {0};
        for (int i = 0; i < 3; i++) {
            write(p[1], "w", 1);
            read(p[0], b, 1);
        }
        pid_t c = fork();
        if (c == 0) {
            usleep(250 * 1000);
            write(p[1], "late", 4);
            _exit(0);
        }
        alarms = 0;
        setitimer(ITIMER_REAL, &it, NULL);
        errno = 0;
        ssize_t n = read(p[0], b, sizeof b);
        int e = errno;
        setitimer(ITIMER_REAL, &off, NULL);
        if (restart)
            printf("SA_RESTART: read %zd '%.*s' after %s alarms\n", n, n > 0 ? (int)n : 0, b, alarms > 1 ? "several" : "few");
        else
            printf("no SA_RESTART: read %zd %s\n", n, errname(e));
        waitpid(c, NULL, 0);
        close(p[0]);
        close(p[1]);
    }
}

static void bad_buffer(void)
{
    int fd = open("/dev/zero", O_RDONLY);
    for (int i = 0; i < 3; i++) {
        errno = 0;
        ssize_t n = read(fd, (void *)16, 8);
        printf("read into address 16: %zd %s\n", n, errname(errno));
    }
    close(fd);
}

/* How many of glibc's read sites read's first 160 bytes hold, byte for byte as in the library's file (two: the
 * single-threaded path's and the cancellable one's). */
static int sites(const unsigned char *code)
{
    static const unsigned char site[] = {0x31, 0xc0, 0x0f, 0x05, 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff};
    int n = 0;
    for (int i = 0; i < 150; i++)
        if (!memcmp(code + i, site, sizeof site)) n++;
    return n;
}

static void warm_read(void)
{
    int z = open("/dev/zero", O_RDONLY);
    char b[4];
    for (int i = 0; i < 100; i++) read(z, b, sizeof b);
}

static void debugger_reads_code(void)
{
    unsigned char seen[160];
    peek_traced(warm_read, (const unsigned char *)read, seen, sizeof seen);
    printf("traced child's read sites as in the file: %d\n", sites(seen));
}

int main(void)
{
    threads_and_signals();
    blocking_reads();
    bad_buffer();
    debugger_reads_code();
    return 0;
}
