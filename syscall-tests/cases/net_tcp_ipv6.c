/* AF_INET6 TCP: ::1, in6addr_any taking IPv4-mapped connections unless
 * IPV6_V6ONLY, names of mapped peers, and port conflicts between the
 * families (EADDRINUSE, SO_REUSEADDR, listen's second check). */
#include "net_common.h"

int main(void)
{
    char buf[32];
    /* [::]:20021 takes both families */
    int l = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
    int one = 1;
    CHECK(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)); /* no TIME_WAIT of an earlier run in the way */
    struct sockaddr_in6 any = sin6("::", 20021);
    CHECK(bind(l, SA(any), sizeof any));
    CHECK(listen(l, 4));
    sockname("v6 listener", l);

    int c4 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in to4 = sin4("127.0.0.1", 20021);
    CHECK(connect(c4, SA(to4), sizeof to4));
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int s = CHECK_OK(accept(l, (struct sockaddr *)&ss, &len));
    show_addr("v4 peer as seen by v6", &ss, len);
    sockname("v6 accepted (v4)", s);
    peername("v4 client's peer", c4);
    CHECK(write(c4, "four", 4));
    CHECK(read(s, buf, sizeof buf));
    close(c4);
    close(s);

    int c6 = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
    struct sockaddr_in6 to6 = sin6("::1", 20021);
    CHECK(connect(c6, SA(to6), sizeof to6));
    sockname("v6 client", c6);
    peername("v6 client", c6);
    len = sizeof ss;
    s = CHECK_OK(accept(l, (struct sockaddr *)&ss, &len));
    show_addr("v6 peer", &ss, len);
    close(c6);
    close(s);

    /* a v6 socket connecting to a v4-mapped address */
    c6 = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
    struct sockaddr_in6 mapped = sin6("::ffff:127.0.0.1", 20021);
    CHECK(connect(c6, SA(mapped), sizeof mapped));
    sockname("mapped client", c6);
    s = CHECK_OK(accept(l, NULL, NULL));
    close(c6);
    close(s);

    /* the v4 wildcard and the dual-stack v6 wildcard collide */
    int b4 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in any4 = sin4("0.0.0.0", 20021);
    CHECK(bind(b4, SA(any4), sizeof any4));
    struct sockaddr_in lo4 = sin4("127.0.0.1", 20021);
    CHECK(bind(b4, SA(lo4), sizeof lo4));
    close(b4);
    close(l);

    /* IPV6_V6ONLY: the families are apart */
    l = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
    CHECK(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    CHECK(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one));
    any = sin6("::", 20022);
    CHECK(bind(l, SA(any), sizeof any));
    CHECK(listen(l, 4));
    c4 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    to4 = sin4("127.0.0.1", 20022);
    CHECK(connect(c4, SA(to4), sizeof to4));
    close(c4);
    b4 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    any4 = sin4("0.0.0.0", 20022);
    CHECK(bind(b4, SA(any4), sizeof any4));
    close(b4);
    c6 = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
    CHECK(setsockopt(c6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one));
    mapped = sin6("::ffff:127.0.0.1", 20022);
    CHECK(connect(c6, SA(mapped), sizeof mapped));
    CHECK(bind(c6, SA(mapped), sizeof mapped));
    close(c6);
    close(l);

    /* bind errors of AF_INET6 */
    s = CHECK_OK(socket(AF_INET6, SOCK_STREAM, 0));
    struct sockaddr_in6 far = sin6("fd00:1234:5678::9", 20023);
    CHECK(bind(s, SA(far), sizeof far));
    struct sockaddr_in6 mfar = sin6("::ffff:192.0.2.77", 20023);
    CHECK(bind(s, SA(mfar), sizeof mfar));
    CHECK(bind(s, SA(far), 20));
    struct sockaddr_in wrong = sin4("127.0.0.1", 20023);
    CHECK(bind(s, SA(wrong), sizeof wrong));
    CHECK(connect(s, SA(wrong), sizeof wrong));
    struct sockaddr_in6 v6lo = sin6("::1", 20023);
    CHECK(bind(s, SA(v6lo), 24));
    sockname("bound with the RFC 2133 length", s);
    close(s);

    /* SO_REUSEADDR: two bound sockets, only one may listen */
    int r1 = socket(AF_INET, SOCK_STREAM, 0), r2 = socket(AF_INET, SOCK_STREAM, 0), r3 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in ra = sin4("127.0.0.1", 20024);
    CHECK(setsockopt(r1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    CHECK(setsockopt(r2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    CHECK(bind(r1, SA(ra), sizeof ra));
    CHECK(bind(r2, SA(ra), sizeof ra));
    CHECK(bind(r3, SA(ra), sizeof ra));
    CHECK(listen(r1, 1));
    CHECK(listen(r2, 1));
    int r4 = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(setsockopt(r4, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    CHECK(bind(r4, SA(ra), sizeof ra));
    close(r1);
    close(r2);
    close(r3);
    close(r4);

    /* SO_REUSEPORT: both listen */
    r1 = socket(AF_INET, SOCK_STREAM, 0);
    r2 = socket(AF_INET, SOCK_STREAM, 0);
    ra = sin4("127.0.0.1", 20025);
    CHECK(setsockopt(r1, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one));
    CHECK(setsockopt(r2, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one));
    CHECK(bind(r1, SA(ra), sizeof ra));
    CHECK(bind(r2, SA(ra), sizeof ra));
    CHECK(listen(r1, 1));
    CHECK(listen(r2, 1));
    close(r1);
    close(r2);

    /* different addresses on one port */
    r1 = socket(AF_INET, SOCK_STREAM, 0);
    r2 = socket(AF_INET, SOCK_STREAM, 0);
    r3 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in p1 = sin4("127.0.0.1", 20026), p2 = sin4("127.0.0.2", 20026), p0 = sin4("0.0.0.0", 20026);
    CHECK(bind(r1, SA(p1), sizeof p1));
    CHECK(bind(r2, SA(p2), sizeof p2));
    CHECK(bind(r3, SA(p0), sizeof p0));
    close(r1);
    close(r2);
    close(r3);

    /* ephemeral ports: distinct, in range */
    int e1 = socket(AF_INET, SOCK_STREAM, 0), e2 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in z = sin4("127.0.0.1", 0);
    struct sockaddr_in6 z6 = sin6("::1", 0);
    CHECK(bind(e1, SA(z), sizeof z));
    CHECK(bind(e2, SA(z6), sizeof z6));
    sockname("ephemeral v4", e1);
    sockname("ephemeral v6", e2);
    SHOW(local_port(e1) != local_port(e2));
    CHECK(listen(e1, 1));
    int e3 = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(listen(e3, 1));
    sockname("listen autobinds", e3);
    close(e1);
    close(e2);
    close(e3);
    return 0;
}
