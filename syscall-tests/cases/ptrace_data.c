/* A tracer reads and writes a stopped tracee: PEEKDATA/POKEDATA (the child then prints what was written),
 * PEEKUSER/POKEUSER (registers, the debug registers read 0), FP registers through GETFPREGS and NT_PRFPREG,
 * GETSIGINFO/SETSIGINFO; signal-delivery-stops: a signal suppressed (resumed with 0), another injected instead. */
#include "common.h"
#include <elf.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

static char msg[16] = "original";
static volatile double fpval = 1.5;

/* The child prints once resumed: say what is done before doing it, so the lines keep one order. */
static void resume(pid_t c, int sig)
{
    printf("resume with %d\n", sig);
    if (ptrace(PTRACE_CONT, c, 0, sig) != 0)
        printf("resume failed: %s\n", errname(errno));
}

static void on_sig(int s)
{
    printf("child: handler for %d\n", s);
}

int main(void)
{
    pid_t c = fork();
    if (c == 0) {
        signal(SIGUSR1, on_sig);
        signal(SIGUSR2, on_sig);
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        printf("child: msg %s\n", msg);
        raise(SIGUSR1); /* suppressed by the tracer */
        printf("child: after USR1\n");
        raise(SIGUSR2); /* replaced by SIGUSR1 */
        printf("child: after USR2\n");
        raise(SIGTERM); /* fatal, delivered as is */
        _exit(1);
    }
    int st;
    SHOW(waitpid(c, &st, 0) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);

    errno = 0;
    long w = ptrace(PTRACE_PEEKDATA, c, msg, 0);
    SHOW(errno == 0 && memcmp(&w, "original", 8) == 0);
    long nw;
    memcpy(&nw, "patched!", 8);
    CHECK(ptrace(PTRACE_POKEDATA, c, msg, nw));
    CHECK(ptrace(PTRACE_PEEKDATA, c, (void *)8, 0)); /* unmapped */
    CHECK(ptrace(PTRACE_POKEDATA, c, (void *)8, 0));

    struct user_regs_struct r;
    CHECK(ptrace(PTRACE_GETREGS, c, 0, &r));
    errno = 0;
    SHOW(ptrace(PTRACE_PEEKUSER, c, offsetof(struct user, regs.rip), 0) == (long)r.rip && errno == 0);
    SHOW(ptrace(PTRACE_PEEKUSER, c, offsetof(struct user, u_debugreg), 0) == 0 && errno == 0);
    SHOW(ptrace(PTRACE_PEEKUSER, c, offsetof(struct user, u_debugreg) + 7 * 8, 0) == 0 && errno == 0);
    CHECK(ptrace(PTRACE_PEEKUSER, c, 3, 0));          /* unaligned */
    CHECK(ptrace(PTRACE_PEEKUSER, c, sizeof(struct user), 0)); /* the kernel's struct user is 16 bytes longer */
    CHECK(ptrace(PTRACE_PEEKUSER, c, sizeof(struct user) + 16, 0)); /* past its end */
    CHECK(ptrace(PTRACE_POKEUSER, c, offsetof(struct user, regs.r12), 0x1234));
    struct user_regs_struct r2;
    CHECK(ptrace(PTRACE_GETREGS, c, 0, &r2));
    SHOW(r2.r12 == 0x1234 && r2.rip == r.rip);
    r2.r12 = r.r12;
    CHECK(ptrace(PTRACE_SETREGS, c, 0, &r2));

    struct user_fpregs_struct fp, fp2;
    CHECK(ptrace(PTRACE_GETFPREGS, c, 0, &fp));
    SHOW(fp.mxcsr == 0x1f80 || (fp.mxcsr & 0xffc0) == 0x1f80);
    struct iovec iov = {&fp2, sizeof fp2};
    CHECK(ptrace(PTRACE_GETREGSET, c, NT_PRFPREG, &iov));
    SHOW(iov.iov_len == sizeof fp2 && memcmp(&fp, &fp2, sizeof fp) == 0);
    CHECK(ptrace(PTRACE_SETFPREGS, c, 0, &fp));
    iov.iov_len = 12;
    CHECK(ptrace(PTRACE_GETREGSET, c, NT_PRSTATUS, &iov)); /* not a whole number of registers */

    siginfo_t si;
    CHECK(ptrace(PTRACE_GETSIGINFO, c, 0, &si));
    printf("siginfo signo %d code %d from child %d\n", si.si_signo, si.si_code, si.si_pid == c);
    resume(c, 0);

    SHOW(waitpid(c, &st, 0) == c && WIFSTOPPED(st));
    printf("stop %d\n", WSTOPSIG(st));
    resume(c, 0); /* suppress SIGUSR1 */
    SHOW(waitpid(c, &st, 0) == c && WIFSTOPPED(st));
    printf("stop %d\n", WSTOPSIG(st));
    CHECK(ptrace(PTRACE_GETSIGINFO, c, 0, &si));
    si.si_signo = SIGUSR1;
    si.si_code = SI_QUEUE;
    si.si_value.sival_int = 7;
    CHECK(ptrace(PTRACE_SETSIGINFO, c, 0, &si));
    resume(c, SIGUSR1); /* deliver SIGUSR1 instead */
    SHOW(waitpid(c, &st, 0) == c && WIFSTOPPED(st));
    printf("stop %d\n", WSTOPSIG(st));
    CHECK(ptrace(PTRACE_CONT, c, 0, 99999)); /* not a signal */
    resume(c, SIGTERM);
    SHOW(waitpid(c, &st, 0) == c);
    printf("signaled %d sig %d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return 0;
}
