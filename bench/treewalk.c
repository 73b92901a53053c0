// Guest side of bench/tree_walk.sh: walks DIR (nftw, lstat of every entry, no crossing of mounts) PASSES
// times, printing "pass N: E entries, T ms" after each. With PAUSE_FD it prints "idle" first, and after each
// line waits for one byte on that fd (the script samples the sandbox's memory meanwhile).
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long entries;

static int count(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)path; (void)st; (void)type; (void)ftw;
    entries++;
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: treewalk DIR PASSES [PAUSE_FD]\n"); return 2; }
    int passes = atoi(argv[2]);
    int pause_fd = argc > 3 ? atoi(argv[3]) : -1;
    char c;
    if (pause_fd >= 0) {
        printf("idle\n");
        fflush(stdout);
        if (read(pause_fd, &c, 1) != 1) return 1;
    }
    for (int p = 1; p <= passes; p++) {
        entries = 0;
        double t0 = now_ms();
        if (nftw(argv[1], count, 64, FTW_PHYS | FTW_MOUNT) < 0) { perror("nftw"); return 1; }
        printf("pass %d: %ld entries, %.0f ms\n", p, entries, now_ms() - t0);
        fflush(stdout);
        if (pause_fd >= 0 && read(pause_fd, &c, 1) != 1) return 1;
    }
    return 0;
}
