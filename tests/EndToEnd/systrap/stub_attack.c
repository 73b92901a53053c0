/* A guest that attacks the systrap stub from inside the sandbox (each attack in a child process of its own, so
 * that it may crash or hang only itself):
 *   sites     - jumps to every `syscall` instruction in the stub's code page with chosen registers: mkdir of a
 *               host path, creat of another, and kill of runsc (each must be the sandbox's, or nothing);
 *   scribble  - a thread fills its own and the other thread's message areas with garbage while that thread
 *               makes syscalls, half the time as a copy command;
 *   mappings  - unmaps or write-protects the stub's code page and its own area through the stub's own site;
 *   trampoline - jumps to the trampoline that patched syscall sites use, asking for mkdir of a host path: it
 *               must be the sandbox's mkdir, served by the Sentry;
 *   pread     - the stub holds the host fds of files its guest reads in large reads (here /bin/true); threads
 *               jumping to the stub's pread site with pread64 of its fds 0-7 may read that file, and nothing else.
 *               (An fd passes through the stub's table for a moment while a thread is made — its message area —
 *               or a file mapped: the guest's own memory or file. The jumpers start once every thread is made,
 *               so what they find is the table the stub keeps.)
 * Then the sandbox must still work: the parent forks and execs, and prints "sandbox ok".
 * Usage: stub_attack HOSTDIR HOSTFILE RUNSCPID TRAMPOLINE [PREADSITE] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
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

struct regs { uint64_t rax, rdi, rsi, rdx, rbx, r12, r10, rip; };
static struct regs R;
static char scratch[65536] __attribute__((aligned(4096)));

static void jump(void)
{
    __asm__ volatile("mov 0(%0),%%rax; mov 8(%0),%%rdi; mov 16(%0),%%rsi; mov 24(%0),%%rdx;"
                     "mov 32(%0),%%rbx; mov 40(%0),%%r12; mov 48(%0),%%r10; jmp *56(%0)" :: "c"(&R) : "memory");
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

static uint64_t pread_site;
static unsigned char *pread_bufs;
enum { PREAD_FDS = 8 };

/* A thread that jumps to the stub's pread site to read its fd f; it stays in the stub afterwards. */
static void *pread_jumper(void *arg)
{
    long f = (long)arg;
    static struct regs r[PREAD_FDS];
    __atomic_add_fetch((int *)(pread_bufs + PREAD_FDS * 4096), 1, __ATOMIC_SEQ_CST);
    /* Once every jumper is made (no thread's area is in transit through the stub's fds any more), and a moment more. */
    while (__atomic_load_n((int *)(pread_bufs + PREAD_FDS * 4096), __ATOMIC_SEQ_CST) < PREAD_FDS) sched_yield();
    usleep(50000);
    static char area[PREAD_FDS][8192] __attribute__((aligned(4096)));
    r[f].rax = SYS_pread64; r[f].rdi = f; r[f].rsi = (uint64_t)(pread_bufs + f * 4096); r[f].rdx = 4096; r[f].r10 = 0;
    r[f].rbx = (uint64_t)area[f]; r[f].r12 = (uint64_t)area[f] + 4096; r[f].rip = pread_site;
    __asm__ volatile("mov 0(%0),%%rax; mov 8(%0),%%rdi; mov 16(%0),%%rsi; mov 24(%0),%%rdx;"
                     "mov 32(%0),%%rbx; mov 40(%0),%%r12; mov 48(%0),%%r10; jmp *56(%0)" :: "c"(&r[f]) : "memory");
    return NULL;
}

static void pread_attack(void *arg)
{
    (void)arg;
    static unsigned char own[4096];
    pread_bufs = mmap(NULL, (PREAD_FDS + 1) * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int fd = open("/bin/true", O_RDONLY);
    if (fd < 0 || pread_bufs == MAP_FAILED) { printf("pread: setup failed\n"); return; }
    /* Large reads: from the second one on they are made by the stub, which keeps the fd (1 MiB: a read that large
     * goes to the stub even if its thread went to sleep meanwhile, as it may on a busy host). Only guest fd 20 stays
     * open on the file, so bytes of it read through fds 0-7 come from the stub's fd table, not the guest's. */
    static char big[1 << 20];
    for (int i = 0; i < 3; i++) { lseek(fd, 0, SEEK_SET); read(fd, big, sizeof big); }
    memcpy(own, big, sizeof own);
    dup2(fd, 20);
    close(fd);
    memset(pread_bufs, 0xa5, PREAD_FDS * 4096);
    /* The jumpers hang in the stub: they run in a child (which inherits the stub's fds), ended when they are done. */
    pid_t p = fork();
    if (p == 0) {
        pthread_t t;
        for (long f = 0; f < PREAD_FDS; f++) pthread_create(&t, NULL, pread_jumper, (void *)f);
        for (;;) pause();
    }
    /* Until every jumper has started (the last count is in the page after the buffers), and a moment more. */
    for (int t = 0; t < 500 && *(volatile int *)(pread_bufs + PREAD_FDS * 4096) < PREAD_FDS; t++) usleep(10000);
    usleep(300000);
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
    int reached = 0, foreign = 0;
    for (int f = 0; f < PREAD_FDS; f++) {
        unsigned char *b = pread_bufs + f * 4096;
        int changed = 0;
        for (int i = 0; i < 4096; i++) changed |= b[i] != 0xa5;
        if (!changed) continue;
        if (memcmp(b, own, sizeof own) == 0) reached++; else foreign++;
    }
    printf("pread: %s, %s\n", reached ? "own file reached" : "own file not reached", foreign ? "FOREIGN BYTES" : "nothing else");
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
    pread_site = argc > 5 ? strtoull(argv[5], NULL, 16) : 0;
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
    if (pread_site) in_child(pread_attack, NULL, 20000);
    /* Still a working kernel: fork, exec, wait. */
    pid_t p = fork();
    if (p == 0) { execl("/bin/true", "true", (char *)NULL); _exit(127); }
    int st;
    waitpid(p, &st, 0);
    printf("true: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    printf("sandbox ok\n");
    return 0;
}
