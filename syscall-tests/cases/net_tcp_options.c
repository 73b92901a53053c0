/* Socket options of TCP sockets: SOL_SOCKET defaults and limits, SOL_TCP
 * (NODELAY, CORK, MAXSEG, keepalive, USER_TIMEOUT, CONGESTION, INFO),
 * IPPROTO_IP / IPPROTO_IPV6, and the errors of wrong levels. */
#include "net_common.h"
#include <linux/capability.h>

#define GET(fd, level, name) printf("%s = %d\n", #name, sockopt_int(fd, level, name))
#define SET(fd, level, name, v) ({ int _v = (v); CHECK(setsockopt(fd, level, name, &_v, sizeof _v)); })

int main(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    GET(s, SOL_SOCKET, SO_SNDBUF);
    GET(s, SOL_SOCKET, SO_RCVBUF);
    GET(s, SOL_SOCKET, SO_TYPE);
    GET(s, SOL_SOCKET, SO_PROTOCOL);
    GET(s, SOL_SOCKET, SO_DOMAIN);
    GET(s, SOL_SOCKET, SO_KEEPALIVE);
    GET(s, SOL_SOCKET, SO_REUSEADDR);
    GET(s, SOL_SOCKET, SO_ACCEPTCONN);
    SET(s, SOL_SOCKET, SO_SNDBUF, 65536);
    GET(s, SOL_SOCKET, SO_SNDBUF);
    SET(s, SOL_SOCKET, SO_RCVBUF, 1);
    GET(s, SOL_SOCKET, SO_RCVBUF);
    SET(s, SOL_SOCKET, SO_KEEPALIVE, 1);
    GET(s, SOL_SOCKET, SO_KEEPALIVE);

    GET(s, IPPROTO_TCP, TCP_NODELAY);
    SET(s, IPPROTO_TCP, TCP_NODELAY, 1);
    GET(s, IPPROTO_TCP, TCP_NODELAY);
    GET(s, IPPROTO_TCP, TCP_CORK);
    SET(s, IPPROTO_TCP, TCP_CORK, 1);
    GET(s, IPPROTO_TCP, TCP_CORK);
    SET(s, IPPROTO_TCP, TCP_CORK, 0);
    GET(s, IPPROTO_TCP, TCP_MAXSEG);
    SET(s, IPPROTO_TCP, TCP_MAXSEG, 10);
    SET(s, IPPROTO_TCP, TCP_MAXSEG, 1200);
    GET(s, IPPROTO_TCP, TCP_MAXSEG);
    GET(s, IPPROTO_TCP, TCP_KEEPIDLE);
    GET(s, IPPROTO_TCP, TCP_KEEPINTVL);
    GET(s, IPPROTO_TCP, TCP_KEEPCNT);
    SET(s, IPPROTO_TCP, TCP_KEEPIDLE, 30);
    SET(s, IPPROTO_TCP, TCP_KEEPINTVL, 5);
    SET(s, IPPROTO_TCP, TCP_KEEPCNT, 3);
    SET(s, IPPROTO_TCP, TCP_KEEPIDLE, 0);
    SET(s, IPPROTO_TCP, TCP_KEEPCNT, 1000);
    GET(s, IPPROTO_TCP, TCP_KEEPIDLE);
    GET(s, IPPROTO_TCP, TCP_KEEPINTVL);
    GET(s, IPPROTO_TCP, TCP_KEEPCNT);
    GET(s, IPPROTO_TCP, TCP_USER_TIMEOUT);
    SET(s, IPPROTO_TCP, TCP_USER_TIMEOUT, 5000);
    SET(s, IPPROTO_TCP, TCP_USER_TIMEOUT, -1);
    GET(s, IPPROTO_TCP, TCP_USER_TIMEOUT);
    GET(s, IPPROTO_TCP, TCP_SYNCNT);
    GET(s, IPPROTO_TCP, TCP_LINGER2);
    GET(s, IPPROTO_TCP, TCP_QUICKACK);
    CHECK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, "", 0));
    CHECK(setsockopt(s, IPPROTO_TCP, 9999, &s, sizeof s));
    GET(s, IPPROTO_TCP, 9999);

    char cc[32];
    CHECK(setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5));
    memset(cc, 'x', sizeof cc);
    socklen_t len = sizeof cc;
    CHECK(getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, cc, &len));
    printf("congestion '%s' len %d\n", cc, (int)len);
    CHECK(setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "nosuch", 6));
    CHECK(setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
    len = 4;
    memset(cc, 0, sizeof cc);
    CHECK(getsockopt(s, IPPROTO_TCP, TCP_CONGESTION, cc, &len));
    printf("congestion '%s' len %d\n", cc, (int)len);

    struct linger lg = { 1, 7 };
    CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    memset(&lg, 0, sizeof lg);
    len = sizeof lg;
    CHECK(getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &len));
    printf("linger %d %d\n", lg.l_onoff, lg.l_linger);

    GET(s, IPPROTO_IP, IP_TTL);
    SET(s, IPPROTO_IP, IP_TTL, 7);
    GET(s, IPPROTO_IP, IP_TTL);
    SET(s, IPPROTO_IP, IP_TTL, 0);
    SET(s, IPPROTO_IP, IP_TTL, -1);
    GET(s, IPPROTO_IP, IP_TTL);
    GET(s, IPPROTO_IP, IP_TOS);
    SET(s, IPPROTO_IP, IP_TOS, 0x10);
    GET(s, IPPROTO_IP, IP_TOS);
    SET(s, IPPROTO_IP, IP_TOS, 0x13);
    GET(s, IPPROTO_IP, IP_TOS);
    SET(s, IPPROTO_IP, IP_RECVERR, 1);
    GET(s, IPPROTO_IP, IP_RECVERR);
    SET(s, IPPROTO_IP, IP_PKTINFO, 1);
    GET(s, IPPROTO_IP, IP_PKTINFO);
    GET(s, IPPROTO_IP, IP_MTU);
    GET(s, IPPROTO_IP, IP_MTU_DISCOVER);
    GET(s, IPPROTO_IP, IP_MULTICAST_TTL);
    GET(s, IPPROTO_IP, IP_MULTICAST_LOOP);
    GET(s, IPPROTO_IPV6, IPV6_V6ONLY);
    SET(s, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    GET(s, 99, 1);
    SET(s, 99, 1, 1);
    GET(s, IPPROTO_UDP, 1);

    /* connected: MSS, MTU, TCP_INFO */
    int c, a;
    tcp_pair(&c, &a);
    GET(c, IPPROTO_TCP, TCP_MAXSEG);
    GET(c, IPPROTO_IP, IP_MTU);
    struct tcp_info ti;
    memset(&ti, 0, sizeof ti);
    len = sizeof ti;
    CHECK(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
    printf("tcp_info len %d state %d snd_mss %u\n", (int)len, ti.tcpi_state, ti.tcpi_snd_mss);
    len = 1;
    CHECK(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
    printf("short len %d\n", (int)len);
    GET(a, SOL_SOCKET, SO_KEEPALIVE);
    GET(a, IPPROTO_TCP, TCP_NODELAY);
    close(c);
    close(a);

    /* options an accepted socket inherits from its listener */
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in la = sin4("127.0.0.1", 0);
    bind(l, SA(la), sizeof la);
    SET(l, SOL_SOCKET, SO_KEEPALIVE, 1);
    SET(l, IPPROTO_TCP, TCP_NODELAY, 1);
    SET(l, IPPROTO_TCP, TCP_KEEPIDLE, 42);
    SET(l, SOL_SOCKET, SO_RCVBUF, 50000);
    listen(l, 1);
    la = sin4("127.0.0.1", local_port(l));
    c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, SA(la), sizeof la);
    a = accept(l, NULL, NULL);
    GET(a, SOL_SOCKET, SO_KEEPALIVE);
    GET(a, IPPROTO_TCP, TCP_NODELAY);
    GET(a, IPPROTO_TCP, TCP_KEEPIDLE);
    GET(a, SOL_SOCKET, SO_RCVBUF);
    close(a);
    close(c);
    close(l);

    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    GET(s6, IPPROTO_IPV6, IPV6_V6ONLY);
    GET(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
    SET(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 300);
    SET(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 9);
    GET(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
    GET(s6, IPPROTO_IPV6, IPV6_TCLASS);
    GET(s6, IPPROTO_IP, IP_TOS);
    GET(s6, IPPROTO_IPV6, IPV6_MTU);
    GET(s6, SOL_SOCKET, SO_DOMAIN);
    SET(s6, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    GET(s6, IPPROTO_IPV6, IPV6_V6ONLY);
    struct sockaddr_in6 a6 = sin6("::1", 0);
    CHECK(bind(s6, SA(a6), sizeof a6));
    SET(s6, IPPROTO_IPV6, IPV6_V6ONLY, 0);
    GET(s6, IPPROTO_IPV6, 9999);
    close(s6);

    /* SOL_SOCKET options Unix sockets own */
    struct ucred uc;
    memset(&uc, 0x55, sizeof uc);
    len = sizeof uc;
    CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &uc, &len));
    printf("peercred %d %d %d len %d\n", uc.pid, (int)uc.uid, (int)uc.gid, (int)len);
    len = sizeof cc;
    CHECK(getsockopt(s, SOL_SOCKET, SO_PEERNAME, cc, &len));
    GET(s, SOL_SOCKET, SO_PASSCRED);
    CHECK(setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3));
    CHECK(setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "eth9", 5));
    CHECK(recv(s, cc, 1, MSG_ERRQUEUE | MSG_DONTWAIT));
    CHECK(recv(s, cc, 1, MSG_OOB | MSG_DONTWAIT));
    tcp_pair(&c, &a);
    struct sockaddr_storage pn;
    memset(&pn, 0, sizeof pn);
    len = sizeof(struct sockaddr_in); /* Linux wants no more room than the address takes */
    CHECK(getsockopt(c, SOL_SOCKET, SO_PEERNAME, &pn, &len));
    show_addr("SO_PEERNAME", &pn, len);
    close(c);
    close(a);
    close(s);

    /* raw sockets need CAP_NET_RAW (and are not served by the sandbox) */
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    CHECK(syscall(SYS_capget, &h, d));
    d[0].effective &= ~(1u << CAP_NET_RAW);
    CHECK(syscall(SYS_capset, &h, d));
    CHECK(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
    CHECK(socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6));
    CHECK(socket(AF_INET, SOCK_RAW, IPPROTO_RAW));
    CHECK(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
    return 0;
}
