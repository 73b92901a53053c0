/* clock_gettime/clock_getres/gettimeofday/time: monotonicity and sanity. */
#include "common.h"
#include <sys/time.h>
#include <time.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void)
{
    struct timespec a, b, r;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &a));
    int mono = 1;
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        mono &= ns(b) >= ns(a);
        a = b;
    }
    SHOW(mono);
    SHOW(a.tv_nsec >= 0 && a.tv_nsec < 1000000000);

    CHECK(clock_gettime(CLOCK_REALTIME, &a));
    SHOW(a.tv_sec > 1600000000); /* after 2020 */
    struct timeval tv;
    CHECK(gettimeofday(&tv, NULL));
    SHOW(tv.tv_sec >= a.tv_sec && tv.tv_sec - a.tv_sec < 5);
    SHOW(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    time_t t = time(NULL);
    /* time() reads the coarse clock, which moves at the tick: just after a second begins it may still say the last
       one, natively as in the sandbox (both run the host's vDSO). */
    SHOW(t >= a.tv_sec - 1 && t - a.tv_sec < 5);
    CHECK(syscall(SYS_time, NULL) > 0);
    CHECK(syscall(SYS_gettimeofday, &tv, NULL));
    CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a));

    clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME,
                       CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
                       CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE};
    const char *names[] = {"REALTIME", "MONOTONIC", "MONOTONIC_RAW", "BOOTTIME",
                           "PROCESS_CPUTIME_ID", "THREAD_CPUTIME_ID",
                           "REALTIME_COARSE", "MONOTONIC_COARSE"};
    for (int i = 0; i < 8; i++) {
        int g = clock_gettime(ids[i], &a);
        int s = clock_getres(ids[i], &r);
        printf("%s: gettime %s, res %s, res in (0, 100ms]: %s\n", names[i], g ? errname(errno) : "ok",
               s ? errname(errno) : "ok", r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 100000000 ? "yes" : "no");
    }
    /* CPU time grows while we spin */
    CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a));
    volatile unsigned long x = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do { /* spin for at most 2 s of wall time */
        for (int i = 0; i < 100000; i++)
            x += i;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (ns(b) == ns(a) && ns(now) - ns(start) < 2000000000LL);
    SHOW(ns(b) > ns(a));
    /* boottime >= monotonic */
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_BOOTTIME, &b);
    SHOW(ns(b) >= ns(a));

    CHECK(clock_gettime(12345, &a));
    CHECK(clock_getres(12345, &r));
    CHECK(clock_getres(CLOCK_MONOTONIC, NULL));
    CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)1));
    return 0;
}
