/* PTRACE_SYSCALL with PTRACE_O_TRACESYSGOOD: a child that calls getppid three times and exits stops at each
 * syscall's entry (rax -ENOSYS) and exit (rax the result); GET_SYSCALL_INFO and GETEVENTMSG tell entry from exit.
 * Then a tracer changes calls: orig_rax -> getpid at entry, orig_rax -1 with rax set (skipped), rax at exit. */
#include "common.h"
#include <signal.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

static pid_t traced_child(void)
{
    pid_t c = fork();
    if (c == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        long a = syscall(SYS_getppid), b = syscall(SYS_getppid), d = syscall(SYS_getppid);
        long pp = getppid();
        printf("child: first %s, second %ld, third %ld\n", a == getpid() ? "own pid" : a == pp ? "parent pid" : "other",
               b == pp ? 0 : b, d == pp ? 0 : d);
        _exit(5);
    }
    int st;
    waitpid(c, &st, 0);
    printf("first stop: %d\n", WIFSTOPPED(st) ? WSTOPSIG(st) : -1);
    ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
    return c;
}

int main(void)
{
    char log[4096] = "";
    pid_t c = traced_child();
    int st, entering = 1;
    CHECK(ptrace(PTRACE_SYSCALL, c, 0, 0));
    while (waitpid(c, &st, 0) == c && WIFSTOPPED(st)) {
        struct user_regs_struct r;
        ptrace(PTRACE_GETREGS, c, 0, &r);
        struct __ptrace_syscall_info si;
        memset(&si, 0, sizeof si);
        long n = ptrace(PTRACE_GET_SYSCALL_INFO, c, sizeof si, &si);
        unsigned long msg = 0;
        ptrace(PTRACE_GETEVENTMSG, c, 0, &msg);
        long peek = ptrace(PTRACE_PEEKUSER, c, offsetof(struct user, regs.orig_rax), 0);
        char line[200];
        if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
            snprintf(line, sizeof line, "other stop %d\n", WSTOPSIG(st));
        } else if (entering) {
            snprintf(line, sizeof line, "enter %lld rax %lld info op %d size %ld nr %lld arch %x msg %lu peek %s\n",
                     (long long)r.orig_rax, (long long)r.rax, si.op, n, (long long)si.entry.nr, si.arch, msg,
                     peek == (long)r.orig_rax ? "same" : "differs");
        } else {
            snprintf(line, sizeof line, "exit %lld rax %s info op %d size %ld rval %s error %d msg %lu\n",
                     (long long)r.orig_rax, (pid_t)r.rax == getpid() ? "my pid" : "other", si.op, n,
                     si.exit.rval == (long long)r.rax ? "same" : "differs", si.exit.is_error, msg);
        }
        strcat(log, line);
        if (WSTOPSIG(st) == (SIGTRAP | 0x80)) entering = !entering;
        ptrace(PTRACE_SYSCALL, c, 0, 0);
    }
    fputs(log, stdout);
    printf("end: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));

    /* Changing the calls. */
    c = traced_child();
    int calls = 0;
    entering = 1;
    ptrace(PTRACE_SYSCALL, c, 0, 0);
    while (waitpid(c, &st, 0) == c && WIFSTOPPED(st)) {
        struct user_regs_struct r;
        ptrace(PTRACE_GETREGS, c, 0, &r);
        if (r.orig_rax == SYS_getppid || (entering == 0 && calls <= 3)) {
            if (entering) {
                calls++;
                if (calls == 1) r.orig_rax = SYS_getpid;
                if (calls == 2) { r.orig_rax = -1; r.rax = 42; }
            } else if (calls == 3) {
                r.rax = 777;
            }
            ptrace(PTRACE_SETREGS, c, 0, &r);
        }
        entering = !entering;
        if (r.orig_rax == SYS_write || calls > 3) {
            ptrace(PTRACE_CONT, c, 0, 0);
            continue;
        }
        ptrace(PTRACE_SYSCALL, c, 0, 0);
    }
    printf("end: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    return 0;
}
