/* A blocked signal stays pending; ignoring it discards it.  Nothing is
 * delivered to a handler. */
#include "common.h"
#include <signal.h>

int main(void)
{
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL));
    CHECK(kill(getpid(), SIGUSR1));
    CHECK(raise(SIGUSR1));
    CHECK(sigpending(&pend));
    printf("pending: USR1=%d USR2=%d\n", sigismember(&pend, SIGUSR1), sigismember(&pend, SIGUSR2));
    CHECK(syscall(SYS_tgkill, getpid(), gettid(), SIGRTMIN));
    CHECK(sigpending(&pend));
    printf("pending: RTMIN=%d\n", sigismember(&pend, SIGRTMIN));

    /* sigtimedwait consumes a pending signal synchronously: thread-directed
     * (raise/tgkill) pending signals first, then process-wide (kill) */
    struct timespec zero = {0, 0};
    siginfo_t si;
    int s = sigtimedwait(&set, &si, &zero);
    printf("sigtimedwait: %s, si_signo matches: %d, si_code=SI_USER: %d\n",
           s == SIGUSR1 ? "SIGUSR1" : s == SIGRTMIN ? "SIGRTMIN" : errname(errno),
           si.si_signo == s, si.si_code == SI_USER);
    /* raw syscall: glibc's wrapper rewrites SI_TKILL to SI_USER */
    s = syscall(SYS_rt_sigtimedwait, &set, &si, &zero, 8);
    printf("rt_sigtimedwait: %s, si_code: %d (SI_TKILL=%d), si_pid matches: %d\n",
           s == SIGUSR1 ? "SIGUSR1" : s == SIGRTMIN ? "SIGRTMIN" : errname(errno),
           si.si_code, SI_TKILL, si.si_pid == getpid());
    CHECK(sigtimedwait(&set, &si, &zero));

    /* setting SIG_IGN discards a pending signal */
    CHECK(kill(getpid(), SIGUSR1));
    CHECK(sigpending(&pend));
    printf("pending: USR1=%d\n", sigismember(&pend, SIGUSR1));
    signal(SIGUSR1, SIG_IGN);
    CHECK(sigpending(&pend));
    printf("after SIG_IGN: USR1=%d\n", sigismember(&pend, SIGUSR1));
    /* an ignored signal is not even queued */
    CHECK(kill(getpid(), SIGUSR1));
    CHECK(sigpending(&pend));
    printf("ignored then sent: USR1=%d\n", sigismember(&pend, SIGUSR1));

    CHECK(kill(getpid(), 12345));
    CHECK(kill(-99999, SIGUSR1) == -1 && errno == ESRCH);
    return 0;
}
