/* A traced vfork child that exits lets its parent go on (PTRACE_EVENT_VFORK_DONE) even while its tracer, which is
 * not its parent, has only peeked at its exit (waitid WNOWAIT): the parent is released when the child's memory is,
 * before the exit is reported. */
#include "common.h"
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

int main(void)
{
    alarm(20); /* a parent held in vfork would hang the case */
    pid_t child = fork();
    if (child == 0) {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_SETMASK, &mask, NULL);
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        pid_t g = vfork();
        if (g == 0) _exit(99);
        int st;
        if (wait4(g, &st, 0, NULL) != g || !WIFEXITED(st) || WEXITSTATUS(st) != 99) _exit(1);
        _exit(0);
    }
    int st;
    waitpid(child, &st, 0);
    printf("child stopped: %d\n", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_TRACEVFORK | PTRACE_O_TRACEVFORKDONE));
    CHECK(ptrace(PTRACE_CONT, child, 0, 0));
    waitpid(child, &st, 0);
    printf("vfork event: %d\n", st >> 8 == (SIGTRAP | PTRACE_EVENT_VFORK << 8));
    unsigned long msg;
    ptrace(PTRACE_GETEVENTMSG, child, 0, &msg);
    pid_t g = (pid_t)msg;
    printf("grandchild stopped: %d\n", waitpid(g, &st, 0) == g && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(ptrace(PTRACE_CONT, child, 0, 0)); /* on into vfork's wait for the grandchild */
    usleep(100000);
    printf("child still in vfork: %d\n", waitpid(child, &st, WNOHANG) == 0);
    CHECK(ptrace(PTRACE_CONT, g, 0, 0));
    siginfo_t si = {0};
    CHECK(waitid(P_PID, g, &si, WEXITED | WNOWAIT));
    printf("peeked: code %d status %d\n", si.si_code, si.si_status);
    waitpid(child, &st, 0);
    printf("vfork done event: %d\n", st >> 8 == (SIGTRAP | PTRACE_EVENT_VFORK_DONE << 8));
    CHECK(ptrace(PTRACE_CONT, child, 0, 0));
    printf("grandchild reaped by tracer: %d\n", waitpid(g, &st, 0) == g && WIFEXITED(st));
    printf("child: %d\n", waitpid(child, &st, 0) == child && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
