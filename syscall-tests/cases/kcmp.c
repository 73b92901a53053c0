/* kcmp: what a process shares with itself, a thread-like CLONE child and a fork child — files (dup'ed and
 * reopened), the address space, the fd table, the fs context, the signal handlers — the ordering rule (two
 * different objects compare 1 one way and 2 the other), KCMP_EPOLL_TFD, and the errors (ESRCH, EBADF, EINVAL,
 * ENOENT, EFAULT); and that a CLONE_SIGHAND child's sigaction is seen by its parent. Only equal / different and the antisymmetry are printed: the order itself is arbitrary. */
#include "common.h"
#include <linux/kcmp.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>

static long kcmp(pid_t a, pid_t b, int type, unsigned long i1, unsigned long i2) { return syscall(SYS_kcmp, a, b, type, i1, i2); }

static void cmp(const char *what, pid_t a, pid_t b, int type, unsigned long i1, unsigned long i2)
{
    long r = kcmp(a, b, type, i1, i2);
    if (r < 0) { printf("%s: %s\n", what, errname(errno)); return; }
    long back = type == KCMP_EPOLL_TFD ? -1 : kcmp(b, a, type, i2, i1);
    printf("%s: %s%s\n", what, r == 0 ? "same" : r == 1 || r == 2 ? "different" : "?",
           back < 0 || r == 0 ? "" : back == 3 - r ? " (reversed: the other order)" : " (reversed: NOT antisymmetric)");
}

static char stack[65536], stack2[65536];
static int shared_child(void *arg) { (void)arg; pause(); return 0; }
static int ignoring_child(void *arg) { (void)arg; signal(SIGUSR1, SIG_IGN); return 0; }

int main(void)
{
    pid_t me = getpid();
    int a = open("/etc/passwd", O_RDONLY), b = dup(a), c = open("/etc/passwd", O_RDONLY);
    cmp("file, itself", me, me, KCMP_FILE, a, a);
    cmp("file, dup", me, me, KCMP_FILE, a, b);
    cmp("file, reopened", me, me, KCMP_FILE, a, c);
    cmp("file, upper half of the index ignored", me, me, KCMP_FILE, a + (1ul << 32), b);
    cmp("vm, self", me, me, KCMP_VM, 0, 0);

    pid_t vm = clone(shared_child, stack + sizeof stack, CLONE_VM | CLONE_FILES | CLONE_FS | CLONE_SIGHAND | SIGCHLD, NULL);
    pid_t f = fork();
    if (f == 0) { pause(); _exit(0); }
    cmp("vm, CLONE_VM child", me, vm, KCMP_VM, 0, 0);
    cmp("files, CLONE_FILES child", me, vm, KCMP_FILES, 0, 0);
    cmp("fs, CLONE_FS child", me, vm, KCMP_FS, 0, 0);
    cmp("sighand, CLONE_SIGHAND child", me, vm, KCMP_SIGHAND, 0, 0);
    cmp("vm, fork child", me, f, KCMP_VM, 0, 0);
    cmp("files, fork child", me, f, KCMP_FILES, 0, 0);
    cmp("fs, fork child", me, f, KCMP_FS, 0, 0);
    cmp("sighand, fork child", me, f, KCMP_SIGHAND, 0, 0);
    cmp("file inherited by fork", me, f, KCMP_FILE, a, a);
    cmp("sysvsem, fork child", me, f, KCMP_SYSVSEM, 0, 0);

    int p[2];
    pipe(p);
    int pd = dup(p[0]);
    int ep = epoll_create1(0);
    struct epoll_event ev = { EPOLLIN, { 0 } };
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    struct kcmp_epoll_slot slot = { ep, p[0], 0 };
    cmp("epoll target, the file", me, me, KCMP_EPOLL_TFD, p[0], (unsigned long)&slot);
    cmp("epoll target, a dup", me, me, KCMP_EPOLL_TFD, pd, (unsigned long)&slot);
    cmp("epoll target, another file", me, me, KCMP_EPOLL_TFD, p[1], (unsigned long)&slot);
    slot.toff = 1;
    cmp("epoll target, a second registration", me, me, KCMP_EPOLL_TFD, p[0], (unsigned long)&slot);
    slot.toff = 0;
    slot.tfd = c;
    cmp("epoll target, not registered", me, me, KCMP_EPOLL_TFD, a, (unsigned long)&slot);
    slot.efd = a;
    cmp("epoll target, not an epoll fd", me, me, KCMP_EPOLL_TFD, a, (unsigned long)&slot);
    cmp("epoll target, bad slot pointer", me, me, KCMP_EPOLL_TFD, a, 8);

    cmp("bad type", me, me, 99, 0, 0);
    cmp("closed fd", me, me, KCMP_FILE, a, 999);
    cmp("pid 0", 0, me, KCMP_VM, 0, 0);
    cmp("no such pid", 999999, me, KCMP_VM, 0, 0);

    /* The handlers really are shared: a CLONE_SIGHAND child's sigaction is the parent's. */
    pid_t ig = clone(ignoring_child, stack2 + sizeof stack2, CLONE_VM | CLONE_SIGHAND | SIGCHLD, NULL);
    waitpid(ig, NULL, 0);
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    printf("SIGUSR1 after the CLONE_SIGHAND child ignored it: %s\n", sa.sa_handler == SIG_IGN ? "ignored" : "default");

    kill(vm, SIGKILL);
    kill(f, SIGKILL);
    waitpid(vm, NULL, 0);
    waitpid(f, NULL, 0);
    return 0;
}
