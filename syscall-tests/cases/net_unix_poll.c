/* poll and epoll readiness of Unix sockets in each state; edge-triggered epoll wakes once per arrival. */
#include "net_unix_common.h"
#include <poll.h>
#include <sys/epoll.h>

static void rv(const char *what, int fd)
{
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP | POLLPRI, 0};
    poll(&p, 1, 0);
    printf("%-40s revents=%#x\n", what, p.revents);
}

static int ep_wait(int ep)
{
    struct epoll_event ev[4];
    int n = epoll_wait(ep, ev, 4, 0);
    return n < 0 ? -1 : n == 0 ? 0 : (int)ev[0].events;
}

int main(void)
{
    char name[32];
    int tag = snprintf(name, sizeof name, "akp%d", (int)getpid());
    socklen_t len;
    struct sockaddr_un a = abstract_addr(name, tag, &len);
    for (int type = SOCK_STREAM; type <= SOCK_SEQPACKET; type += type == SOCK_STREAM ? 1 : 3) {
        printf("==== type %d\n", type);
        int u = socket(AF_UNIX, type, 0);
        rv("fresh", u);
        bind(u, (struct sockaddr *)&a, len);
        rv("bound", u);
        if (type != SOCK_DGRAM) {
            listen(u, 1);
            rv("listening", u);
            int c = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
            connect(c, (struct sockaddr *)&a, len);
            rv("listening, one pending", u);
            rv("client, not yet accepted", c);
            int c2 = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
            connect(c2, (struct sockaddr *)&a, len);
            int c3 = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
            printf("third connect: %s\n", connect(c3, (struct sockaddr *)&a, len) ? errname(errno) : "0");
            rv("third client (refused by a full backlog)", c3);
            int s = accept(u, NULL, NULL);
            rv("accepted", s);
            write(c, "x", 1);
            rv("accepted with data", s);
            close(c);
            rv("accepted, client closed", s);
            close(s);
            close(c2);
            close(c3);
        }
        close(u);
        int sv[2];
        socketpair(AF_UNIX, type, 0, sv);
        rv("pair", sv[0]);
        write(sv[1], "d", 1);
        rv("pair with data", sv[0]);
        shutdown(sv[1], SHUT_WR);
        rv("pair, peer SHUT_WR", sv[0]);
        rv("pair, the SHUT_WR end", sv[1]);
        shutdown(sv[0], SHUT_WR);
        rv("pair, both SHUT_WR", sv[0]);
        close(sv[1]);
        rv("pair, peer closed", sv[0]);
        close(sv[0]);
        /* Full: no POLLOUT. */
        socketpair(AF_UNIX, type | SOCK_NONBLOCK, 0, sv);
        static char big[4096];
        long total = 0, r;
        while ((r = send(sv[0], big, type == SOCK_STREAM ? sizeof big : 64, 0)) > 0 && total < (64 << 20))
            total += r;
        rv("writer, full", sv[0]);
        rv("reader of a full queue", sv[1]);
        while (recv(sv[1], big, sizeof big, 0) > 0)
            ;
        rv("writer, drained", sv[0]);
        close(sv[0]);
        close(sv[1]);

        printf("-- epoll\n");
        socketpair(AF_UNIX, type | SOCK_NONBLOCK, 0, sv);
        int ep = epoll_create1(0);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = sv[0]};
        CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev));
        printf("empty: %#x\n", ep_wait(ep));
        write(sv[1], "1", 1);
        printf("one arrival: %#x\n", ep_wait(ep));
        printf("again: %#x\n", ep_wait(ep));
        write(sv[1], "2", 1);
        printf("second arrival, first unread: %#x\n", ep_wait(ep));
        printf("again: %#x\n", ep_wait(ep));
        char b[8];
        recv(sv[0], b, sizeof b, 0);
        printf("after a read: %#x\n", ep_wait(ep));
        write(sv[1], "3", 1);
        write(sv[1], "4", 1);
        printf("two arrivals: %#x\n", ep_wait(ep));
        printf("again: %#x\n", ep_wait(ep));
        shutdown(sv[1], SHUT_WR);
        printf("peer SHUT_WR: %#x\n", ep_wait(ep));
        close(ep);
        /* EPOLLOUT edge-triggered: once writable again. */
        ep = epoll_create1(0);
        struct epoll_event eo = {.events = EPOLLOUT | EPOLLET, .data.fd = sv[1]};
        int s2[2];
        socketpair(AF_UNIX, type | SOCK_NONBLOCK, 0, s2);
        eo.data.fd = s2[0];
        epoll_ctl(ep, EPOLL_CTL_ADD, s2[0], &eo);
        printf("writable: %#x\n", ep_wait(ep));
        printf("again: %#x\n", ep_wait(ep));
        total = 0;
        while ((r = send(s2[0], big, type == SOCK_STREAM ? sizeof big : 64, 0)) > 0 && total < (64 << 20))
            total += r;
        printf("full: %#x\n", ep_wait(ep));
        while (recv(s2[1], big, sizeof big, 0) > 0)
            ;
        printf("drained: %#x\n", ep_wait(ep));
        close(ep);
        close(s2[0]);
        close(s2[1]);
        close(sv[0]);
        close(sv[1]);
    }
    return 0;
}
