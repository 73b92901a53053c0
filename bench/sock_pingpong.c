/* Socket benchmarks; prints one number.
 *
 *   sock_pingpong unix-pingpong SECONDS   round trips per second: 1-byte ping-pong over a Unix stream socketpair
 *                                         between two processes
 *   sock_pingpong unix-stream MB          MB/s: MB megabytes in 64 KiB writes over a Unix stream socketpair
 *   sock_pingpong tcp-pingpong SECONDS    round trips per second over a TCP loopback connection (TCP_NODELAY)
 *   sock_pingpong tcp-stream MB           MB/s over a TCP loopback connection
 *   sock_pingpong tcp-connect SECONDS     connect+accept+close per second on 127.0.0.1
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* A connected pair: a Unix socketpair, or a TCP loopback connection (listener on an ephemeral port). */
static void pair(int tcp, int sv[2])
{
    if (!tcp) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
            die("socketpair");
        return;
    }
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) < 0)
        die("tcp listen");
    sv[0] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(sv[0], (struct sockaddr *)&a, sizeof a) < 0)
        die("tcp connect");
    sv[1] = accept(l, NULL, NULL);
    if (sv[1] < 0)
        die("accept");
    close(l);
    int one = 1;
    setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(sv[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static double pingpong(int tcp, double seconds)
{
    int sv[2];
    pair(tcp, sv);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(sv[0]);
        while (read(sv[1], &c, 1) == 1)
            if (write(sv[1], &c, 1) != 1)
                break;
        _exit(0);
    }
    close(sv[1]);
    char c = 'x';
    long n = 0;
    double start = now(), end = start + seconds, t = start;
    while (t < end) {
        for (int i = 0; i < 100; i++) {
            if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1)
                die("pingpong");
            n++;
        }
        t = now();
    }
    close(sv[0]);
    waitpid(pid, NULL, 0);
    return n / (t - start);
}

static double stream(int tcp, long mb)
{
    int sv[2];
    pair(tcp, sv);
    static char buf[CHUNK];
    long total = mb << 20;
    double start = now();
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[1]);
        memset(buf, 'a', sizeof buf);
        for (long sent = 0; sent < total;) {
            long w = write(sv[0], buf, CHUNK);
            if (w <= 0)
                die("write");
            sent += w;
        }
        _exit(0);
    }
    close(sv[0]);
    long got = 0, r;
    while (got < total && (r = read(sv[1], buf, sizeof buf)) > 0)
        got += r;
    double t = now() - start;
    waitpid(pid, NULL, 0);
    if (got != total)
        die("short stream");
    return mb / t;
}

static double connects(double seconds)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 128) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) < 0)
        die("tcp listen");
    long n = 0;
    double start = now(), end = start + seconds, t = start;
    while (t < end) {
        for (int i = 0; i < 20; i++) {
            int c = socket(AF_INET, SOCK_STREAM, 0);
            if (connect(c, (struct sockaddr *)&a, sizeof a) < 0)
                die("connect");
            int s = accept(l, NULL, NULL);
            if (s < 0)
                die("accept");
            close(c);
            close(s);
            n++;
        }
        t = now();
    }
    return n / (t - start);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s unix-pingpong|unix-stream|tcp-pingpong|tcp-stream|tcp-connect N\n", argv[0]);
        return 2;
    }
    const char *m = argv[1];
    double arg = atof(argv[2]), r;
    if (!strcmp(m, "unix-pingpong"))
        r = pingpong(0, arg);
    else if (!strcmp(m, "tcp-pingpong"))
        r = pingpong(1, arg);
    else if (!strcmp(m, "unix-stream"))
        r = stream(0, (long)arg);
    else if (!strcmp(m, "tcp-stream"))
        r = stream(1, (long)arg);
    else if (!strcmp(m, "tcp-connect"))
        r = connects(arg);
    else
        return 2;
    printf("%.0f\n", r);
    return 0;
}
