/* Syscall round trip: N x syscall(SYS_getpid), timed inside the guest.
 * Usage: getpid [N] [libc]   (default 200000). Prints: "getpid: N calls, X ns/call".
 * With "libc": N x getppid() through glibc's own wrapper instead (`mov $SYS_getppid, %eax; syscall`, a site the
 * systrap platform patches; glibc's generic syscall() is not such a site). */
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
    int libc = argc > 2 && argv[2][0] == 'l';
    long pid = libc ? getppid() : syscall(SYS_getpid); /* warm-up */
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        if ((libc ? getppid() : syscall(SYS_getpid)) != pid) { fprintf(stderr, "pid changed\n"); return 1; }
    double t1 = now_ns();
    printf("%s: %ld calls, %.1f ns/call\n", libc ? "getppid (libc)" : "getpid", n, (t1 - t0) / n);
    return 0;
}
