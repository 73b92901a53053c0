/* A guest that attacks the systrap stub from inside the sandbox (each attack in a child process of its own, so
 * that it may crash or hang only itself):
 *   sites     - jumps to every `syscall` instruction in the stub's code page with chosen registers: mkdir of a
 *               host path, creat of another, and kill of runsc (each must be the sandbox's, or nothing);
 *   scribble  - a thread fills its own and the other thread's message areas with garbage while that thread
 *               makes syscalls, half the time as a copy command;
 *   mappings  - unmaps or write-protects the stub's code page and its own area through the stub's own site;
 *   trampoline - jumps to the trampoline that patched syscall sites use, asking for mkdir of a host path: it
 *               must be the sandbox's mkdir, served by the Sentry.
 * Then the sandbox must still work: the parent forks and execs, and prints "sandbox ok".
 * Usage: stub_attack HOSTDIR HOSTFILE RUNSCPID TRAMPOLINE */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CODE 0x7ff000000000UL
#define SLOTS 0x7ff000010000UL
#define SLOT 0x10000UL
#define CODE_END 0xb00 /* where the stub's data starts */

struct regs { uint64_t rax, rdi, rsi, rdx, rbx, r12, rip; };
static struct regs R;
static char scratch[65536] __attribute__((aligned(4096)));

static void jump(void)
{
    __asm__ volatile("mov 0(%0),%%rax; mov 8(%0),%%rdi; mov 16(%0),%%rsi; mov 24(%0),%%rdx;"
                     "mov 32(%0),%%rbx; mov 40(%0),%%r12; jmp *48(%0)" :: "c"(&R) : "memory");
}

/* Runs fn in a child; kills it after ms. Returns how it ended, as text. */
static const char *in_child(void (*fn)(void *), void *arg, int ms)
{
    pid_t p = fork();
    if (p < 0) return "fork failed";
    if (p == 0) { fn(arg); _exit(0); }
    for (int i = 0; i < ms / 10; i++) {
        int st;
        if (waitpid(p, &st, WNOHANG) == p) return WIFSIGNALED(st) ? "signal" : "exit";
        usleep(10000);
    }
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
    return "killed";
}

static const char *hostpath, *hostfile;

/* Waits up to ms for child p, then kills it: an attack may leave it hanging in the stub. */
static void reap_within(pid_t p, int ms)
{
    for (int t = 0; t < ms / 10; t++) {
        if (waitpid(p, NULL, WNOHANG) == p) return;
        usleep(10000);
    }
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
}
static long runsc_pid;

static void site_attack(void *arg)
{
    uint64_t site = (uint64_t)arg;
    static const long nrs[] = { SYS_mkdir, SYS_kill, SYS_creat };
    for (unsigned i = 0; i < sizeof nrs / sizeof nrs[0]; i++) {
        pid_t p = fork();
        if (p == 0) {
            R.rax = nrs[i];
            R.rdi = nrs[i] == SYS_mkdir ? (uint64_t)hostpath : nrs[i] == SYS_kill ? (uint64_t)runsc_pid : (uint64_t)hostfile;
            R.rsi = nrs[i] == SYS_kill ? SIGKILL : 0644;
            R.rdx = 8;
            R.rbx = (uint64_t)scratch;
            R.r12 = (uint64_t)scratch + 4096;
            R.rip = site;
            jump();
            _exit(0);
        }
        reap_within(p, 300);
    }
}

static volatile int stop;
static void *scribbler(void *arg)
{
    (void)arg;
    uint64_t x = 88172645463325252ULL;
    while (!stop) {
        for (int s = 0; s < 4; s++) {
            uint64_t *a = (uint64_t *)(SLOTS + s * SLOT);
            for (int i = 0; i < 64; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; a[i] = (i & 1) ? (x & 7) : x; }
            /* Half the time, a copy command of our own making (state 5, its arguments at 0x28): from the stub's
             * code or an area into our memory, of any length up to our buffer's. */
            if (x & 8) { a[5] = (uint64_t)scratch; a[6] = (x & 16) ? CODE : SLOTS; a[7] = x & 0xffff; a[0] = 5; }
        }
    }
    return NULL;
}

static void scribble_attack(void *arg)
{
    (void)arg;
    pthread_t t;
    pthread_create(&t, NULL, scribbler, NULL);
    /* getppid's site is glibc's `mov $nr, %eax; syscall`: patched, it goes through the trampoline. */
    for (int i = 0; i < 20000; i++) { syscall(SYS_getpid); getppid(); }
    stop = 1;
    pthread_join(t, NULL);
}

static void mapping_attack(void *arg)
{
    long which = (long)arg;
    /* The generic site is the one whose filter entry allows munmap: find it by trying every site with munmap of a
     * scratch page we own and seeing it go. Simpler: try every site, on the stub's own pages. */
    for (uint64_t off = 0; off + 1 < CODE_END; off++) {
        unsigned char *c = (unsigned char *)CODE + off;
        if (c[0] != 0x0f || c[1] != 0x05) continue;
        pid_t p = fork();
        if (p == 0) {
            R.rax = which == 0 ? SYS_munmap : SYS_mprotect;
            R.rdi = which == 0 ? CODE : SLOTS;
            R.rsi = which == 0 ? 0x1000 : SLOT;
            R.rdx = PROT_READ;
            R.rbx = (uint64_t)scratch;
            R.r12 = (uint64_t)scratch + 4096;
            R.rip = (uint64_t)c;
            jump();
            _exit(0);
        }
        reap_within(p, 300);
    }
}

static uint64_t trampoline;
static volatile int came_back;

static void after_trampoline(void)
{
    came_back = 1;
    syscall(SYS_exit_group, 0);
}

/* The trampoline takes its number in eax and the return address in rcx, as a patched site's entry leaves them. */
static void trampoline_attack(void *arg)
{
    (void)arg;
    R.rax = SYS_mkdir;
    R.rdi = (uint64_t)hostpath;
    R.rsi = 0755;
    __asm__ volatile("mov 0(%0),%%rax; mov 8(%0),%%rdi; mov 16(%0),%%rsi; mov %1,%%rcx; jmp *%2"
                     :: "r"(&R), "r"((uint64_t)after_trampoline), "r"(trampoline) : "rax", "rdi", "rsi", "rcx", "memory");
}

int main(int argc, char **argv)
{
    if (argc < 5) return 2;
    trampoline = strtoull(argv[4], NULL, 16);
    hostpath = argv[1];
    hostfile = argv[2];
    runsc_pid = atol(argv[3]);
    setvbuf(stdout, NULL, _IONBF, 0);
    int sites = 0;
    for (uint64_t off = 0; off + 1 < CODE_END; off++) {
        unsigned char *c = (unsigned char *)CODE + off;
        if (c[0] == 0x0f && c[1] == 0x05) {
            sites++;
            in_child(site_attack, (void *)(CODE + off), 10000);
        }
    }
    printf("sites tried: %s\n", sites > 10 ? "many" : "few");
    in_child(scribble_attack, NULL, 20000);
    printf("scribble: done\n");
    in_child(mapping_attack, (void *)0, 30000);
    in_child(mapping_attack, (void *)1, 30000);
    printf("mappings: done\n");
    printf("trampoline: %s\n", in_child(trampoline_attack, NULL, 10000));
    /* Still a working kernel: fork, exec, wait. */
    pid_t p = fork();
    if (p == 0) { execl("/bin/true", "true", (char *)NULL); _exit(127); }
    int st;
    waitpid(p, &st, 0);
    printf("true: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    printf("sandbox ok\n");
    return 0;
}
