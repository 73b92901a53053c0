/* SECCOMP_RET_TRACE: with a tracer that set PTRACE_O_TRACESECCOMP the call stops at PTRACE_EVENT_SECCOMP
 * (GETEVENTMSG: the filter's data; GET_SYSCALL_INFO: op seccomp) and the tracer may change it or skip it
 * (orig_rax -1, rax the result); without a tracer the call fails with ENOSYS. */
#include "common.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

static void install(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 0x123),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog p = {sizeof f / sizeof f[0], f};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p) != 0)
        _exit(98);
}

int main(void)
{
    pid_t c = fork();
    if (c == 0) {
        install();
        errno = 0;
        long r = syscall(SYS_getppid);
        printf("untraced: %ld %s\n", r, errname(errno));
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);

    c = fork();
    if (c == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        install();
        raise(SIGSTOP);
        long a = syscall(SYS_getppid), b = syscall(SYS_getppid), d = syscall(SYS_getppid);
        printf("traced: first %s, second %ld, third %s\n", a == getpid() ? "own pid" : "other", b,
               d == getppid() ? "parent pid" : "other");
        _exit(0);
    }
    waitpid(c, &st, 0);
    CHECK(ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESECCOMP));
    CHECK(ptrace(PTRACE_CONT, c, 0, 0));
    char log[1024] = "", line[160];
    int n = 0;
    while (waitpid(c, &st, 0) == c && WIFSTOPPED(st)) {
        if (st >> 16 == PTRACE_EVENT_SECCOMP) {
            unsigned long msg = 0;
            ptrace(PTRACE_GETEVENTMSG, c, 0, &msg);
            struct __ptrace_syscall_info si;
            memset(&si, 0, sizeof si);
            long sz = ptrace(PTRACE_GET_SYSCALL_INFO, c, sizeof si, &si);
            struct user_regs_struct r;
            ptrace(PTRACE_GETREGS, c, 0, &r);
            snprintf(line, sizeof line, "seccomp stop: msg %#lx op %d size %ld nr %lld ret_data %#x orig_rax %lld rax %lld\n",
                     msg, si.op, sz, (long long)si.seccomp.nr, si.seccomp.ret_data, (long long)r.orig_rax, (long long)r.rax);
            strcat(log, line);
            n++;
            if (n == 1)
                r.orig_rax = SYS_getpid;
            if (n == 2) {
                r.orig_rax = -1;
                r.rax = 55;
            }
            ptrace(PTRACE_SETREGS, c, 0, &r);
        } else {
            snprintf(line, sizeof line, "other stop %d\n", WSTOPSIG(st));
            strcat(log, line);
        }
        ptrace(PTRACE_CONT, c, 0, 0);
    }
    fputs(log, stdout);
    printf("end: exited %d\n", WIFEXITED(st));
    return 0;
}
