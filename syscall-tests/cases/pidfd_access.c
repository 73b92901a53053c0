/* ptrace-style access (Linux's ptrace_may_access with commoncap's check): matching uids are not enough when the
 * target has permitted capabilities the caller lacks, or lives in another user namespace (pidfd_getfd,
 * process_vm_readv, get_robust_list: EPERM). waitid(P_PIDFD) on a non-blocking pidfd: EAGAIN, or 0 with WNOHANG. */
#include "common.h"
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/uio.h>
#include <sys/wait.h>

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

static int probe(int pidfd, pid_t target)
{
    long r = syscall(SYS_pidfd_getfd, pidfd, 0, 0);
    printf("  pidfd_getfd: %s\n", r >= 0 ? "ok" : errname(errno));
    if (r >= 0)
        close((int)r);
    static char word[8], mine[8];
    struct iovec local = {mine, sizeof mine}, remote = {word, sizeof word};
    r = process_vm_readv(target, &local, 1, &remote, 1, 0);
    printf("  process_vm_readv: %s\n", r >= 0 ? "ok" : errname(errno));
    void *head;
    size_t len;
    r = syscall(SYS_get_robust_list, target, &head, &len);
    printf("  get_robust_list: %s\n", r >= 0 ? "ok" : errname(errno));
    return 0;
}

int main(void)
{
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    printf("root, same namespace:\n");
    probe(pidfd, child);

    pid_t c = fork();
    if (c == 0) {
        /* uid 0 still, but no permitted capabilities */
        struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct d[2] = {{0}};
        CHECK(syscall(SYS_capset, &h, d));
        printf("uid 0 without capabilities:\n");
        probe(pidfd, child);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);

    c = fork();
    if (c == 0) {
        CHECK(unshare(CLONE_NEWUSER));
        printf("in a new user namespace:\n");
        probe(pidfd, child);
        _exit(0);
    }
    waitpid(c, &st, 0);

    int nb = (int)syscall(SYS_pidfd_open, child, PIDFD_NONBLOCK);
    siginfo_t si;
    CHECK(waitid(P_PIDFD, nb, &si, WEXITED));
    si.si_pid = 1;
    CHECK(waitid(P_PIDFD, nb, &si, WEXITED | WNOHANG));
    SHOW(si.si_pid == 0);
    kill(child, SIGKILL);
    CHECK(waitid(P_PIDFD, pidfd, &si, WEXITED));
    SHOW(si.si_code == CLD_KILLED);
    return 0;
}
