/* Pipe throughput, timed inside the guest: the parent writes MIB MiB in 64 KiB writes into
 * a pipe, a forked child reads it all (64 KiB reads) and exits; the clock runs from the first
 * write to the child's waitpid. Usage: pipetp [MIB]   (default 256).
 * Prints: "pipetp: B bytes, X MB/s" (MB = 10^6 bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#define CHUNK (64 * 1024)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
    long mib = argc > 1 ? atol(argv[1]) : 256;
    if (mib <= 0) mib = 1;
    long long total = (long long)mib << 20;
    static char buf[CHUNK];
    memset(buf, 'x', sizeof buf);
    int p[2];
    if (pipe(p) < 0) { perror("pipe"); return 1; }
    pid_t c = fork();
    if (c < 0) { perror("fork"); return 1; }
    if (c == 0) {
        close(p[1]);
        long long got = 0;
        ssize_t r;
        while ((r = read(p[0], buf, sizeof buf)) > 0) got += r;
        _exit(r == 0 && got == total ? 0 : 1);
    }
    close(p[0]);
    double t0 = now();
    for (long long done = 0; done < total;) {
        ssize_t w = write(p[1], buf, sizeof buf);
        if (w <= 0) { perror("write"); return 1; }
        done += w;
    }
    close(p[1]);
    int st;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "pipetp: reader failed\n"); return 1;
    }
    double t1 = now();
    printf("pipetp: %lld bytes, %.1f MB/s\n", total, total / ((t1 - t0) / 1e9) / 1e6);
    return 0;
}
