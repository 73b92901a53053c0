/* sysfuzz: a syscall fuzzer that runs as the sandbox's init (pid 1).
 *
 * The harness (pid 1) never makes a random call itself.  It forks children, a
 * batch each, in their own process group; a child opens a pool of files
 * (pipes, eventfd, timerfd, signalfd, epoll, memfd, /dev files, a tmp file, a
 * directory), lays out an arena of read-write, read-only, PROT_NONE and
 * unmapped pages, and starts worker threads that call random syscall numbers
 * of the whole x86-64 table (and a few out of it) with hostile arguments:
 * pointers into unmapped, read-only, PROT_NONE and half-mapped memory, NULL,
 * kernel and stub-page addresses, huge and negative lengths, random fds
 * (one thread keeps closing and dup2-ing the pool's fds under the others),
 * bogus flags.  Per-thread SIGALRM timers and the harness's SIGUSR1 keep
 * interrupting them.  A child that outlives its deadline is SIGKILLed with
 * its group; one that is still there 10 s later is a hang of the kernel.
 *
 * Reproducible from the seed: the seed is printed; batch B's child seed and
 * each thread's seed derive from it, so `sysfuzz --seed S --batch B --log`
 * replays one batch, printing every call before it is made (to stderr).
 *
 * Usage: sysfuzz [--seconds N] [--seed S] [--batch B] [--log]
 *                [--threads K] [--calls N] [--parallel P] [--deadline-ms MS] [--hold-on-hang S]
 * Exit status: 0 when the run completed, 3 on a hang, 4 when interrupted,
 * 2 for a usage error or when not run as pid 1 (it refuses to run natively:
 * it would call reboot's neighbours, mount, settimeofday ... on the host).
 * The last line of stdout is the summary (calls made, distinct numbers).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#define NSYS 464          /* numbers 0..463 cover the x86-64 table (mseal is 462) */
#define MAX_THREADS 16
#define POOL 26           /* fds in a child's pool */
#define PAGE 4096UL
#define ARENA_PAGES 32
#define MAX_FORKS 24      /* forks per batch (forked children keep fuzzing) */
#define LOG_FD 1023       /* where a child's --log lines go (never in the fd pool) */
#define REAP_LIMIT_S 10   /* a child not gone this long after SIGKILL is a kernel hang */

/* Numbers never called: they would end or stall the test for no kernel insight
 * (reboot, vhangup) or are the host's business (kexec). */
static int never(long nr)
{
    return nr == SYS_reboot || nr == SYS_vhangup || nr == SYS_kexec_load || nr == SYS_kexec_file_load;
}

/* ---- shared counters (MAP_SHARED, written by every child) ---- */
struct shared {
    uint64_t calls[NSYS + 1];   /* [NSYS]: numbers outside the table */
    uint64_t not_enosys[NSYS + 1];
    int forks;
};
static struct shared *sh;

/* ---- random ---- */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}
static __thread uint64_t rng;
static uint64_t rnd(void) { return rng = mix(rng); }
static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }
static int chance(int pct) { return (int)below(100) < pct; }

/* ---- the raw call: a clone/vfork child exits at once, touching no stack ---- */
long fuzz_raw(long nr, long a0, long a1, long a2, long a3, long a4, long a5, long exit_in_child);
__asm__(".text\n.globl fuzz_raw\n.type fuzz_raw,@function\nfuzz_raw:\n"
        "  push %r12\n"
        "  mov 24(%rsp), %r12\n"   /* exit_in_child */
        "  mov %rdi, %rax\n  mov %rsi, %rdi\n  mov %rdx, %rsi\n  mov %rcx, %rdx\n"
        "  mov %r8, %r10\n  mov %r9, %r8\n  mov 16(%rsp), %r9\n"
        "  syscall\n"
        "  test %rax, %rax\n  jnz 1f\n  test %r12, %r12\n  jz 1f\n"
        "  mov $60, %eax\n  xor %edi, %edi\n  syscall\n  ud2\n"
        "1:\n  pop %r12\n  ret\n");

/* ---- a child's world ---- */
static char *arena;                 /* ARENA_PAGES pages, layout below */
static int pool[POOL];
static int harness_pid;
static volatile int workers_done;
static int log_mode;
static int batch_no;
static volatile sig_atomic_t signals_seen;

