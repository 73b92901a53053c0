/* clock_gettime(CLOCK_MONOTONIC) through libc (the vDSO where there is one), timed inside the guest.
 * Usage: clock [MS]   (default 200): calls it in a loop for at least MS ms (each call also
 * checks the deadline, so the loop is nothing but clock_gettime). Prints:
 * "clock_gettime: N calls, X ns/call". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
    long ms = argc > 1 ? atol(argv[1]) : 200;
    if (ms <= 0) ms = 1;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* warm-up */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double t0 = ts.tv_sec * 1e9 + ts.tv_nsec, end = t0 + ms * 1e6, t = t0;
    long n = 0;
    while (t < end) {
        for (int i = 0; i < 64; i++) {
            clock_gettime(CLOCK_MONOTONIC, &ts);
            n++;
        }
        t = ts.tv_sec * 1e9 + ts.tv_nsec;
    }
    printf("clock_gettime: %ld calls, %.1f ns/call\n", n, (t - t0) / n);
    return 0;
}
