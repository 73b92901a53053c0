/* Datagram sockets: truncation (MSG_TRUNC out and in), zero-length datagrams, sendto a bound path, connected
 * rules (EPERM, ECONNREFUSED then ENOTCONN), queue full (EAGAIN), EMSGSIZE, the sender's address. */
#include "net_unix_common.h"
#include <poll.h>
#include <sys/uio.h>
#include <sys/ioctl.h>

int main(void)
{
    const char *dir = scratch_path("unixdgram");
    mkdir(dir, 0777);
    if (chdir(dir) < 0)
        return 1;
    char buf[256];
    socklen_t la, lb, lc, gl;
    struct sockaddr_un A = path_addr("A", &la), B = path_addr("B", &lb), C = path_addr("C", &lc), got;
    int a = socket(AF_UNIX, SOCK_DGRAM, 0), b = socket(AF_UNIX, SOCK_DGRAM, 0), c = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(bind(a, (struct sockaddr *)&A, la));
    CHECK(bind(b, (struct sockaddr *)&B, lb));
    CHECK(bind(c, (struct sockaddr *)&C, lc));

    printf("== sendto a path\n");
    CHECK(sendto(b, "hello", 5, 0, (struct sockaddr *)&A, la));
    gl = sizeof got;
    CHECK(recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&got, &gl));
    show_addr("from", &got, gl);
    CHECK(send(b, "x", 1, 0));
    CHECK(write(b, "x", 1));
    CHECK(sendto(b, "x", 1, 0, NULL, 0));
    CHECK(getpeername(b, (struct sockaddr *)&got, &gl));

    printf("== truncation\n");
    CHECK(sendto(b, "0123456789", 10, 0, (struct sockaddr *)&A, la));
    CHECK(recv(a, buf, 4, MSG_PEEK));
    CHECK(recv(a, buf, 4, MSG_PEEK | MSG_TRUNC));
    struct iovec iov = {buf, 4};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    CHECK(recvmsg(a, &m, 0));
    printf("flags=%#x data=%.4s\n", m.msg_flags, buf);
    CHECK(recv(a, buf, 4, MSG_DONTWAIT));
    CHECK(sendto(b, "0123456789", 10, 0, (struct sockaddr *)&A, la));
    CHECK(recv(a, buf, 3, MSG_TRUNC));
    CHECK(sendto(b, "0123456789", 10, 0, (struct sockaddr *)&A, la));
    CHECK(recv(a, NULL, 0, MSG_TRUNC));

    printf("== zero-length datagrams\n");
    CHECK(sendto(b, "", 0, 0, (struct sockaddr *)&A, la));
    CHECK(sendto(b, NULL, 0, 0, (struct sockaddr *)&A, la));
    int n = -1;
    CHECK(ioctl(a, FIONREAD, &n));
    printf("FIONREAD=%d\n", n);
    struct pollfd pf = {a, POLLIN, 0};
    CHECK(poll(&pf, 1, 0));
    CHECK(recv(a, buf, sizeof buf, 0));
    CHECK(recv(a, buf, sizeof buf, 0));
    CHECK(recv(a, buf, sizeof buf, MSG_DONTWAIT));

    printf("== connected datagrams\n");
    CHECK(connect(b, (struct sockaddr *)&A, la));
    gl = sizeof got;
    CHECK(getpeername(b, (struct sockaddr *)&got, &gl));
    show_addr("peer", &got, gl);
    CHECK(send(b, "to A", 4, 0));
    CHECK(sendto(b, "to C", 4, 0, (struct sockaddr *)&C, lc));
    gl = sizeof got;
    CHECK(recvfrom(c, buf, sizeof buf, 0, (struct sockaddr *)&got, &gl));
    show_addr("c got from", &got, gl);
    CHECK(recv(a, buf, sizeof buf, 0));
    /* a connected to c: b may no longer send to a (EPERM); c may. */
    CHECK(connect(a, (struct sockaddr *)&C, lc));
    CHECK(send(b, "no", 2, 0));
    CHECK(sendto(b, "no", 2, 0, (struct sockaddr *)&A, la));
    CHECK(sendto(c, "yes", 3, 0, (struct sockaddr *)&A, la));
    CHECK(recv(a, buf, sizeof buf, 0));
    /* A connected socket only receives from its peer: datagrams queued earlier stay. */
    /* Disconnect with AF_UNSPEC. */
    struct sockaddr un = {.sa_family = AF_UNSPEC};
    CHECK(connect(a, &un, sizeof un));
    CHECK(getpeername(a, (struct sockaddr *)&got, &gl));
    CHECK(send(b, "again", 5, 0));
    CHECK(recv(a, buf, sizeof buf, 0));
    /* The peer closes: ECONNREFUSED once, then ENOTCONN. */
    int d = socket(AF_UNIX, SOCK_DGRAM, 0), e = socket(AF_UNIX, SOCK_DGRAM, 0);
    socklen_t ld;
    struct sockaddr_un D = path_addr("D", &ld);
    CHECK(bind(d, (struct sockaddr *)&D, ld));
    CHECK(connect(e, (struct sockaddr *)&D, ld));
    CHECK(send(e, "q", 1, 0));
    close(d);
    struct pollfd pe = {e, POLLIN | POLLOUT, 0};
    CHECK(poll(&pe, 1, 0));
    printf("after peer close revents=%#x\n", pe.revents);
    CHECK(send(e, "q", 1, 0));
    CHECK(send(e, "q", 1, 0));
    CHECK(getpeername(e, (struct sockaddr *)&got, &gl));
    CHECK(sendto(e, "q", 1, 0, (struct sockaddr *)&D, ld));
    /* Connect to a path nobody is bound to anymore, or to a stream socket. */
    CHECK(connect(e, (struct sockaddr *)&D, ld));
    int st = socket(AF_UNIX, SOCK_STREAM, 0);
    socklen_t ls;
    struct sockaddr_un S = path_addr("S", &ls);
    CHECK(bind(st, (struct sockaddr *)&S, ls));
    CHECK(connect(e, (struct sockaddr *)&S, ls));
    CHECK(sendto(e, "q", 1, 0, (struct sockaddr *)&S, ls));
    CHECK(listen(e, 1));
    CHECK(accept(e, NULL, NULL));

    printf("== queue full\n");
    int f = socket(AF_UNIX, SOCK_DGRAM, 0), g = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    socklen_t lf;
    struct sockaddr_un F = path_addr("F", &lf);
    CHECK(bind(f, (struct sockaddr *)&F, lf));
    int sent = 0;
    while (sendto(g, "m", 1, 0, (struct sockaddr *)&F, lf) == 1 && sent < 10000)
        sent++;
    printf("sent %d then %s\n", sent, errname(errno));
    struct pollfd pg = {g, POLLOUT, 0};
    CHECK(poll(&pg, 1, 0));
    CHECK(recv(f, buf, sizeof buf, 0));
    CHECK(sendto(g, "m", 1, 0, (struct sockaddr *)&F, lf));
    CHECK(sendto(g, "m", 1, 0, (struct sockaddr *)&F, lf));
    /* A receiver connected back to the sender is not limited by the queue length. */
    int h = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    socklen_t lh;
    struct sockaddr_un H = path_addr("H", &lh);
    CHECK(bind(h, (struct sockaddr *)&H, lh));
    int k = socket(AF_UNIX, SOCK_DGRAM, 0);
    socklen_t lk;
    struct sockaddr_un K = path_addr("K", &lk);
    CHECK(bind(k, (struct sockaddr *)&K, lk));
    CHECK(connect(k, (struct sockaddr *)&H, lh));
    CHECK(connect(h, (struct sockaddr *)&K, lk));
    sent = 0;
    while (send(h, "m", 1, 0) == 1 && sent < 100)
        sent++;
    printf("connected-back sender: sent %d\n", sent);
    /* A socketpair too. */
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv);
    sent = 0;
    while (send(sv[0], "m", 1, 0) == 1 && sent < 100)
        sent++;
    printf("socketpair: sent %d\n", sent);
    /* Large datagrams fill the send buffer. */
    static char big[65536];
    int sv2[2];
    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv2);
    sent = 0;
    while (send(sv2[0], big, sizeof big, 0) > 0 && sent < 100)
        sent++;
    printf("64K datagrams: sent %d then %s\n", sent, errname(errno));
    CHECK(send(sv2[0], big, 300000, 0));
    CHECK(recv(sv2[1], big, sizeof big, 0));
    CHECK(send(sv2[0], big, sizeof big, 0));

    printf("== unbound and bad addresses\n");
    int u = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(send(u, "x", 1, 0));
    CHECK(recv(u, buf, 1, MSG_DONTWAIT));
    CHECK(sendto(u, "x", 1, 0, (struct sockaddr *)&A, 1));
    CHECK(sendto(u, "x", 1, 0, (struct sockaddr *)8, la));
    struct sockaddr_un Z = path_addr("Z", &lc);
    CHECK(sendto(u, "x", 1, 0, (struct sockaddr *)&Z, lc));
    CHECK(sendto(u, "x", 1, MSG_OOB, (struct sockaddr *)&A, la));
    CHECK(recv(u, buf, 1, MSG_OOB));
    CHECK(listen(u, 1));
    /* recvfrom with a short address buffer: the full length comes back. */
    CHECK(sendto(b, "s", 1, 0, (struct sockaddr *)&C, lc));
    gl = 3;
    CHECK(recvfrom(c, buf, sizeof buf, 0, (struct sockaddr *)&got, &gl));
    printf("short name len=%d\n", (int)gl);
    CHECK(sendto(b, "s", 1, 0, (struct sockaddr *)&C, lc));
    CHECK(recvfrom(c, buf, sizeof buf, 0, (struct sockaddr *)8, &gl));
    CHECK(recv(c, buf, sizeof buf, MSG_DONTWAIT));
    const char *names[] = {"A", "B", "C", "D", "S", "F", "H", "K"};
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
        unlink(names[i]);
    if (chdir("/") == 0)
        rmdir(dir);
    SHOW(access(dir, F_OK) != 0);
    return 0;
}
