/* nanosleep/clock_nanosleep: sleeping at least as long as asked. */
#include "common.h"
#include <time.h>

static long long now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
    long long t0 = now(CLOCK_MONOTONIC);
    struct timespec req = {0, 10 * 1000 * 1000}, rem = {7, 7};
    CHECK(nanosleep(&req, &rem));
    long long t1 = now(CLOCK_MONOTONIC);
    SHOW(t1 - t0 >= 10000000);
    SHOW(t1 - t0 < 5000000000LL);

    t0 = now(CLOCK_MONOTONIC);
    req.tv_nsec = 20 * 1000 * 1000;
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
    SHOW(now(CLOCK_MONOTONIC) - t0 >= 20000000);

    /* absolute deadline */
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 15 * 1000 * 1000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
    SHOW(now(CLOCK_MONOTONIC) >= abs.tv_sec * 1000000000LL + abs.tv_nsec);
    /* a deadline in the past returns at once */
    abs.tv_sec -= 100;
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));

    t0 = now(CLOCK_REALTIME);
    req.tv_nsec = 10 * 1000 * 1000;
    CHECK(clock_nanosleep(CLOCK_REALTIME, 0, &req, NULL));
    SHOW(now(CLOCK_REALTIME) - t0 >= 9000000); /* realtime may be adjusted */

    req.tv_sec = 0;
    req.tv_nsec = 0;
    CHECK(nanosleep(&req, NULL));
    req.tv_nsec = 1000000000;
    CHECK(nanosleep(&req, NULL));
    req.tv_nsec = -1;
    CHECK(nanosleep(&req, NULL));
    req.tv_sec = -1;
    req.tv_nsec = 0;
    CHECK(nanosleep(&req, NULL));
    CHECK(nanosleep((struct timespec *)1, NULL));
    req.tv_sec = 0;
    req.tv_nsec = 1000;
    /* clock_nanosleep returns the error number instead of setting errno */
    printf("clock_nanosleep(bad clock) = %s\n", errname(clock_nanosleep(12345, 0, &req, NULL)));
    printf("clock_nanosleep(THREAD_CPUTIME) = %s\n",
           errname(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL)));
    return 0;
}
