/* Syscall round trip: N x syscall(SYS_getpid), timed inside the guest.
 * Usage: getpid [N]   (default 200000). Prints: "getpid: N calls, X ns/call". */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    if (n <= 0) n = 1;
    long pid = syscall(SYS_getpid); /* warm-up */
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (syscall(SYS_getpid) != pid) { fprintf(stderr, "getpid changed\n"); return 1; }
    double t1 = now_ns();
    printf("getpid: %ld calls, %.1f ns/call\n", n, (t1 - t0) / n);
    return 0;
}
