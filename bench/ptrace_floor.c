/* The floor for a ptrace platform: a minimal C tracer serving getpid under PTRACE_SYSEMU,
 * with the same per-syscall work as the Sentry's Switch (GETREGS, SETREGS, SYSEMU, waitpid).
 * Prints ns per intercepted syscall. Usage: ptrace_floor [N] */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 20000;
    pid_t child = fork();
    if (child == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        for (long i = 0; i < n; i++) syscall(SYS_getpid);
        syscall(SYS_exit_group, 0);
    }
    int st;
    waitpid(child, &st, 0);
    ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
    struct user_regs_struct r;
    struct timespec a, b;
    long served = 0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (;;) {
        ptrace(PTRACE_SYSEMU, child, 0, 0);
        if (waitpid(child, &st, __WALL) < 0 || !WIFSTOPPED(st)) break;
        ptrace(PTRACE_GETREGS, child, 0, &r);
        if (r.orig_rax == SYS_exit_group) { kill(child, SIGKILL); waitpid(child, &st, 0); break; }
        r.rax = child;
        ptrace(PTRACE_SETREGS, child, 0, &r);
        served++;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
    printf("ptrace floor: %ld syscalls, %.0f ns/call\n", served, ns / served);
    return 0;
}
