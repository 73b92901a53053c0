/* pty: poll/select/epoll readiness of master and slave — a fresh pair is
 * writable only; canonical input is readable only with a complete line,
 * non-canonical with a byte; the master is readable when the slave wrote;
 * a full input queue makes the master unwritable (EAGAIN) until the slave
 * reads; epoll (edge and level) follows the same. */
#include "pty_common.h"
#include <sys/epoll.h>
#include <sys/select.h>

static int m, s;

static void both(const char *label)
{
    printf("%s: master %s", label, pollbits(poll_now(m, 0)));
    printf(", slave %s\n", pollbits(poll_now(s, 0)));
}

/* wait for fd to show POLLIN (data is asynchronous), then print both */
static void both_after(const char *label, int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    poll(&p, 1, 3000);
    both(label);
}

static int sel(int fd)
{
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(fd, &r);
    FD_SET(fd, &w);
    struct timeval tv = {0, 0};
    select(fd + 1, &r, &w, NULL, &tv);
    return (FD_ISSET(fd, &r) ? 1 : 0) | (FD_ISSET(fd, &w) ? 2 : 0);
}

int main(void)
{
    if (pty_pair(&m, &s) < 0)
        return 1;
    lflags(s, 0, ECHO);
    both("fresh");
    put(m, "partial");
    usleep(0);
    struct pollfd p = {s, POLLIN, 0};
    CHECK(poll(&p, 1, 200));
    both("partial line");
    put(m, "\n");
    both_after("line complete", s);
    printf("select: master %d, slave %d\n", sel(m), sel(s));
    char b[64];
    read(s, b, sizeof b);
    both("line read");
    put(s, "out");
    both_after("slave wrote", m);
    printf("select: master %d, slave %d\n", sel(m), sel(s));
    drain(m, b, sizeof b, 3);
    both("master read it");

    /* epoll */
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
    ev.data.u32 = 1;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
    ev.events = EPOLLIN;
    ev.data.u32 = 2;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, m, &ev));
    struct epoll_event out[4];
    CHECK(epoll_wait(ep, out, 4, 0));
    lflags(s, 0, ICANON);
    put(m, "r");
    int n = CHECK(epoll_wait(ep, out, 4, 3000));
    for (int i = 0; i < n; i++)
        printf("  event data=%u events=%#x\n", out[i].data.u32, out[i].events);
    drain(s, NULL, 0, 0); /* (Linux may wake an edge-triggered waiter twice) */
    while (epoll_wait(ep, out, 4, 0) > 0)
        ;
    put(s, "w");
    /* the master's event (an extra edge for the slave would be allowed) */
    {
        unsigned got = 0;
        long end = now_ms() + 3000;
        while (!got && now_ms() < end) {
            n = epoll_wait(ep, out, 4, 3000);
            for (int i = 0; i < n; i++)
                if (out[i].data.u32 == 2)
                    got = out[i].events;
        }
        printf("  master event: %#x\n", got);
    }
    n = CHECK(epoll_wait(ep, out, 4, 0)); /* level-triggered: still */
    drain(m, b, sizeof b, 1);
    drain(s, b, sizeof b, 1);
    CHECK(epoll_wait(ep, out, 4, 0));
    close(ep);

    /* fill the slave's input from the master until EAGAIN */
    set_raw(s);
    fcntl(m, F_SETFL, O_NONBLOCK);
    char big[4096];
    memset(big, 'z', sizeof big);
    long total = 0;
    int eagain = 0;
    long end = now_ms() + 10000;
    while (now_ms() < end) {
        ssize_t w = write(m, big, sizeof big);
        if (w > 0) {
            total += w;
            continue;
        }
        if (errno != EAGAIN)
            break;
        /* queued bytes move into the slave's buffer asynchronously: wait
         * for writability once before calling it full */
        struct pollfd q = {m, POLLOUT, 0};
        if (poll(&q, 1, 200) == 0) {
            eagain = 1;
            break;
        }
    }
    printf("master full: EAGAIN=%d, wrote more than 4096: %d\n", eagain, total > 4096);
    printf("master revents when full: %s\n", pollbits(poll_now(m, 0) & ~POLLIN));
    printf("slave revents: %s\n", pollbits(poll_now(s, 0)));
    /* the slave reads everything; the master is writable again */
    long got = 0;
    for (;;) {
        char rb[8192];
        struct pollfd q = {s, POLLIN, 0};
        if (poll(&q, 1, 500) != 1)
            break;
        ssize_t k = read(s, rb, sizeof rb);
        if (k <= 0)
            break;
        got += k;
    }
    printf("slave read all that was written: %d\n", got == total);
    printf("master revents after: %s\n", pollbits(poll_now(m, 1000)));
    return 0;
}
