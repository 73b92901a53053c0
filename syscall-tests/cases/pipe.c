/* pipe2 within one process: data, EOF, O_NONBLOCK, capacity, EPIPE. */
#include "common.h"
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

int main(void)
{
    int p[2];
    CHECK(pipe2(p, O_CLOEXEC));
    CHECK(fcntl(p[0], F_GETFD));
    CHECK(fcntl(p[1], F_GETFD));
    CHECK(fcntl(p[0], F_GETFL) & (O_ACCMODE | O_NONBLOCK));
    CHECK(fcntl(p[1], F_GETFL) & (O_ACCMODE | O_NONBLOCK));
    struct stat st;
    CHECK(fstat(p[0], &st));
    SHOW(S_ISFIFO(st.st_mode));

    CHECK(write(p[1], "ping", 4));
    int n = -1;
    CHECK(ioctl(p[0], FIONREAD, &n));
    printf("FIONREAD: %d\n", n);
    char buf[16] = {0};
    CHECK(read(p[0], buf, 2));
    CHECK(read(p[0], buf + 2, sizeof buf - 3));
    printf("data: %s\n", buf);
    CHECK(read(p[1], buf, 1));
    CHECK(write(p[0], "x", 1));

    /* non-blocking: empty read is EAGAIN, fill the pipe to its capacity */
    CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK));
    CHECK(read(p[0], buf, 1));
    CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK));
    CHECK(fcntl(p[1], F_GETPIPE_SZ));
    static char big[4096];
    long total = 0;
    for (;;) {
        ssize_t w = write(p[1], big, sizeof big);
        if (w < 0) {
            printf("fill stopped: %s\n", errname(errno));
            break;
        }
        total += w;
    }
    printf("pipe capacity: %ld\n", total);
    long drained = 0;
    for (;;) {
        ssize_t r = read(p[0], big, sizeof big);
        if (r <= 0)
            break;
        drained += r;
    }
    printf("drained: %ld\n", drained);

    /* EOF once the write end is closed */
    CHECK(write(p[1], "end", 3));
    CHECK(close(p[1]));
    CHECK(read(p[0], buf, sizeof buf));
    CHECK(read(p[0], buf, sizeof buf));
    CHECK(close(p[0]));

    /* writing with no reader: EPIPE (SIGPIPE ignored, so no delivery) */
    signal(SIGPIPE, SIG_IGN);
    CHECK(pipe2(p, 0));
    CHECK(close(p[0]));
    CHECK(write(p[1], "x", 1));
    CHECK(close(p[1]));

    CHECK(pipe2(p, O_NONBLOCK));
    CHECK(fcntl(p[1], F_GETFL) & O_NONBLOCK);
    CHECK(pipe2(p, 0x40000000));
    CHECK(pipe((int *)1));

    /* F_SETPIPE_SZ rounds up: 0 (and anything below a page) is one page, then a power of two pages */
    CHECK(pipe(p));
    CHECK(fcntl(p[0], F_SETPIPE_SZ, 0));
    CHECK(fcntl(p[1], F_GETPIPE_SZ));
    CHECK(fcntl(p[0], F_SETPIPE_SZ, 5000));
    CHECK(fcntl(p[0], F_SETPIPE_SZ, -1));
    return 0;
}
