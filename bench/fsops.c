/* File-system micro-benchmarks, timed inside the guest.
 *
 *   fsops stat PATH [N]         N x stat(PATH)                  -> "stat: N calls, X ns/call"
 *   fsops open PATH [N]         N x open(PATH, O_RDONLY)+close  -> "open: N calls, X ns/call"
 *   fsops read PATH [MIN_MS]    read() PATH in 64 KiB chunks, lseek back to 0 and repeat
 *                               until at least MIN_MS ms (default 200) have passed
 *                                                             -> "read: B bytes in P passes, X MB/s"
 *
 * MB = 10^6 bytes. Exit status 1 on any failed call. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int fail(const char *what, const char *path) {
    fprintf(stderr, "fsops: %s %s: %s\n", what, path, strerror(errno));
    return 1;
}

static int bench_stat(const char *path, long n) {
    struct stat st;
    if (stat(path, &st) != 0) return fail("stat", path); /* warm-up */
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (stat(path, &st) != 0) return fail("stat", path);
    double t1 = now_ns();
    printf("stat: %ld calls, %.1f ns/call\n", n, (t1 - t0) / n);
    return 0;
}

static int bench_open(const char *path, long n) {
    int fd = open(path, O_RDONLY); /* warm-up */
    if (fd < 0) return fail("open", path);
    close(fd);
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        fd = open(path, O_RDONLY);
        if (fd < 0) return fail("open", path);
        if (close(fd) != 0) return fail("close", path);
    }
    double t1 = now_ns();
    printf("open: %ld calls, %.1f ns/call\n", n, (t1 - t0) / n);
    return 0;
}

static int bench_read(const char *path, long min_ms) {
    static char buf[CHUNK];
    int fd = open(path, O_RDONLY);
    if (fd < 0) return fail("open", path);
    /* one untimed pass: page cache / host file opened */
    ssize_t r;
    long long size = 0;
    while ((r = read(fd, buf, CHUNK)) > 0) size += r;
    if (r < 0) return fail("read", path);
    if (size == 0) { fprintf(stderr, "fsops: %s is empty\n", path); return 1; }
    long long total = 0;
    long passes = 0;
    double t0 = now_ns(), t1;
    do {
        if (lseek(fd, 0, SEEK_SET) != 0) return fail("lseek", path);
        long long got = 0;
        while ((r = read(fd, buf, CHUNK)) > 0) got += r;
        if (r < 0) return fail("read", path);
        if (got != size) { fprintf(stderr, "fsops: pass read %lld bytes, expected %lld\n", got, size); return 1; }
        total += got;
        passes++;
        t1 = now_ns();
    } while (t1 - t0 < min_ms * 1e6);
    close(fd);
    printf("read: %lld bytes in %ld passes, %.1f MB/s\n", total, passes, total / ((t1 - t0) / 1e9) / 1e6);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: fsops stat|open PATH [N] | fsops read PATH [MIN_MS]\n");
        return 2;
    }
    const char *mode = argv[1], *path = argv[2];
    long arg = argc > 3 ? atol(argv[3]) : 0;
    if (!strcmp(mode, "stat")) return bench_stat(path, arg > 0 ? arg : 100000);
    if (!strcmp(mode, "open")) return bench_open(path, arg > 0 ? arg : 100000);
    if (!strcmp(mode, "read")) return bench_read(path, arg > 0 ? arg : 200);
    fprintf(stderr, "fsops: unknown mode %s\n", mode);
    return 2;
}
