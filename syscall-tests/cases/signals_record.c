/* rt_sigaction/rt_sigprocmask bookkeeping; no signal is delivered. */
#include "common.h"
#include <signal.h>

static void handler(int sig) { (void)sig; }
static void handler2(int sig, siginfo_t *si, void *uc) { (void)sig; (void)si; (void)uc; }

int main(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaddset(&sa.sa_mask, SIGRTMIN + 3);
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    memset(&old, 0, sizeof old);
    CHECK(sigaction(SIGUSR1, NULL, &old));
    SHOW(old.sa_handler == handler);
    printf("flags: RESTART=%d NODEFER=%d SIGINFO=%d ONSTACK=%d RESETHAND=%d\n",
           !!(old.sa_flags & SA_RESTART), !!(old.sa_flags & SA_NODEFER),
           !!(old.sa_flags & SA_SIGINFO), !!(old.sa_flags & SA_ONSTACK),
           !!(old.sa_flags & SA_RESETHAND));
    printf("mask: USR2=%d RTMIN+3=%d USR1=%d\n", sigismember(&old.sa_mask, SIGUSR2),
           sigismember(&old.sa_mask, SIGRTMIN + 3), sigismember(&old.sa_mask, SIGUSR1));

    sa.sa_sigaction = handler2;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, &old));
    SHOW(old.sa_handler == handler);
    CHECK(sigaction(SIGUSR1, NULL, &old));
    SHOW(old.sa_sigaction == handler2);
    printf("flags: RESTART=%d NODEFER=%d SIGINFO=%d ONSTACK=%d RESETHAND=%d\n",
           !!(old.sa_flags & SA_RESTART), !!(old.sa_flags & SA_NODEFER),
           !!(old.sa_flags & SA_SIGINFO), !!(old.sa_flags & SA_ONSTACK),
           !!(old.sa_flags & SA_RESETHAND));

    /* defaults and SIG_IGN */
    CHECK(sigaction(SIGTERM, NULL, &old));
    SHOW(old.sa_handler == SIG_DFL);
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = 0;
    CHECK(sigaction(SIGTERM, &sa, NULL));
    CHECK(sigaction(SIGTERM, NULL, &old));
    SHOW(old.sa_handler == SIG_IGN);
    CHECK(sigaction(SIGRTMAX, &sa, NULL));
    CHECK(sigaction(SIGRTMIN, NULL, &old));
    SHOW(old.sa_handler == SIG_DFL);

    /* errors */
    CHECK(sigaction(SIGKILL, &sa, NULL));
    CHECK(sigaction(SIGSTOP, &sa, NULL));
    CHECK(sigaction(SIGKILL, NULL, &old));
    CHECK(sigaction(0, &sa, NULL));
    CHECK(sigaction(65, &sa, NULL));
    CHECK(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4));
    CHECK(syscall(SYS_rt_sigaction, SIGUSR1, (void *)1, NULL, 8));

    /* rt_sigprocmask */
    sigset_t set, cur;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGKILL);
    sigaddset(&set, SIGSTOP);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL));
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur));
    printf("blocked: USR1=%d KILL=%d STOP=%d USR2=%d\n", sigismember(&cur, SIGUSR1),
           sigismember(&cur, SIGKILL), sigismember(&cur, SIGSTOP), sigismember(&cur, SIGUSR2));
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    CHECK(sigprocmask(SIG_SETMASK, &set, &cur));
    printf("old: USR1=%d USR2=%d\n", sigismember(&cur, SIGUSR1), sigismember(&cur, SIGUSR2));
    CHECK(sigprocmask(SIG_UNBLOCK, &set, &cur));
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur));
    printf("now: USR1=%d USR2=%d\n", sigismember(&cur, SIGUSR1), sigismember(&cur, SIGUSR2));
    CHECK(sigprocmask(99, &set, NULL));
    CHECK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4));
    CHECK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)1, NULL, 8));

    sigset_t pend;
    CHECK(sigpending(&pend));
    SHOW(sigisemptyset(&pend));
    /* signal 0 checks existence without delivering anything */
    CHECK(kill(getpid(), 0));
    return 0;
}