enum { RO_PAGE = 20, NONE_PAGE = 21, HOLE1 = 22, HOLE2 = 28, RO2 = 30, HOLE3 = 31, STR_PAGE = 19, IOV_PAGE = 18 };
static char *pg(int i) { return arena + (size_t)i * PAGE; }

static const char *const paths[] = {
    "/", "/tmp", "/tmp/fz", "/tmp/fz/a", "/dev/null", "/dev/zero", "/proc/self/maps", "/proc/self/fd/3",
    "/proc/self/mem", "/proc/1/status", "/nonexistent/x", "", ".", "..", "/bin/true", "/etc/passwd", "/dev/shm/x",
    "/proc/self/exe", "/sys", "/tmp/fz/../fz/./b", "/dev/full", "/proc/self/task", "/dev/fd/0",
};
#define NPATHS (sizeof paths / sizeof paths[0])
static char *path_ptr[NPATHS];

static void handler(int sig) { (void)sig; signals_seen++; }

static void setup_arena(void)
{
    arena = mmap(NULL, ARENA_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (arena == MAP_FAILED) _exit(90);
    for (size_t i = 0; i < 16 * PAGE; i += 8) *(uint64_t *)(arena + i) = rnd();
    for (size_t i = 0; i < PAGE; i += 8) *(uint64_t *)(pg(RO_PAGE) + i) = rnd();
    /* Paths, and one unterminated string running into a hole. */
    char *s = pg(STR_PAGE);
    for (size_t i = 0; i < NPATHS; i++) {
        path_ptr[i] = s;
        strcpy(s, paths[i]);
        s += strlen(paths[i]) + 1;
    }
    /* iovecs mixing good, NULL, half-mapped, read-only and huge entries. */
    struct { void *b; size_t l; } *iov = (void *)pg(IOV_PAGE);
    iov[0].b = arena; iov[0].l = 16;
    iov[1].b = NULL; iov[1].l = 10;
    iov[2].b = pg(HOLE2) - 8; iov[2].l = 64;
    iov[3].b = pg(RO_PAGE); iov[3].l = 100;
    iov[4].b = arena + 100; iov[4].l = (size_t)-1;
    iov[5].b = arena + 200; iov[5].l = 0;
    iov[6].b = pg(NONE_PAGE); iov[6].l = 4096;
    iov[7].b = arena + 300; iov[7].l = 8192;
    /* Valid small timespecs (1 ms) and a sigaction with our handler, for the bounded picks. */
    long *ts = (long *)(pg(IOV_PAGE) + 512);
    ts[0] = 0; ts[1] = 1000000; ts[2] = 0; ts[3] = 1000000;
    mprotect(pg(RO_PAGE), PAGE, PROT_READ);
    mprotect(pg(NONE_PAGE), PAGE, PROT_NONE);
    munmap(pg(HOLE1), PAGE);
    munmap(pg(HOLE2), PAGE);
    mprotect(pg(RO2), PAGE, PROT_READ);
    munmap(pg(HOLE3), PAGE);
    memset(pg(HOLE2) - 40, 'a', 40); /* unterminated, runs into the hole */
}

static int eventfd_like(void) { return (int)syscall(SYS_eventfd2, 3, 0); }

static void setup_pool(void)
{
    int p[2], n = 0;
    char tmp[64];
    mkdir("/tmp/fz", 0777);
    if (pipe2(p, O_NONBLOCK) == 0) { pool[n++] = p[0]; pool[n++] = p[1]; }
    if (pipe(p) == 0) { pool[n++] = p[0]; pool[n++] = p[1]; }
    pool[n++] = eventfd_like();
    pool[n++] = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
    sigset_t ss; sigemptyset(&ss); sigaddset(&ss, SIGUSR2);
    pool[n++] = (int)syscall(SYS_signalfd4, -1, &ss, 8, 0);
    pool[n++] = (int)syscall(SYS_epoll_create1, 0);
    pool[n++] = (int)syscall(SYS_memfd_create, "fz", 0);
    pool[n++] = open("/dev/null", O_RDWR);
    pool[n++] = open("/dev/zero", O_RDONLY);
    snprintf(tmp, sizeof tmp, "/tmp/fz/f%d", getpid());
    pool[n++] = open(tmp, O_RDWR | O_CREAT, 0644);
    pool[n++] = open("/", O_RDONLY | O_DIRECTORY);
    pool[n++] = open("/proc/self/maps", O_RDONLY);
    pool[n++] = open("/etc/passwd", O_RDONLY);
    pool[n++] = open("/dev/urandom", O_RDONLY);
    /* Sockets: Unix stream and datagram pairs, a TCP listener with one connection (both ends), UDP, netlink. */
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, p) == 0) { pool[n++] = p[0]; pool[n++] = p[1]; }
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, p) == 0) { pool[n++] = p[0]; pool[n++] = p[1]; }
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t inlen = sizeof in;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l >= 0 && bind(l, (struct sockaddr *)&in, sizeof in) == 0 && listen(l, 4) == 0 &&
        getsockname(l, (struct sockaddr *)&in, &inlen) == 0) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        pool[n++] = l;
        if (c >= 0 && connect(c, (struct sockaddr *)&in, sizeof in) == 0) { pool[n++] = c; pool[n++] = accept(l, NULL, NULL); }
    }
    pool[n++] = socket(AF_INET6, SOCK_DGRAM, 0);
    pool[n++] = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    while (n < POOL) pool[n++] = open("/dev/null", O_WRONLY);
}


