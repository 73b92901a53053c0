/* The vDSO's clocks against the trapped syscalls: for each clock, vDSO time, syscall time, vDSO time again;
 * prints whether the three are in order and close, then the realtime clock in ns for the test to compare with
 * the host's, and whether the auxv names a vDSO. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

int main(void)
{
    printf("vdso: %s\n", getauxval(AT_SYSINFO_EHDR) ? "yes" : "no");
    clockid_t clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE };
    for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        struct timespec a, b, c;
        clock_gettime(clocks[i], &a);
        syscall(SYS_clock_gettime, clocks[i], &b);
        clock_gettime(clocks[i], &c);
        int coarse = clocks[i] == CLOCK_REALTIME_COARSE || clocks[i] == CLOCK_MONOTONIC_COARSE;
        int64_t slack = coarse ? 20000000 : 0; /* a coarse clock may lag the fine one by a tick */
        int ordered = ns(a) <= ns(b) + slack && ns(b) <= ns(c) + slack;
        int close = ns(c) - ns(a) < 50000000;
        printf("clock %d: %s\n", clocks[i], ordered && close ? "consistent" : "INCONSISTENT");
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    /* time() reads the coarse clock, which may still be in the second before gettimeofday's */
    printf("gettimeofday/time agree: %s\n", t - tv.tv_sec <= 1 && t - tv.tv_sec >= -1 ? "yes" : "no");
    unsigned cpu = 99;
    printf("getcpu: %s\n", getcpu(&cpu, NULL) == 0 && cpu < 4096 ? "ok" : "failed");
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    printf("realtime %lld\n", (long long)ns(now));
    return 0;
}
