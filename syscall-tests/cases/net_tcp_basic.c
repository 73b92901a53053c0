/* TCP over loopback: bind, listen, connect, accept, names, data both ways,
 * readiness of each kind of socket, TCP_INFO's state. */
#include "net_common.h"

int main(void)
{
    int l = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    sockname("fresh", l);
    peername("fresh", l);
    show_poll("fresh", l, 0);
    printf("fresh state %d\n", ({ struct tcp_info ti; socklen_t n = sizeof ti; getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &n); ti.tcpi_state; }));
    struct sockaddr_in a = sin4("127.0.0.1", 20001);
    CHECK(bind(l, SA(a), sizeof a));
    sockname("bound", l);
    CHECK(bind(l, SA(a), sizeof a));
    CHECK(listen(l, 8));
    printf("SO_ACCEPTCONN %d\n", sockopt_int(l, SOL_SOCKET, SO_ACCEPTCONN));
    show_poll("listener idle", l, 0);
    printf("listen state %d\n", ({ struct tcp_info ti; socklen_t n = sizeof ti; getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &n); ti.tcpi_state; }));

    int c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(connect(c, SA(a), sizeof a));
    CHECK(connect(c, SA(a), sizeof a));
    sockname("client", c);
    peername("client", c);
    show_poll("listener pending", l, 0);

    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    int s = CHECK_OK(accept(l, (struct sockaddr *)&peer, &plen));
    show_addr("accepted from", &peer, plen);
    sockname("server", s);
    peername("server", s);
    SHOW(local_port(c) == ntohs(((struct sockaddr_in *)&peer)->sin_port));
    show_poll("listener drained", l, 0);
    show_poll("client idle", c, 0);
    printf("established state %d\n", ({ struct tcp_info ti; socklen_t n = sizeof ti; getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &n); ti.tcpi_state; }));

    /* accept4 flags and a short address buffer. */
    int c2 = CHECK_OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    CHECK(connect(c2, SA(a), sizeof a) == 0 || errno == EINPROGRESS);
    struct sockaddr_in small;
    socklen_t slen = 4;
    int s2 = CHECK_OK(accept4(l, (struct sockaddr *)&small, &slen, SOCK_NONBLOCK | SOCK_CLOEXEC));
    printf("short addr len %d family %d\n", (int)slen, small.sin_family);
    printf("accept4 nonblock %d cloexec %d\n", !!(fcntl(s2, F_GETFL) & O_NONBLOCK), !!(fcntl(s2, F_GETFD) & FD_CLOEXEC));
    fcntl(l, F_SETFL, O_NONBLOCK);
    CHECK(accept4(l, NULL, NULL, SOCK_NONBLOCK));
    fcntl(l, F_SETFL, 0);
    close(c2);
    close(s2);

    /* data both ways */
    CHECK(write(c, "hello", 5));
    show_poll("server readable", s, 0);
    int n = 0;
    CHECK(ioctl(s, FIONREAD, &n));
    printf("FIONREAD %d\n", n);
    char buf[64] = { 0 };
    CHECK(read(s, buf, sizeof buf));
    printf("got '%s'\n", buf);
    CHECK(send(s, "world!", 6, 0));
    memset(buf, 0, sizeof buf);
    CHECK(recv(c, buf, 3, 0));
    CHECK(recv(c, buf + 3, sizeof buf, 0));
    printf("got '%s'\n", buf);

    /* sendto with an address on a connected TCP socket: the address is ignored */
    struct sockaddr_in other = sin4("127.0.0.1", 9);
    CHECK(sendto(c, "x", 1, 0, SA(other), sizeof other));
    CHECK(recv(s, buf, sizeof buf, 0));

    /* writev / readv */
    struct iovec iov[2] = { { "ab", 2 }, { "cde", 3 } };
    CHECK(writev(c, iov, 2));
    char x[2], y[8] = { 0 };
    struct iovec riov[2] = { { x, 2 }, { y, 8 } };
    CHECK(readv(s, riov, 2));
    printf("readv '%.2s' '%s'\n", x, y);

    /* sendmsg / recvmsg with msg_name on a stream */
    struct sockaddr_storage from;
    struct iovec v = { buf, sizeof buf };
    struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &v, .msg_iovlen = 1 };
    CHECK(send(c, "msg", 3, 0));
    CHECK(recvmsg(s, &m, 0));
    printf("recvmsg namelen %d flags %d\n", (int)m.msg_namelen, m.msg_flags);

    CHECK(close(c));
    CHECK(read(s, buf, sizeof buf));
    CHECK(close(s));
    CHECK(close(l));

    /* the port is free again once everything is closed */
    int l2 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(bind(l2, SA(a), sizeof a));
    close(l2);
    return 0;
}