/* ---- argument kinds ---- */
static long arg_fd(void)
{
    switch (below(20)) {
    case 0: return -1;
    case 1: return -100; /* AT_FDCWD */
    case 2: return (long)below(1100) == LOG_FD ? 0 : (long)below(1100);
    case 3: return 0x7fffffff;
    case 4: return (long)rnd();
    case 5: case 6: return (long)below(8);
    default: return pool[below(POOL)];
    }
}

static long arg_ptr(void)
{
    switch (below(28)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return (long)pg(RO_PAGE) + (long)below(PAGE);
    case 3: return (long)pg(NONE_PAGE) + (long)below(PAGE);
    case 4: return (long)pg(HOLE1) + (long)below(PAGE);
    case 5: return (long)pg(HOLE2) - 1 - (long)below(64);      /* RW then unmapped */
    case 6: return (long)pg(RO_PAGE) - 1 - (long)below(64);    /* RW then read-only */
    case 7: return (long)pg(NONE_PAGE) - 1 - (long)below(64);  /* read-only then PROT_NONE */
    case 8: return (long)pg(HOLE3) - 1 - (long)below(64);      /* read-only then unmapped */
    case 9: return (long)0xffffffff81000000UL;
    case 10: return (long)0xffff800000000000UL;
    case 11: return (long)0xffffffffff600000UL;                 /* vsyscall */
    case 12: return (long)0x800000000000UL - (long)below(64);   /* end of user space */
    case 13: return (long)0x7ff000000000UL + (long)below(PAGE);  /* the stub page */
    case 14: return (long)rnd();
    case 15: return -1;
    case 16: return (long)(void *)setup_arena;                 /* text */
    case 17: case 18: return (long)path_ptr[below(NPATHS)];
    case 19: return (long)pg(IOV_PAGE) + 16 * (long)below(8);   /* iovec arrays */
    case 20: return (long)pg(IOV_PAGE) + 512;                   /* valid 1 ms timespecs */
    default: return (long)arena + (long)below(20 * PAGE);       /* mapped read-write */
    }
}

static long arg_len(void)
{
    static const long lens[] = { 0, 1, 2, 8, 16, 64, 4095, 4096, 4097, 65536, 1 << 20, 0x7fffffff, 0x80000000L,
                                 0xffffffffL, -1, -4096, 1L << 62, (long)0x8000000000000000UL };
    if (chance(40)) return (long)below(8192);
    return lens[below(sizeof lens / sizeof lens[0])];
}

static long arg_flags(void)
{
    switch (below(8)) {
    case 0: return 0;
    case 1: return 1L << below(32);
    case 2: return (long)(uint32_t)rnd();
    case 3: return -1;
    case 4: return (long)rnd();
    case 5: return (long)below(8);
    case 6: return (1L << below(32)) | (1L << below(32));
    default: return (long)(rnd() & 0xfff);
    }
}

static long arg_sig(void)
{
    static const int sigs[] = { 0, SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD, SIGURG, SIGWINCH, SIGPIPE, SIGSTOP, SIGCONT,
                                SIGKILL, SIGSEGV, SIGTERM, 34, 64, 65, -1, 1000 };
    return sigs[below(sizeof sigs / sizeof sigs[0])];
}

static long arg_pid(void)
{
    switch (below(8)) {
    case 0: return 0;
    case 1: return getpid();
    case 2: return syscall(SYS_gettid);
    case 3: return -getpgrp();
    case 4: return 99999;
    case 5: return (long)rnd();
    default: return getpid() + (long)below(8);
    }
}

