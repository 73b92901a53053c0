/* TCP connect outcomes: refused (blocking and not), non-blocking connect to a
 * listener (EINPROGRESS, POLLOUT, SO_ERROR, repeats), unreachable and
 * unavailable addresses, socket(2) argument errors, calls in wrong states. */
#include "net_common.h"

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in closed = sin4("127.0.0.1", 20011);

    /* blocking connect to a closed port */
    int c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(connect(c, SA(closed), sizeof closed));
    show_error("after refused", c);
    sockname("after refused", c);
    show_poll("after refused", c, 0);
    CHECK(connect(c, SA(closed), sizeof closed));
    close(c);

    /* non-blocking connect to a closed port */
    c = CHECK_OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    CHECK(connect(c, SA(closed), sizeof closed));
    show_poll("nb refused", c, 1000);
    show_error("nb refused", c);
    show_error("nb refused again", c);
    CHECK(connect(c, SA(closed), sizeof closed));
    close(c);

    c = CHECK_OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    CHECK(connect(c, SA(closed), sizeof closed));
    show_poll("nb refused 2", c, 1000);
    CHECK(connect(c, SA(closed), sizeof closed));
    show_error("after second connect", c);
    close(c);

    /* non-blocking connect to a listener */
    int l = tcp_listener(20012, 4);
    struct sockaddr_in la = sin4("127.0.0.1", 20012);
    c = CHECK_OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    CHECK(connect(c, SA(la), sizeof la));
    show_poll("nb connecting", c, 1000);
    show_error("nb connected", c);
    CHECK(connect(c, SA(la), sizeof la));
    CHECK(connect(c, SA(la), sizeof la));
    peername("nb connected", c);
    int s = CHECK_OK(accept(l, NULL, NULL));
    close(s);
    close(c);

    /* connect to 0.0.0.0 reaches this host */
    c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in any = sin4("0.0.0.0", 20012);
    CHECK(connect(c, SA(any), sizeof any));
    peername("to 0.0.0.0", c);
    sockname("to 0.0.0.0", c);
    s = CHECK_OK(accept(l, NULL, NULL));
    sockname("accepted via 0.0.0.0", s);
    close(s);
    close(c);

    /* connect from a socket bound to another loopback address */
    c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in src = sin4("127.0.0.2", 20013);
    CHECK(bind(c, SA(src), sizeof src));
    CHECK(connect(c, SA(la), sizeof la));
    struct sockaddr_storage ps;
    socklen_t pl = sizeof ps;
    s = CHECK_OK(accept(l, (struct sockaddr *)&ps, &pl));
    show_addr("peer bound", &ps, pl);
    close(s);
    close(c);

    /* a listener bound to 127.0.0.3 only is not reached through 127.0.0.1 */
    int l3 = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a3 = sin4("127.0.0.3", 20014);
    CHECK(bind(l3, SA(a3), sizeof a3));
    CHECK(listen(l3, 1));
    c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a1 = sin4("127.0.0.1", 20014);
    CHECK(connect(c, SA(a1), sizeof a1));
    close(c);
    c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(connect(c, SA(a3), sizeof a3));
    close(c);
    close(l3);

    /* unreachable / unavailable */
    c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in far = sin4("192.0.2.77", 80);
    CHECK(bind(c, SA(far), sizeof far));
    struct sockaddr_in low = sin4("127.0.0.1", 80);
    CHECK(bind(c, SA(low), sizeof low) == 0 || errno == EACCES);
    close(c);

    /* address argument errors */
    c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(connect(c, SA(la), 8));
    struct sockaddr_in6 six = sin6("::1", 20012);
    CHECK(connect(c, SA(six), sizeof six));
    CHECK(bind(c, SA(six), sizeof six));
    CHECK(bind(c, SA(la), 4));
    struct sockaddr_in unspec = sin4("0.0.0.0", 0);
    unspec.sin_family = AF_UNSPEC;
    CHECK(bind(c, SA(unspec), sizeof unspec));
    sockname("bound AF_UNSPEC any", c);
    close(c);

    /* wrong states */
    c = CHECK_OK(socket(AF_INET, SOCK_STREAM, 0));
    char b[4];
    CHECK(accept(c, NULL, NULL));
    CHECK(recv(c, b, sizeof b, MSG_DONTWAIT));
    CHECK(send(c, "x", 1, 0));
    CHECK(shutdown(c, SHUT_RDWR));
    show_poll("unconnected after shutdown", c, 0);
    CHECK(recv(l, b, sizeof b, MSG_DONTWAIT));
    CHECK(connect(l, SA(la), sizeof la));
    close(c);
    int a, s3;
    tcp_pair(&a, &s3);
    CHECK(listen(a, 1));
    CHECK(bind(a, SA(la), sizeof la));
    close(a);
    close(s3);
    close(l);

    /* socket(2) arguments */
    CHECK(socket(AF_INET, SOCK_SEQPACKET, 0));
    CHECK(socket(AF_INET6, SOCK_SEQPACKET, 0));
    CHECK(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    CHECK(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
    CHECK(socket(AF_INET, SOCK_RDM, 0));
    CHECK(socket(AF_INET6, SOCK_STREAM, 99));
    CHECK_OK(socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
    CHECK_OK(socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP));
    return 0;
}
