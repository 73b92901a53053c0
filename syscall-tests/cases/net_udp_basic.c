/* UDP over loopback: sendto/recvfrom with addresses, connected sockets
 * (receive filter, send without address, ECONNREFUSED from a closed port),
 * truncation, zero-length datagrams, FIONREAD, AF_UNSPEC disconnect,
 * IPv6 and v4-mapped, readiness, port conflicts. */
#include "net_common.h"

int main(void)
{
    char buf[128];
    struct sockaddr_storage from;
    socklen_t flen;

    int a = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    int b = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in aa = sin4("127.0.0.1", 20031);
    CHECK(bind(a, SA(aa), sizeof aa));
    show_poll("idle", a, 0);
    CHECK(recv(a, buf, sizeof buf, MSG_DONTWAIT));
    CHECK(sendto(b, "one", 3, 0, SA(aa), sizeof aa));
    sockname("autobound sender", b);
    CHECK(sendto(b, "", 0, 0, SA(aa), sizeof aa));
    CHECK(sendto(b, "three!", 6, 0, SA(aa), sizeof aa));
    show_poll("queued", a, 0);
    int n = -1;
    CHECK(ioctl(a, FIONREAD, &n));
    printf("FIONREAD %d\n", n);
    flen = sizeof from;
    memset(buf, 0, sizeof buf);
    CHECK(recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen));
    show_addr("from", &from, flen);
    SHOW(ntohs(((struct sockaddr_in *)&from)->sin_port) == local_port(b));
    CHECK(ioctl(a, FIONREAD, &n));
    printf("FIONREAD zero-length next %d\n", n);
    CHECK(recv(a, buf, sizeof buf, 0));
    CHECK(recv(a, buf, 2, MSG_PEEK));
    CHECK(recv(a, buf, 2, MSG_PEEK | MSG_TRUNC));
    struct iovec v = { buf, 2 };
    struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };
    CHECK(recvmsg(a, &m, 0));
    printf("flags %s\n", m.msg_flags & MSG_TRUNC ? "MSG_TRUNC" : "-");
    CHECK(recv(a, buf, sizeof buf, MSG_DONTWAIT));

    /* send without an address on an unconnected socket; bad addresses */
    CHECK(send(b, "x", 1, 0));
    struct sockaddr_in zero = sin4("127.0.0.1", 0);
    CHECK(sendto(b, "x", 1, 0, SA(zero), sizeof zero));
    CHECK(sendto(b, "x", 1, 0, SA(aa), 8));
    struct sockaddr_in6 six = sin6("::1", 20031);
    CHECK(sendto(b, "x", 1, 0, SA(six), sizeof six));
    static char big[70000];
    CHECK(sendto(b, big, 65507, 0, SA(aa), sizeof aa));
    CHECK(sendto(b, big, 65508, 0, SA(aa), sizeof aa));
    CHECK(recv(a, big, sizeof big, 0));
    /* unconnected: a closed port is silent */
    struct sockaddr_in nobody = sin4("127.0.0.1", 20039);
    CHECK(sendto(b, "x", 1, 0, SA(nobody), sizeof nobody));
    usleep(20000);
    CHECK(sendto(b, "x", 1, 0, SA(nobody), sizeof nobody));
    show_error("unconnected sender", b);

    /* connected: filter and default destination */
    CHECK(connect(a, SA(aa), sizeof aa) == 0 ? 0 : -1);
    int c = CHECK_OK(socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in ca = sin4("127.0.0.1", 20032);
    CHECK(bind(c, SA(ca), sizeof ca));
    CHECK(connect(c, SA(aa), sizeof aa));
    peername("connected", c);
    CHECK(send(c, "to a", 4, 0));
    usleep(20000);
    CHECK(recv(a, buf, sizeof buf, MSG_DONTWAIT)); /* a is connected to itself: filtered */
    CHECK(connect(a, SA(ca), sizeof ca));
    CHECK(send(c, "to a", 4, 0));
    CHECK(sendto(b, "from b", 6, 0, SA(aa), sizeof aa));
    usleep(20000);
    memset(buf, 0, sizeof buf);
    CHECK(recv(a, buf, sizeof buf, MSG_DONTWAIT));
    printf("a got '%s'\n", buf);
    CHECK(recv(a, buf, sizeof buf, MSG_DONTWAIT));

    /* AF_UNSPEC disconnects */
    struct sockaddr unspec = { .sa_family = AF_UNSPEC };
    CHECK(connect(a, &unspec, sizeof unspec));
    peername("disconnected", a);
    sockname("disconnected keeps its bind", a);
    CHECK(sendto(b, "again", 5, 0, SA(aa), sizeof aa));
    CHECK(recv(a, buf, sizeof buf, 0));
    int d = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(connect(d, SA(aa), sizeof aa));
    sockname("connect autobinds", d);
    CHECK(connect(d, &unspec, sizeof unspec));
    sockname("disconnect unbinds", d);
    close(d);

    /* connected to a closed port: ECONNREFUSED on the next call */
    int e = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(connect(e, SA(nobody), sizeof nobody));
    CHECK(send(e, "x", 1, 0));
    usleep(20000);
    show_poll("refused", e, 0);
    CHECK(send(e, "x", 1, 0));
    CHECK(send(e, "x", 1, 0));
    usleep(20000);
    CHECK(recv(e, buf, sizeof buf, MSG_DONTWAIT));
    CHECK(recv(e, buf, sizeof buf, MSG_DONTWAIT));
    CHECK(send(e, "x", 1, 0));
    usleep(20000);
    show_error("refused", e);
    show_error("refused", e);
    close(e);

    /* options */
    int one = 1;
    CHECK(setsockopt(b, SOL_SOCKET, SO_BROADCAST, &one, sizeof one));
    printf("SO_BROADCAST %d SO_SNDBUF %d SO_RCVBUF %d\n", sockopt_int(b, SOL_SOCKET, SO_BROADCAST),
           sockopt_int(b, SOL_SOCKET, SO_SNDBUF), sockopt_int(b, SOL_SOCKET, SO_RCVBUF));
    printf("SO_TYPE %d SO_PROTOCOL %d IP_MULTICAST_TTL %d IP_MULTICAST_LOOP %d\n", sockopt_int(b, SOL_SOCKET, SO_TYPE),
           sockopt_int(b, SOL_SOCKET, SO_PROTOCOL), sockopt_int(b, IPPROTO_IP, IP_MULTICAST_TTL),
           sockopt_int(b, IPPROTO_IP, IP_MULTICAST_LOOP));
    CHECK(setsockopt(b, IPPROTO_IP, IP_PKTINFO, &one, sizeof one));
    CHECK(setsockopt(b, IPPROTO_IP, IP_RECVERR, &one, sizeof one));
    printf("TCP_NODELAY on udp %d\n", sockopt_int(b, IPPROTO_TCP, TCP_NODELAY));
    CHECK(setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    printf("IP_MTU unconnected %d, connected %d\n", sockopt_int(b, IPPROTO_IP, IP_MTU), sockopt_int(c, IPPROTO_IP, IP_MTU));

    /* shutdown */
    CHECK(shutdown(b, SHUT_RD));
    show_poll("unconnected after SHUT_RD", b, 0);
    CHECK(recv(b, buf, sizeof buf, 0));
    CHECK(shutdown(c, SHUT_WR));
    CHECK(send(c, "x", 1, MSG_NOSIGNAL));
    show_poll("connected after SHUT_WR", c, 0);

    /* port conflicts */
    int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(bind(u1, SA(aa), sizeof aa));
    CHECK(setsockopt(u1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    CHECK(setsockopt(u2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    close(a);
    struct sockaddr_in ua = sin4("127.0.0.1", 20033);
    CHECK(bind(u1, SA(ua), sizeof ua));
    int u3 = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(bind(u3, SA(ua), sizeof ua));
    CHECK(setsockopt(u3, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    CHECK(bind(u3, SA(ua), sizeof ua));
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(bind(tcp, SA(ua), sizeof ua));
    close(tcp);
    close(u1);
    close(u2);
    close(u3);
    close(b);
    close(c);

    /* IPv6 and v4-mapped */
    int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 any6 = sin6("::", 20034);
    CHECK(bind(s6, SA(any6), sizeof any6));
    int s4 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to4 = sin4("127.0.0.1", 20034);
    CHECK(sendto(s4, "v4", 2, 0, SA(to4), sizeof to4));
    flen = sizeof from;
    CHECK(recvfrom(s6, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen));
    show_addr("v4 sender seen by v6", &from, flen);
    /* reply to the mapped address, and with a plain sockaddr_in */
    CHECK(sendto(s6, "r1", 2, 0, (struct sockaddr *)&from, flen));
    struct sockaddr_in back = sin4("127.0.0.1", local_port(s4));
    CHECK(sendto(s6, "r2", 2, 0, SA(back), sizeof back));
    flen = sizeof from;
    CHECK(recvfrom(s4, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen));
    show_addr("v6 sender seen by v4", &from, flen);
    CHECK(recv(s4, buf, sizeof buf, 0));
    int c6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 lo6 = sin6("::1", 20034);
    CHECK(sendto(c6, "v6", 2, 0, SA(lo6), sizeof lo6));
    flen = sizeof from;
    CHECK(recvfrom(s6, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen));
    show_addr("v6 sender", &from, flen);
    CHECK(connect(c6, SA(lo6), sizeof lo6));
    peername("v6 connected", c6);
    sockname("v6 connected", c6);
    CHECK(connect(c6, SA(to4), sizeof to4));
    peername("v6 connected to sockaddr_in", c6);
    close(c6);
    close(s4);
    close(s6);
    return 0;
}