static long arg_addr(void) /* for mm calls: mostly page-aligned in the arena */
{
    switch (below(10)) {
    case 0: return 0;
    case 1: return (long)0x7ff000000000UL;                      /* the stub page */
    case 2: return (long)rnd() & ~(long)(PAGE - 1);
    case 3: return (long)arena + (long)below(ARENA_PAGES * PAGE);
    default: return (long)arena + (long)(below(ARENA_PAGES) * PAGE);
    }
}

static long arg_any(void)
{
    switch (below(8)) {
    case 0: return arg_fd();
    case 1: case 2: return arg_ptr();
    case 3: return arg_len();
    case 4: return arg_flags();
    case 5: return (long)below(16);
    default: return (long)rnd();
    }
}

/* Argument kinds of the common calls: f fd, p pointer, s path, l length, F flags, i small int,
 * P pid, S signal, t timespec, a mm address; '.' or a missing letter is any. */
static const char *kinds(long nr)
{
    switch (nr) {
    case SYS_read: case SYS_write: case SYS_getdents: case SYS_getdents64: return "fpl";
    case SYS_pread64: case SYS_pwrite64: return "fpll";
    case SYS_readv: case SYS_writev: return "fpi";
    case SYS_preadv: case SYS_pwritev: case SYS_preadv2: case SYS_pwritev2: return "fpilF";
    case SYS_open: case SYS_creat: return "sFF";
    case SYS_openat: return "fsFF";
    case SYS_close: case SYS_dup: case SYS_fsync: case SYS_fdatasync: case SYS_fchdir: return "f";
    case SYS_dup2: return "ff";
    case SYS_dup3: return "ffF";
    case SYS_fcntl: return "fil";
    case SYS_ioctl: return "fFp";
    case SYS_lseek: return "fli";
    case SYS_stat: case SYS_lstat: case SYS_statfs: return "sp";
    case SYS_fstat: case SYS_fstatfs: return "fp";
    case SYS_newfstatat: return "fspF";
    case SYS_statx: return "fsFFp";
    case SYS_mmap: return "alFFfl";
    case SYS_mprotect: case SYS_madvise: case SYS_msync: case SYS_mlock: case SYS_munlock: return "alF";
    case SYS_munmap: return "al";
    case SYS_mremap: return "allFa";
    case SYS_brk: return "a";
    case SYS_rt_sigaction: return "Spp";
    case SYS_rt_sigprocmask: return "ipp";
    case SYS_poll: return "pii";
    case SYS_ppoll: return "pitp";
    case SYS_select: return "ipppt";
    case SYS_pselect6: return "ipppt";
    case SYS_epoll_wait: case SYS_epoll_pwait: return "fpii";
    case SYS_epoll_ctl: return "fifp";
    case SYS_nanosleep: return "tp";
    case SYS_clock_nanosleep: return "iitp";
    case SYS_futex: return "piitpi";
    case SYS_kill: case SYS_tkill: return "PS";
    case SYS_tgkill: return "PPS";
    case SYS_rt_sigqueueinfo: return "PSp";
    case SYS_rt_tgsigqueueinfo: return "PPSp";
    case SYS_wait4: return "PpFp";
    case SYS_waitid: return "iPpFp";
    case SYS_pipe: return "p";
    case SYS_pipe2: return "pF";
    case SYS_sendfile: return "ffpl";
    case SYS_splice: return "fpfplF";
    case SYS_tee: return "fflF";
    case SYS_vmsplice: return "fpiF";
    case SYS_copy_file_range: return "fpfplF";
    case SYS_execve: return "spp";
    case SYS_execveat: return "fsppF";
    case SYS_chdir: case SYS_rmdir: case SYS_unlink: case SYS_chroot: return "s";
    case SYS_mkdir: case SYS_chmod: case SYS_access: return "sF";
    case SYS_rename: case SYS_link: case SYS_symlink: return "ss";
    case SYS_renameat2: return "fsfsF";
    case SYS_readlink: return "spl";
    case SYS_readlinkat: return "fspl";
    case SYS_getcwd: return "pl";
    case SYS_truncate: return "sl";
    case SYS_ftruncate: return "fl";
    case SYS_fallocate: return "fFll";
    case SYS_unlinkat: case SYS_mkdirat: case SYS_fchmodat: case SYS_faccessat: case SYS_faccessat2: return "fsF";
    case SYS_mknod: return "sFl";
    case SYS_utimensat: return "fspF";
    case SYS_getxattr: case SYS_lgetxattr: case SYS_setxattr: case SYS_lsetxattr: return "sspl";
    case SYS_fgetxattr: case SYS_fsetxattr: return "fspl";
    case SYS_listxattr: return "spl";
    case SYS_getrandom: return "plF";
    case SYS_memfd_create: return "sF";
    case SYS_prlimit64: return "Pipp";
    case SYS_process_vm_readv: case SYS_process_vm_writev: return "PpipiF";
    case SYS_pidfd_open: return "PF";
    case SYS_pidfd_send_signal: return "fSpF";
    case SYS_pidfd_getfd: return "ffF";
    case SYS_timerfd_settime: return "fFpp";
    case SYS_timer_settime: return "iFpp";
    case SYS_setitimer: return "ipp";
    case SYS_sigaltstack: return "pp";
    case SYS_signalfd4: return "fplF";
    case SYS_clone: return "Fpppl";
    case SYS_clone3: return "pl";
    case SYS_sched_setaffinity: case SYS_sched_getaffinity: return "Plp";
    case SYS_get_robust_list: return "Ppp";
    case SYS_set_robust_list: return "pl";
    case SYS_close_range: return "ffF";
    case SYS_socket: return "iii";
    case SYS_socketpair: return "iiip";
    case SYS_bind: case SYS_connect: return "fpl";
    case SYS_listen: case SYS_shutdown: return "fi";
    case SYS_accept: case SYS_getsockname: case SYS_getpeername: return "fpp";
    case SYS_accept4: return "fppF";
    case SYS_sendto: return "fplFpl";
    case SYS_recvfrom: return "fplFpp";
    case SYS_sendmsg: case SYS_recvmsg: return "fpF";
    case SYS_sendmmsg: return "fpiF";
    case SYS_recvmmsg: return "fpiFt";
    case SYS_setsockopt: return "fiipl";
    case SYS_getsockopt: return "fiipp";
    default: return "";
    }
}

