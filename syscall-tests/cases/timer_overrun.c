/* A POSIX timer's signal is queued once: expiries while it is pending become si_overrun (even for a real-time
 * signal, which would otherwise queue again), and expiries while the same standard signal is pending from
 * elsewhere are counted in the timer's next signal. */
#include "common.h"
#include <signal.h>
#include <time.h>

static timer_t make(int signo, long period_ms)
{
    struct sigevent sev = { 0 };
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = signo;
    sev._sigev_un._tid = gettid();
    timer_t t;
    CHECK(timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec its = { { 0, period_ms * 1000000 }, { 0, period_ms * 1000000 } };
    CHECK(timer_settime(t, 0, &its, NULL));
    return t;
}

static void stop(timer_t t)
{
    struct itimerspec its = { { 0, 0 }, { 0, 0 } };
    timer_settime(t, 0, &its, NULL);
    timer_delete(t);
}

int main(void)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGRTMIN);
    sigaddset(&mask, SIGUSR1);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    struct timespec zero = { 0, 0 };
    siginfo_t si;

    timer_t t = make(SIGRTMIN, 20);
    usleep(150000);
    int sig = sigtimedwait(&mask, &si, &zero);
    stop(t);
    printf("rt timer: got it %d, SI_TIMER %d, overrun >= 4 %d\n", sig == SIGRTMIN, si.si_code == SI_TIMER, si.si_overrun >= 4);
    CHECK(sigtimedwait(&mask, &si, &zero));

    CHECK(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1));
    t = make(SIGUSR1, 20);
    usleep(110000);
    sig = sigtimedwait(&mask, &si, &zero);
    printf("first SIGUSR1 is the tgkill's: %d\n", sig == SIGUSR1 && si.si_code != SI_TIMER);
    usleep(50000);
    sig = sigtimedwait(&mask, &si, &zero);
    stop(t);
    printf("then the timer's: %d, overrun counts the missed expiries (>= 4) %d\n", sig == SIGUSR1 && si.si_code == SI_TIMER,
           si.si_overrun >= 4);
    return 0;
}
