/* splice throughput, timed inside the guest: MIB MiB (default 64) move from a source through a pipe to a
 * sink with splice(2) only (source -> pipe, pipe -> sink, 64 KiB at a time); no byte passes through user
 * memory. Source /dev/zero (or FILE, read from its start), sink /dev/null (or OUT, truncated first).
 * Usage: splice64 [MIB] [SOURCE] [SINK]   Prints: "splice64: B bytes, X MB/s" (MB = 10^6 bytes). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
    long mib = argc > 1 ? atol(argv[1]) : 64;
    const char *src_path = argc > 2 ? argv[2] : "/dev/zero";
    const char *dst_path = argc > 3 ? argv[3] : "/dev/null";
    if (mib <= 0) mib = 1;
    long long total = (long long)mib << 20;
    int src = open(src_path, O_RDONLY);
    int dst = open(dst_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int p[2];
    if (src < 0 || dst < 0 || pipe(p) < 0) { perror("splice64: open"); return 1; }
    double t0 = now();
    long long done = 0;
    while (done < total) {
        long want = total - done < CHUNK ? total - done : CHUNK;
        ssize_t in = splice(src, NULL, p[1], NULL, want, SPLICE_F_MOVE);
        if (in < 0) { perror("splice64: splice in"); return 1; }
        if (in == 0) { lseek(src, 0, SEEK_SET); continue; } /* a short file: around again */
        for (ssize_t left = in; left > 0;) {
            ssize_t out = splice(p[0], NULL, dst, NULL, left, SPLICE_F_MOVE);
            if (out <= 0) { perror("splice64: splice out"); return 1; }
            left -= out;
        }
        done += in;
    }
    double t1 = now();
    printf("splice64: %lld bytes, %.1f MB/s\n", done, done / ((t1 - t0) / 1e9) / 1e6);
    return 0;
}