static long gen(char k)
{
    switch (k) {
    case 'f': return arg_fd();
    case 'p': return arg_ptr();
    case 's': return chance(80) ? (long)path_ptr[below(NPATHS)] : arg_ptr();
    case 'l': return arg_len();
    case 'F': return arg_flags();
    case 'i': return chance(70) ? (long)below(16) : arg_any();
    case 'P': return arg_pid();
    case 'S': return arg_sig();
    case 't': return chance(70) ? (long)pg(IOV_PAGE) + 512 : arg_ptr();
    case 'a': return arg_addr();
    default: return arg_any();
    }
}

/* Whether this call would reach the harness (pid 1) or every process. */
static int hits_harness(long nr, const long *a)
{
    switch (nr) {
    case SYS_kill: case SYS_ptrace: case SYS_rt_sigqueueinfo: case SYS_pidfd_open: case SYS_prlimit64:
    case SYS_process_vm_writev: case SYS_process_vm_readv: case SYS_setpgid: case SYS_tkill: case SYS_sched_setattr:
    case SYS_sched_setscheduler: case SYS_sched_setparam: case SYS_kcmp: case SYS_setpriority:
        return (int)a[0] == harness_pid || (int)a[0] == -1 || (int)a[0] == -harness_pid || (nr == SYS_setpriority && (int)a[1] == harness_pid);
    case SYS_tgkill: case SYS_rt_tgsigqueueinfo:
        return (int)a[0] == harness_pid || (int)a[1] == harness_pid;
    case SYS_fcntl: /* F_SETOWN: SIGIO to the harness or its group */
        return (int)a[1] == F_SETOWN && ((int)a[2] == harness_pid || (int)a[2] == -harness_pid || (int)a[2] == -1);
    }
    /* Joining the harness's process group would let kill(0, ...) reach it. */
    if (nr == SYS_setpgid && (int)a[1] == harness_pid) return 1;
    return 0;
}

