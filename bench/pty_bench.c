/* Pseudo-terminal benchmarks for bench/pty.sh; prints one number.
 *
 *   pty_bench throughput MB raw|cooked
 *       a child writes MB megabytes to the slave of a new pty pair in 64 KiB
 *       writes (raw: cfmakeraw on the slave; cooked: the default termios, with
 *       OPOST|ONLCR, and a newline every 80 bytes, so the master reads more
 *       bytes than were written); the parent reads the master until it has all
 *       of it.  Prints the payload MB/s (written bytes / time to the last read).
 *   pty_bench echo ROUNDS
 *       the default termios (canonical, ECHO): write one byte to the master,
 *       read its echo from the master; ROUNDS times (a newline every 64 bytes
 *       keeps the line short, untimed).  Prints the median microseconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pair(int *m, int *s)
{
    *m = posix_openpt(O_RDWR | O_NOCTTY);
    if (*m < 0 || grantpt(*m) < 0 || unlockpt(*m) < 0) {
        perror("posix_openpt");
        exit(1);
    }
    *s = open(ptsname(*m), O_RDWR | O_NOCTTY);
    if (*s < 0) {
        perror("open slave");
        exit(1);
    }
}

static int readn(int fd, char *b, int n)
{
    int got = 0;
    while (got < n) {
        ssize_t k = read(fd, b + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        got += k;
    }
    return 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int throughput(long mb, int raw)
{
    int m, s;
    pair(&m, &s);
    struct termios t;
    tcgetattr(s, &t);
    if (raw)
        cfmakeraw(&t);
    tcsetattr(s, TCSANOW, &t);
    enum { CH = 64 * 1024 };
    static char buf[CH];
    for (int i = 0; i < CH; i++)
        buf[i] = (!raw && i % 80 == 79) ? '\n' : 'a' + i % 26;
    long total = mb * 1024 * 1024;
    long chunks = total / CH;
    long expect = total;
    if (!raw) {
        long nl = 0;
        for (int i = 0; i < CH; i++)
            nl += buf[i] == '\n';
        expect += nl * chunks; /* ONLCR: each \n becomes \r\n */
    }
    double t0 = now();
    pid_t c = fork();
    if (c == 0) {
        close(m);
        for (long i = 0; i < chunks; i++) {
            long off = 0;
            while (off < CH) {
                ssize_t w = write(s, buf + off, CH - off);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    _exit(2);
                off += w;
            }
        }
        /* keep the slave open until the parent has read everything */
        pause();
        _exit(0);
    }
    close(s);
    static char rb[CH * 2];
    long got = 0;
    while (got < expect) {
        ssize_t k = read(m, rb, sizeof rb);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            fprintf(stderr, "master read: %zd %s after %ld of %ld\n", k, strerror(errno), got, expect);
            kill(c, SIGKILL);
            return 1;
        }
        got += k;
    }
    double el = now() - t0;
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    printf("%.1f\n", (double)total / (1024 * 1024) / el);
    return 0;
}

static int echo(int rounds)
{
    int m, s;
    pair(&m, &s);
    double *lat = malloc(sizeof(double) * rounds);
    char b[256];
    int n = 0, col = 0;
    for (int i = 0; i < rounds; i++) {
        double t0 = now();
        if (write(m, "k", 1) != 1 || readn(m, b, 1) < 0 || b[0] != 'k') {
            fprintf(stderr, "echo round %d failed\n", i);
            return 1;
        }
        lat[n++] = (now() - t0) * 1e6;
        if (++col == 64) {
            /* end the line: echo "\r\n", then read the line on the slave */
            if (write(m, "\n", 1) != 1 || readn(m, b, 2) < 0 || readn(s, b, 65) < 0) {
                fprintf(stderr, "newline failed\n");
                return 1;
            }
            col = 0;
        }
    }
    qsort(lat, n, sizeof(double), cmp_d);
    printf("%.1f\n", lat[n / 2]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "throughput") == 0)
        return throughput(atol(argv[2]), strcmp(argv[3], "raw") == 0);
    if (argc >= 3 && strcmp(argv[1], "echo") == 0)
        return echo(atoi(argv[2]));
    fprintf(stderr, "usage: pty_bench throughput MB raw|cooked | echo ROUNDS\n");
    return 2;
}
