/* TCP endings: half-close (SHUT_WR: the peer reads EOF and still sends),
 * SHUT_RD, close with unread data (a reset: ECONNRESET), SO_LINGER 0,
 * writes after the peer closed (EPIPE and SIGPIPE), readiness along the way. */
#include "net_common.h"

static volatile int pipes;
static void on_pipe(int sig) { (void)sig; pipes++; }

static int state(int fd)
{
    struct tcp_info ti;
    socklen_t n = sizeof ti;
    memset(&ti, 0, sizeof ti);
    getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &n);
    return ti.tcpi_state;
}

int main(void)
{
    signal(SIGPIPE, on_pipe);
    char buf[64];
    int c, s;

    printf("-- half close\n");
    tcp_pair(&c, &s);
    CHECK(write(c, "abc", 3));
    CHECK(shutdown(c, SHUT_WR));
    usleep(50000);
    show_poll("server after peer SHUT_WR", s, 0);
    printf("states %d %d\n", state(c), state(s));
    CHECK(read(s, buf, sizeof buf));
    CHECK(read(s, buf, sizeof buf));
    CHECK(write(c, "x", 1));
    printf("pipes %d\n", pipes);
    CHECK(write(s, "reply", 5));
    memset(buf, 0, sizeof buf);
    CHECK(read(c, buf, sizeof buf));
    printf("client got '%s'\n", buf);
    show_poll("client half-closed", c, 0);
    CHECK(shutdown(s, SHUT_WR));
    usleep(50000);
    CHECK(read(c, buf, sizeof buf));
    show_poll("client both shut", c, 0);
    show_poll("server both shut", s, 0);
    printf("states %d %d\n", state(c), state(s));
    CHECK(shutdown(c, SHUT_RDWR));
    close(c);
    close(s);

    printf("-- SHUT_RD\n");
    tcp_pair(&c, &s);
    CHECK(write(s, "before", 6));
    usleep(50000);
    CHECK(shutdown(c, SHUT_RD));
    show_poll("after SHUT_RD", c, 0);
    CHECK(recv(c, buf, sizeof buf, MSG_DONTWAIT));
    CHECK(recv(c, buf, sizeof buf, MSG_DONTWAIT));
    CHECK(write(c, "still", 5));
    CHECK(read(s, buf, sizeof buf));
    close(c);
    close(s);

    printf("-- close with unread data\n");
    tcp_pair(&c, &s);
    CHECK(write(c, "unread", 6));
    usleep(50000);
    CHECK(close(s));
    usleep(50000);
    show_poll("client after reset", c, 0);
    printf("state %d\n", state(c));
    CHECK(read(c, buf, sizeof buf));
    CHECK(read(c, buf, sizeof buf));
    CHECK(write(c, "x", 1));
    printf("pipes %d\n", pipes);
    close(c);

    printf("-- reset seen by write first\n");
    tcp_pair(&c, &s);
    CHECK(write(c, "unread", 6));
    usleep(50000);
    CHECK(close(s));
    usleep(50000);
    CHECK(send(c, "x", 1, MSG_NOSIGNAL));
    CHECK(send(c, "x", 1, MSG_NOSIGNAL));
    show_error("after", c);
    printf("pipes %d\n", pipes);
    close(c);

    printf("-- SO_LINGER 0\n");
    tcp_pair(&c, &s);
    struct linger lg = { 1, 0 };
    CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    CHECK(close(s));
    usleep(50000);
    show_error("client", c);
    CHECK(read(c, buf, sizeof buf));
    close(c);

    printf("-- write after peer closed\n");
    tcp_pair(&c, &s);
    CHECK(close(s));
    usleep(50000);
    show_poll("client after peer close", c, 0);
    printf("state %d\n", state(c));
    CHECK(write(c, "first", 5));
    usleep(50000);
    show_poll("client after reset", c, 0);
    CHECK(write(c, "second", 6));
    printf("pipes %d\n", pipes);
    CHECK(send(c, "third", 5, MSG_NOSIGNAL));
    printf("pipes %d\n", pipes);
    CHECK(read(c, buf, sizeof buf));
    show_error("client", c);
    close(c);

    printf("-- peer closed, then we close\n");
    tcp_pair(&c, &s);
    CHECK(close(c));
    usleep(50000);
    CHECK(read(s, buf, sizeof buf));
    printf("state %d\n", state(s));
    CHECK(close(s));

    printf("-- close of a listener with a pending connection\n");
    int l = tcp_listener(0, 4);
    struct sockaddr_in a = sin4("127.0.0.1", local_port(l));
    c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(c, SA(a), sizeof a));
    CHECK(write(c, "lost", 4));
    CHECK(close(l));
    usleep(50000);
    CHECK(read(c, buf, sizeof buf));
    CHECK(connect(c, SA(a), sizeof a));
    close(c);
    c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(c, SA(a), sizeof a));
    close(c);
    return 0;
}