static void log_call(int thread, int i, long nr, const long *a)
{
    char line[256];
    int n = snprintf(line, sizeof line, "sysfuzz b%d t%d #%d pid %d: %ld(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n", batch_no, thread,
                     i, (int)syscall(SYS_getpid), nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (write(LOG_FD, line, (size_t)n) < 0) { /* the fuzz closed it: keep going */ }
}

struct worker { int idx; int calls; uint64_t seed; };

static void *worker(void *p)
{
    struct worker *w = p;
    rng = w->seed;
    /* A per-thread 2..20 ms SIGALRM timer interrupts blocking calls. */
    struct sigevent sev = { 0 };
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGALRM;
    sev._sigev_un._tid = (int)syscall(SYS_gettid);
    timer_t tid;
    if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &tid) == 0) {
        struct itimerspec its = { { 0, (long)(2 + below(18)) * 1000000 }, { 0, (long)(2 + below(18)) * 1000000 } };
        syscall(SYS_timer_settime, tid, 0, &its, NULL);
    }
    for (int i = 0; i < w->calls; i++) {
        long nr;
        if (chance(2)) nr = chance(50) ? NSYS + (long)below(1000) : (long)rnd(); /* outside the table */
        else nr = (long)below(NSYS);
        if (never(nr)) continue;
        /* Calls that end the thread or process, or restore garbage registers: rarely. */
        if ((nr == SYS_exit || nr == SYS_exit_group || nr == SYS_rt_sigreturn || nr == SYS_execve || nr == SYS_execveat) && !chance(3))
            continue;
        const char *k = (nr >= 0 && nr < NSYS) ? kinds(nr) : "";
        long a[6];
        for (int j = 0; j < 6; j++) a[j] = gen(k[0] && j < (int)strlen(k) ? k[j] : '.');
        if (nr == SYS_rt_sigaction && chance(70)) {
            /* Mostly a well-formed action with our handler, so the alarms keep coming. */
            struct { void *h; unsigned long f; void *r; uint64_t m; } *act = (void *)(pg(IOV_PAGE) + 1024);
            act->h = (void *)handler; act->f = 0x04000000 /* SA_RESTORER */ | (rnd() & 0x58000000UL); act->r = NULL; act->m = rnd();
            extern void fuzz_restorer(void);
            act->r = (void *)fuzz_restorer;
            a[1] = (long)act;
            a[3] = 8;
        }
        if (nr == SYS_arch_prctl && (a[0] == 0x1002 || a[0] == 0x1001)) a[0] = 0x1003; /* keep the TLS base: ARCH_GET_FS */
        if (hits_harness(nr, a)) continue;
        if (nr == SYS_fork || nr == SYS_vfork || nr == SYS_clone || nr == SYS_clone3) {
            if (__atomic_fetch_add(&sh->forks, 1, __ATOMIC_RELAXED) >= MAX_FORKS) continue;
        }
        /* Keep the log fd out of the calls that name fds. */
        for (int j = 0; j < 6; j++) if (a[j] == LOG_FD) a[j] = 0;
        if (nr == SYS_close_range && (unsigned long)a[1] >= LOG_FD) a[1] = LOG_FD - 1;
        if (log_mode) log_call(w->idx, i, nr, a);
        int slot = (nr >= 0 && nr < NSYS) ? (int)nr : NSYS;
        __atomic_fetch_add(&sh->calls[slot], 1, __ATOMIC_RELAXED);
        /* clone, clone3 and vfork children (maybe on a garbage stack or sharing ours) exit at once. */
        int exit_child = nr == SYS_clone || nr == SYS_clone3 || nr == SYS_vfork;
        long r = fuzz_raw(nr, a[0], a[1], a[2], a[3], a[4], a[5], exit_child);
        if (r != -ENOSYS) __atomic_fetch_add(&sh->not_enosys[slot], 1, __ATOMIC_RELAXED);
    }
    return NULL;
}
__asm__(".text\n.globl fuzz_restorer\nfuzz_restorer:\n  mov $15, %eax\n  syscall\n  ud2\n");

/* One thread keeps changing what the pool's fd numbers name while the workers use them. */
static void *churner(void *p)
{
    rng = *(uint64_t *)p;
    while (!workers_done) {
        int a = pool[below(POOL)], b = pool[below(POOL)];
        switch (below(6)) {
        case 0: dup2(a, b); break;
        case 1: close(b); if (open(chance(50) ? "/dev/null" : "/etc/passwd", O_RDWR) < 0) open("/dev/zero", O_RDONLY); break;
        case 2: syscall(SYS_dup3, a, b, O_CLOEXEC); break;
        case 3: { int f = open("/dev/zero", O_RDONLY); if (f >= 0) { dup2(f, b); close(f); } } break;
        case 4: { int q[2]; if (pipe(q) == 0) { dup2(q[0], a); dup2(q[1], b); close(q[0]); close(q[1]); } } break;
        default: sched_yield(); break;
        }
    }
    return NULL;
}

