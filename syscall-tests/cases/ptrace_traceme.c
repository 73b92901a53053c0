/* ptrace(PTRACE_TRACEME): the parent becomes the tracer; its wait sees the child's stop without WUNTRACED, it
 * reads the stopped child's registers (GETREGS and GETREGSET agree; the stop is in the tgkill raise made), and
 * PTRACE_CONT lets it go on. Requests for a process that is not a stopped tracee of ours are ESRCH. */
#include "common.h"
#include <elf.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

int main(void)
{
    pid_t c = fork();
    if (c == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) _exit(10);
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != -1 || errno != EPERM) _exit(11); /* already traced */
        raise(SIGSTOP);
        _exit(7);
    }
    int st = 0;
    SHOW(waitpid(c, &st, 0) == c);
    SHOW(WIFSTOPPED(st));
    printf("stop signal %d\n", WSTOPSIG(st));

    struct user_regs_struct a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0x55, sizeof b);
    struct iovec iov = {&b, sizeof b};
    CHECK(ptrace(PTRACE_GETREGS, c, 0, &a));
    CHECK(ptrace(PTRACE_GETREGSET, c, NT_PRSTATUS, &iov));
    SHOW(iov.iov_len == sizeof b);
    SHOW(a.rip == b.rip && a.rsp == b.rsp && a.orig_rax == b.orig_rax);
    SHOW(a.orig_rax == SYS_tgkill);
    SHOW(a.rax == 0); /* tgkill's result */
    iov.iov_len = 8; /* a short buffer gets the first registers and says how much */
    long r15 = 0;
    iov.iov_base = &r15;
    CHECK(ptrace(PTRACE_GETREGSET, c, NT_PRSTATUS, &iov));
    SHOW(iov.iov_len == 8 && r15 == (long)a.r15);
    CHECK(ptrace(PTRACE_GETREGSET, c, 99, &iov)); /* an unknown regset */

    CHECK(ptrace(PTRACE_CONT, c, 0, 0));
    SHOW(waitpid(c, &st, 0) == c);
    printf("exit status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    /* not traced: every request is ESRCH */
    pid_t d = fork();
    if (d == 0) {
        raise(SIGSTOP);
        _exit(3);
    }
    SHOW(waitpid(d, &st, WUNTRACED) == d && WIFSTOPPED(st));
    CHECK(ptrace(PTRACE_GETREGS, d, 0, &a));
    CHECK(ptrace(PTRACE_CONT, d, 0, 0));
    kill(d, SIGCONT);
    SHOW(waitpid(d, &st, 0) == d && WIFEXITED(st) && WEXITSTATUS(st) == 3);
    CHECK(ptrace(PTRACE_CONT, 999999, 0, 0));
    return 0;
}
