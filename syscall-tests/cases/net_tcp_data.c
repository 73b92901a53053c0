/* TCP data paths: MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL across writes,
 * MSG_TRUNC (discard), FIONREAD/SIOCOUTQ, a large transfer between
 * processes, and epoll readiness (level and edge). */
#include "net_common.h"
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/wait.h>

int main(void)
{
    int c, s;
    char buf[256];
    tcp_pair(&c, &s);

    CHECK(recv(s, buf, sizeof buf, MSG_DONTWAIT));
    CHECK(send(c, "peekaboo", 8, 0));
    usleep(20000);
    memset(buf, 0, sizeof buf);
    CHECK(recv(s, buf, 4, MSG_PEEK));
    CHECK(recv(s, buf, sizeof buf, MSG_PEEK));
    printf("peeked '%s'\n", buf);
    int n = -1;
    CHECK(ioctl(s, SIOCINQ, &n));
    printf("SIOCINQ %d\n", n);
    CHECK(ioctl(c, SIOCOUTQ, &n));
    printf("SIOCOUTQ %d\n", n);
    CHECK(recv(s, NULL, 4, MSG_TRUNC));
    memset(buf, 0, sizeof buf);
    CHECK(recv(s, buf, sizeof buf, 0));
    printf("after trunc '%s'\n", buf);

    /* MSG_WAITALL gathers several writes from another process */
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 5; i++) {
            usleep(10000);
            write(c, "0123456789", 10);
        }
        _exit(0);
    }
    memset(buf, 0, sizeof buf);
    CHECK(recv(s, buf, 50, MSG_WAITALL));
    printf("waitall '%s'\n", buf);
    waitpid(pid, NULL, 0);

    /* MSG_WAITALL ends early at EOF */
    CHECK(write(c, "tail", 4));
    CHECK(shutdown(c, SHUT_WR));
    CHECK(recv(s, buf, 100, MSG_WAITALL));
    close(c);
    close(s);

    /* a megabyte each way through a forked writer, checked */
    tcp_pair(&c, &s);
    const int total = 1 << 20;
    pid = fork();
    if (pid == 0) {
        close(s);
        static char out[1 << 20];
        for (int i = 0; i < total; i++)
            out[i] = (char)(i * 7 + i / 255);
        int done = 0;
        while (done < total) {
            int w = write(c, out + done, total - done);
            if (w <= 0)
                _exit(1);
            done += w;
        }
        _exit(0);
    }
    close(c);
    static char in[1 << 20];
    int got = 0, bad = 0;
    while (got < total) {
        int r = read(s, in + got, total - got > 3000 ? 3000 : total - got);
        if (r <= 0)
            break;
        got += r;
    }
    for (int i = 0; i < got; i++)
        if (in[i] != (char)(i * 7 + i / 255))
            bad++;
    int st;
    waitpid(pid, &st, 0);
    printf("transfer got %d bad %d writer status %d\n", got, bad, WEXITSTATUS(st));
    CHECK(read(s, in, 10));
    close(s);

    /* non-blocking fill: the writer stops with EAGAIN, then readiness returns */
    tcp_pair(&c, &s);
    fcntl(c, F_SETFL, O_NONBLOCK);
    static char chunk[65536];
    long sent = 0;
    int e = 0;
    for (int i = 0; i < 10000; i++) {
        int w = write(c, chunk, sizeof chunk);
        if (w < 0) { e = errno; break; }
        sent += w;
    }
    printf("fill stopped with %s, sent > 64K: %s\n", errname(e), sent > 65536 ? "yes" : "no");
    struct pollfd p = { c, POLLOUT, 0 };
    printf("full: poll %d\n", poll(&p, 1, 0));
    long drained = 0;
    while (drained < sent) {
        int r = read(s, in, sizeof in);
        if (r <= 0) break;
        drained += r;
    }
    printf("drained all: %s\n", drained == sent ? "yes" : "no");
    show_poll("writer after drain", c, 1000);

    /* epoll: level and edge triggered */
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.fd = s };
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
    struct epoll_event out[4];
    CHECK(epoll_wait(ep, out, 4, 0));
    CHECK(write(c, "a", 1));
    CHECK(epoll_wait(ep, out, 4, 1000));
    printf("events %#x\n", out[0].events);
    CHECK(epoll_wait(ep, out, 4, 0));
    CHECK(write(c, "b", 1));
    CHECK(epoll_wait(ep, out, 4, 1000));
    ev.events = EPOLLIN | EPOLLRDHUP;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev));
    CHECK(epoll_wait(ep, out, 4, 0));
    CHECK(epoll_wait(ep, out, 4, 0));
    CHECK(read(s, buf, sizeof buf));
    CHECK(epoll_wait(ep, out, 4, 0));
    close(c);
    CHECK(epoll_wait(ep, out, 4, 1000));
    printf("events %#x\n", out[0].events);
    close(ep);
    close(s);

    /* a blocked reader is woken by data from another process */
    tcp_pair(&c, &s);
    pid = fork();
    if (pid == 0) {
        usleep(100000);
        write(c, "late", 4);
        _exit(0);
    }
    memset(buf, 0, sizeof buf);
    CHECK(read(s, buf, sizeof buf));
    printf("woken with '%s'\n", buf);
    waitpid(pid, NULL, 0);

    /* SO_RCVTIMEO */
    struct timeval tv = { 0, 100000 };
    CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    CHECK(read(s, buf, sizeof buf));
    close(c);
    close(s);
    return 0;
}