static void install_handlers(void)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = handler; /* no SA_RESTART: the alarms interrupt blocking calls */
    for (int s = 1; s < 65; s++) {
        if (s == SIGKILL || s == SIGSTOP || s == SIGSEGV || s == SIGBUS || s == SIGILL || s == SIGFPE || s == SIGTRAP || s == SIGABRT || s == SIGSYS)
            continue;
        sigaction(s, &sa, NULL);
    }
}

static int nthreads = 4, ncalls = 400;

static void run_child(uint64_t seed)
{
    rng = seed;
    setpgid(0, 0);
    if (log_mode) dup2(2, LOG_FD);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 1); dup2(devnull, 2); close(devnull);
    install_handlers();
    setup_arena();
    setup_pool();
    pthread_t th[MAX_THREADS], ch;
    struct worker w[MAX_THREADS];
    uint64_t cseed = mix(seed ^ 0xc0ffee);
    pthread_create(&ch, NULL, churner, &cseed);
    for (int i = 0; i < nthreads; i++) {
        w[i].idx = i; w[i].calls = ncalls; w[i].seed = mix(seed + (uint64_t)i + 1);
        if (pthread_create(&th[i], NULL, worker, &w[i]) != 0) w[i].idx = -1;
    }
    for (int i = 0; i < nthreads; i++) if (w[i].idx >= 0) pthread_join(th[i], NULL);
    workers_done = 1;
    pthread_join(ch, NULL);
    _exit(0);
}

/* ---- the harness ---- */
static volatile sig_atomic_t interrupted, stray_sig, stray_pid, stray_code;
static void on_stop(int sig) { (void)sig; interrupted = 1; }
/* A signal the children should not have been able to send: counted and reported. */
static void on_stray(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    stray_sig = sig; stray_pid = si->si_pid; stray_code = si->si_code;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(int ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    nanosleep(&ts, NULL);
}

/* Kills every process whose parent is the harness but is not one of the live batch children
 * (orphans of killed batches come to pid 1). */
static void kill_strays(const int *live, int nlive)
{
    DIR *d = opendir("/proc");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        int pid = atoi(e->d_name);
        if (pid <= 1 || pid == getpid()) continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        int fd = open(path, O_RDONLY);
        if (fd < 0) continue;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0) continue;
        buf[n] = 0;
        char *rp = strrchr(buf, ')');
        char st; int ppid;
        if (!rp || sscanf(rp + 2, "%c %d", &st, &ppid) != 2 || ppid != getpid()) continue;
        int is_live = 0;
        for (int i = 0; i < nlive; i++) if (live[i] == pid) is_live = 1;
        if (!is_live) kill(pid, SIGKILL);
    }
    closedir(d);
}

struct slot { int pid; int batch; uint64_t seed; double start, killed; };

