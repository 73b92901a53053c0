/* TCP send-buffer accounting on loopback. An established connection's
 * SO_SNDBUF grows from tcp_wmem[1] to megabytes (tcp_sndbuf_expand) unless
 * the user set it (then it stays doubled, and an accepted socket inherits the
 * lock from its listener); TCP_MAXSEG makes the grown size smaller. A
 * non-blocking writer queues about SO_SNDBUF plus the peer's receive buffer
 * before EAGAIN, EPOLLOUT comes back once a third of SO_SNDBUF is free, and
 * SIOCOUTQ/FIONREAD split what is queued. Linux's exact numbers depend on skb
 * overhead, ACK timing and the congestion control (BBR grows by 3 where
 * cubic grows by 2), so most are shown as ranges. */
#include "net_common.h"
#include <linux/sockios.h>
#include <sys/epoll.h>

enum { KiB = 1024, MiB = 1024 * 1024, Chunk = 64 * KiB, Hello = 100 * KiB };
/* tcp_wmem[1] and tcp_rmem[1]: a fresh socket's SO_SNDBUF and SO_RCVBUF. */
enum { DefaultSndbuf = 16384, DefaultRcvbuf = 131072 };
/* How long to wait for loopback ACKs to settle after the reader drains. */
enum { SettleTries = 100, SettleUs = 10000 };

static char chunk[Chunk];

/* A pair where the client sets SO_SNDBUF (if sndbuf), TCP_MAXSEG on both
 * ends (if mss), and the listener SO_SNDBUF (if lsndbuf) before connecting. */
static void pair(int *c, int *s, int sndbuf, int lsndbuf, int mss)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = sin4("127.0.0.1", 0);
    if (lsndbuf)
        setsockopt(l, SOL_SOCKET, SO_SNDBUF, &lsndbuf, sizeof lsndbuf);
    if (mss)
        setsockopt(l, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
    bind(l, SA(a), sizeof a);
    listen(l, 1);
    a = sin4("127.0.0.1", local_port(l));
    *c = socket(AF_INET, SOCK_STREAM, 0);
    if (sndbuf)
        setsockopt(*c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    if (mss)
        setsockopt(*c, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
    if (connect(*c, SA(a), sizeof a) < 0) {
        printf("connect: %s\n", errname(errno));
        exit(1);
    }
    *s = accept(l, NULL, NULL);
    close(l);
}

static int sndbuf(int fd) { return sockopt_int(fd, SOL_SOCKET, SO_SNDBUF); }
static int rcvbuf(int fd) { return sockopt_int(fd, SOL_SOCKET, SO_RCVBUF); }

static int ioctl_int(int fd, unsigned long op)
{
    int n = -1;
    ioctl(fd, op, &n);
    return n;
}

/* Non-blocking sends of Chunk until EAGAIN; returns the total queued. */
static long fill(int fd, long *first)
{
    long total = 0;
    *first = -1;
    for (;;) {
        ssize_t w = send(fd, chunk, Chunk, MSG_DONTWAIT);
        if (w < 0) {
            if (errno != EAGAIN)
                printf("fill: %s\n", errname(errno));
            return total;
        }
        if (*first < 0)
            *first = w;
        total += w;
    }
}

static int writable(int ep)
{
    struct epoll_event ev;
    return epoll_wait(ep, &ev, 1, 0) == 1 && (ev.events & EPOLLOUT);
}

static long drain_all(int fd)
{
    static char buf[Chunk];
    long got = 0;
    ssize_t r;
    while ((r = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
        got += r;
    return got;
}

/* Waits (briefly) until the writer's SIOCOUTQ is 0, the loopback ACKs in. */
static int outq_settles(int fd)
{
    for (int i = 0; i < SettleTries; i++) {
        if (ioctl_int(fd, SIOCOUTQ) == 0)
            return 1;
        usleep(SettleUs);
    }
    return 0;
}

int main(void)
{
    int c, s;
    memset(chunk, 'x', sizeof chunk);

    puts("-- a fresh socket");
    int f = socket(AF_INET, SOCK_STREAM, 0);
    SHOW(sndbuf(f) == DefaultSndbuf);
    SHOW(rcvbuf(f) == DefaultRcvbuf);
    close(f);

    puts("-- established, no SO_SNDBUF: both ends' send buffers grow");
    pair(&c, &s, 0, 0, 0);
    SHOW(sndbuf(c) >= 1 * MiB);
    SHOW(sndbuf(s) >= 1 * MiB);
    SHOW(rcvbuf(c) == DefaultRcvbuf && rcvbuf(s) == DefaultRcvbuf);

    /* asyncio's case: a 100 KiB write to a fresh connection goes in whole */
    ssize_t w = send(c, chunk, Chunk, MSG_DONTWAIT);
    w += send(c, chunk, Hello - Chunk, MSG_DONTWAIT);
    SHOW(w == Hello);
    drain_all(s);

    long first, total = fill(c, &first);
    SHOW(total >= 2 * MiB);
    SHOW(total < 8 * MiB);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLOUT, .data.fd = c };
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev));
    SHOW(!writable(ep));
    int inq = ioctl_int(s, FIONREAD), outq = ioctl_int(c, SIOCOUTQ);
    SHOW(inq > 0 && inq <= rcvbuf(s));
    SHOW(outq >= 1 * MiB && outq <= total);

    /* EPOLLOUT once a third of SO_SNDBUF is free: the reader takes between
     * an eighth and a half of what was queued first */
    static char buf[Chunk];
    long drained = 0;
    while (!writable(ep) && drained < total) {
        ssize_t r = recv(s, buf, sizeof buf, 0);
        if (r <= 0)
            break;
        drained += r;
    }
    SHOW(drained > total / 8);
    SHOW(drained < total / 2);
    drained += drain_all(s);
    SHOW(drained == total);
    SHOW(outq_settles(c));
    SHOW(ioctl_int(s, FIONREAD) == 0);
    SHOW(writable(ep));
    close(ep);
    close(c);
    close(s);

    puts("-- SO_SNDBUF set before connect: it stays (doubled)");
    pair(&c, &s, DefaultSndbuf, 0, 0);
    SHOW(sndbuf(c) == 2 * DefaultSndbuf);
    SHOW(sndbuf(s) >= 1 * MiB);
    total = fill(c, &first);
    SHOW(first > 0 && first <= 2 * DefaultSndbuf);
    SHOW(total > 2 * DefaultSndbuf);
    SHOW(total <= 2 * DefaultSndbuf + rcvbuf(s));
    SHOW(drain_all(s) == total);
    SHOW(outq_settles(c));
    close(c);
    close(s);

    puts("-- the listener's SO_SNDBUF: the accepted socket keeps it");
    pair(&c, &s, 0, 2 * DefaultSndbuf, 0);
    SHOW(sndbuf(s) == 4 * DefaultSndbuf);
    SHOW(sndbuf(c) >= 1 * MiB);
    close(c);
    close(s);

    puts("-- a small TCP_MAXSEG grows it less");
    pair(&c, &s, 0, 0, 1000);
    SHOW(sndbuf(c) > 2 * DefaultSndbuf && sndbuf(c) < 256 * KiB);
    SHOW(sndbuf(s) == sndbuf(c));
    close(c);
    close(s);

    puts("-- SO_SNDBUF after connect shrinks the grown buffer");
    pair(&c, &s, 0, 0, 0);
    int v = DefaultSndbuf;
    CHECK(setsockopt(c, SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
    SHOW(sndbuf(c) == 2 * DefaultSndbuf);
    close(c);
    close(s);
    return 0;
}
