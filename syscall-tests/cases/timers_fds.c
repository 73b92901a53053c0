/* timerfd (relative, periodic, absolute), signalfd, and POSIX timers (SIGEV_SIGNAL, SIGEV_THREAD_ID, SIGEV_NONE). */
#include "common.h"
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

static volatile int fired, fired_value;
static void h(int s, siginfo_t *si, void *uc) { fired++; fired_value = si->si_value.sival_int; }

int main(void)
{
    int tf = CHECK_OK(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
    struct itimerspec its = {.it_value = {0, 50 * 1000000}, .it_interval = {0, 20 * 1000000}};
    CHECK(timerfd_settime(tf, 0, &its, NULL));
    uint64_t n = 0;
    CHECK(read(tf, &n, sizeof n));
    printf("expirations >= 1: %d\n", n >= 1);
    usleep(100000);
    CHECK(read(tf, &n, sizeof n));
    printf("periodic expirations >= 3: %d\n", n >= 3);
    struct itimerspec cur;
    CHECK(timerfd_gettime(tf, &cur));
    printf("interval kept: %d\n", cur.it_interval.tv_nsec == 20 * 1000000);
    struct itimerspec off = {0};
    CHECK(timerfd_settime(tf, 0, &off, NULL));
    int nb = CHECK_OK(timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK));
    CHECK(read(nb, &n, sizeof n));                     /* EAGAIN: not armed */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct itimerspec abs = {.it_value = {now.tv_sec, now.tv_nsec}};
    CHECK(timerfd_settime(nb, TFD_TIMER_ABSTIME, &abs, NULL));
    usleep(20000);
    CHECK(read(nb, &n, sizeof n));                     /* already expired: 8 bytes */
    CHECK(timerfd_create(CLOCK_MONOTONIC, 0x1234));    /* EINVAL */

    /* signalfd: a blocked signal read through the fd */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sf = CHECK_OK(signalfd(-1, &set, SFD_NONBLOCK));
    struct signalfd_siginfo ssi;
    CHECK(read(sf, &ssi, sizeof ssi));                 /* EAGAIN */
    kill(getpid(), SIGUSR1);
    CHECK(read(sf, &ssi, sizeof ssi));
    printf("signo %u, pid matches %d\n", ssi.ssi_signo, ssi.ssi_pid == (uint32_t)getpid());

    /* POSIX timer delivering SIGUSR2 with a value */
    struct sigaction sa = {0};
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    timer_t t;
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR2;
    sev.sigev_value.sival_int = 77;
    CHECK(timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec one = {.it_value = {0, 30 * 1000000}};
    CHECK(timer_settime(t, 0, &one, NULL));
    while (!fired) pause();
    printf("fired %d value %d\n", fired, fired_value);
    CHECK(timer_gettime(t, &cur));
    printf("disarmed: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    CHECK(timer_delete(t));
    CHECK(timer_delete(t));                            /* EINVAL */
    sev.sigev_notify = SIGEV_NONE;
    CHECK(timer_create(CLOCK_MONOTONIC, &sev, &t));
    CHECK(timer_settime(t, 0, &one, NULL));
    CHECK(timer_gettime(t, &cur));
    printf("armed: %d\n", cur.it_value.tv_nsec > 0);
    return 0;
}