int main(int argc, char **argv)
{
    uint64_t seed = 0;
    int have_seed = 0, seconds = 60, only_batch = -1, parallel = 2, deadline_ms = 2000, hold = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc) { seed = strtoull(argv[++i], NULL, 0); have_seed = 1; }
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) only_batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) nthreads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--calls") && i + 1 < argc) ncalls = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--parallel") && i + 1 < argc) parallel = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--deadline-ms") && i + 1 < argc) deadline_ms = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--log")) log_mode = 1;
        else if (!strcmp(argv[i], "--hold-on-hang") && i + 1 < argc) hold = atoi(argv[++i]);
        else { fprintf(stderr, "usage: sysfuzz [--seconds N] [--seed S] [--batch B] [--log] [--threads K] [--calls N] [--parallel P] [--deadline-ms MS]\n"); return 2; }
    }
    if (getpid() != 1) {
        fprintf(stderr, "sysfuzz: runs only as a sandbox's init (pid 1): natively it would call mount, settimeofday, ... on the host\n");
        return 2;
    }
    if (nthreads < 1) nthreads = 1;
    if (nthreads > MAX_THREADS) nthreads = MAX_THREADS;
    if (parallel < 1) parallel = 1;
    if (parallel > 8) parallel = 8;
    if (!have_seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = mix((uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("sysfuzz: seed %#llx (replay one batch: --seed %#llx --batch B --log)\n", (unsigned long long)seed, (unsigned long long)seed);
    harness_pid = getpid();
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) { perror("mmap"); return 2; }
    struct sigaction sa = { 0 };
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    struct sigaction stray = { 0 };
    stray.sa_sigaction = on_stray;
    stray.sa_flags = SA_SIGINFO | SA_RESTART;
    for (int s = 1; s < 65; s++)
        if (s != SIGTERM && s != SIGINT && s != SIGHUP && s != SIGCHLD && s != SIGKILL && s != SIGSTOP && s != SIGSEGV &&
            s != SIGBUS && s != SIGILL && s != SIGFPE && s != SIGABRT && s != SIGTRAP && s != SIGSYS && s != 32 && s != 33)
            sigaction(s, &stray, NULL);

    struct slot slots[8] = { 0 };
    int next_batch = only_batch >= 0 ? only_batch : 0, batches = 0, deadline_kills = 0, by_signal = 0, hang = 0;
    double end = now() + seconds;
    int launching = 1;
    while (!hang) {
        if (interrupted || now() >= end || (only_batch >= 0 && batches > 0)) launching = 0;
        int active = 0;
        for (int i = 0; i < parallel; i++) {
            struct slot *s = &slots[i];
            if (!s->pid && launching && !(only_batch >= 0 && batches > 0)) {
                s->batch = next_batch++;
                s->seed = mix(seed ^ mix((uint64_t)s->batch));
                s->start = now();
                s->killed = 0;
                sh->forks = 0;
                batch_no = s->batch;
                fflush(stdout);
                int pid = fork();
                if (pid == 0) run_child(s->seed);
                if (pid < 0) { perror("fork"); continue; }
                s->pid = pid;
                setpgid(pid, pid);
                batches++;
                if (log_mode) fprintf(stderr, "sysfuzz: batch %d seed %#llx pid %d\n", s->batch, (unsigned long long)s->seed, pid);
            }
            if (!s->pid) continue;
            active++;
            double t = now();
            if (!s->killed && (t - s->start) * 1000 > deadline_ms) {
                kill(-s->pid, SIGKILL);
                kill(s->pid, SIGKILL);
                s->killed = t;
                deadline_kills++;
            } else if (s->killed && t - s->killed > REAP_LIMIT_S) {
                printf("sysfuzz: HANG: batch %d (seed %#llx, pid %d) still there %d s after SIGKILL\n", s->batch,
                       (unsigned long long)s->seed, s->pid, REAP_LIMIT_S);
                hang = 1;
                if (hold) { /* leave the sandbox as it is for a look from the host */
                    printf("sysfuzz: holding for %d s\n", hold);
                    fflush(stdout);
                    sleep((unsigned)hold);
                }
            } else if (!s->killed) {
                kill(-s->pid, SIGUSR1);
            }
        }
        /* Reap batch children and the grandchildren orphaned to us. */
        int status, r;
        while ((r = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
            for (int i = 0; i < parallel; i++) {
                struct slot *s = &slots[i];
                if (s->pid != r) continue;
                if (WIFSIGNALED(status) && !s->killed) by_signal++;
                kill(-s->pid, SIGKILL); /* what is left of its group */
                s->pid = 0;
                int live[8], n = 0;
                for (int j = 0; j < parallel; j++) if (slots[j].pid) live[n++] = slots[j].pid;
                kill_strays(live, n);
            }
        }
        if (!active && !launching) break;
        nap_ms(5);
    }
    uint64_t total = 0;
    int distinct = 0, answered = 0;
    for (int i = 0; i <= NSYS; i++) {
        total += sh->calls[i];
        if (i < NSYS && sh->calls[i]) distinct++;
        if (i < NSYS && sh->not_enosys[i]) answered++;
    }
    /* On a line of its own: a fuzzed child may have left bytes without a newline on the shared stdout. */
    printf("\nsysfuzz: seed %#llx: %d batches, %llu calls, %d distinct syscall numbers (%d answered other than ENOSYS), "
           "%d children killed at the deadline, %d died of a signal, %s\n",
           (unsigned long long)seed, batches, (unsigned long long)total, distinct, answered, deadline_kills, by_signal,
           hang ? "HANG" : interrupted ? "interrupted" : "ok");
    if (stray_sig)
        printf("sysfuzz: the harness got signal %d from pid %d (code %d)\n", (int)stray_sig, (int)stray_pid, (int)stray_code);
    if (hang) return 3;
    if (interrupted) return 4;
    return 0;
}
