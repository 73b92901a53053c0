/* Single-stepping into a signal handler: a tracee at its signal-delivery-stop resumed with PTRACE_SINGLESTEP and
 * the signal stops again at the handler's first instruction (a SIGTRAP stop, si_code SIGTRAP), and stepping goes
 * on inside the handler (TRAP_TRACE); PTRACE_CONT then lets the handler return and the program finish. A step
 * resumed with no signal suppresses it. */
#include "common.h"
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

void handler(int);
__asm__(".text\n.globl handler\n.type handler,@function\nhandler:\n"
        "nop\n"          /* +0 */
        "mov $5, %eax\n" /* +1 */
        "ret\n");        /* +6 */

static void stop(pid_t c, const char *what)
{
    int st;
    siginfo_t si;
    struct user_regs_struct r;
    if (waitpid(c, &st, 0) != c || !WIFSTOPPED(st)) {
        printf("%s: no stop (status 0x%x)\n", what, st);
        exit(1);
    }
    memset(&si, 0, sizeof si);
    ptrace(PTRACE_GETSIGINFO, c, 0, &si);
    ptrace(PTRACE_GETREGS, c, 0, &r);
    long off = (long)(r.rip - (unsigned long)handler);
    printf("%s: stop %d si_signo %d si_code %d, rip %s%ld, TF %d\n", what, WSTOPSIG(st), si.si_signo, si.si_code,
           off >= 0 && off < 16 ? "handler+" : "outside ", off >= 0 && off < 16 ? off : 0L, (int)(r.eflags >> 8 & 1));
}

int main(void)
{
    pid_t c = fork();
    if (c == 0) {
        signal(SIGUSR1, handler);
        signal(SIGUSR2, handler);
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGUSR1);
        raise(SIGUSR2);
        printf("child: done\n");
        _exit(0);
    }
    stop(c, "delivery");
    CHECK(ptrace(PTRACE_SINGLESTEP, c, 0, SIGUSR1));
    stop(c, "into handler");
    CHECK(ptrace(PTRACE_SINGLESTEP, c, 0, 0));
    stop(c, "step 1");
    CHECK(ptrace(PTRACE_SINGLESTEP, c, 0, 0));
    stop(c, "step 2");
    CHECK(ptrace(PTRACE_CONT, c, 0, 0));
    stop(c, "delivery 2");
    CHECK(ptrace(PTRACE_SINGLESTEP, c, 0, 0)); /* suppressed: the step lands after raise's syscall */
    stop(c, "suppressed");
    printf("continue\n");
    ptrace(PTRACE_CONT, c, 0, 0);
    int st;
    SHOW(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return 0;
}
