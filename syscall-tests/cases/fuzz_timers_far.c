/* Timers armed centuries away (found by fuzz/sysfuzz): alarm(UINT_MAX), setitimer, timer_settime and
 * timerfd_settime with huge times must arm (and report what is left) instead of failing internally. */
#include "common.h"
#include <signal.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>

int main(void)
{
    CHECK(alarm(0xffffffffu));
    unsigned left = alarm(0);
    SHOW(left > 0xffffff00u);
    CHECK(alarm(0x7fffffff));
    SHOW(alarm(0) > 0x7fffff00u);

    struct itimerval far = { { 0, 0 }, { 0x7fffffffffffL, 0 } }, old;
    CHECK(setitimer(ITIMER_REAL, &far, NULL));
    CHECK(setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, &old));
    SHOW(old.it_value.tv_sec > 1000000000L);

    timer_t t;
    struct sigevent sev = { .sigev_notify = SIGEV_NONE };
    CHECK(timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec huge = { { 0x7fffffffffffL, 0 }, { 0x7fffffffffffL, 0 } }, cur;
    CHECK(timer_settime(t, 0, &huge, NULL));
    CHECK(timer_gettime(t, &cur));
    SHOW(cur.it_value.tv_sec > 1000000000L);
    CHECK(timer_delete(t));

    int fd = CHECK_OK(timerfd_create(CLOCK_MONOTONIC, 0));
    CHECK(timerfd_settime(fd, 0, &huge, NULL));
    CHECK(timerfd_gettime(fd, &cur));
    SHOW(cur.it_value.tv_sec > 1000000000L);
    return 0;
}
