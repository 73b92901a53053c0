/* AF_NETLINK sockets of NETLINK_ROUTE: types and protocols, bind and port ids, sendto the kernel, message
 * boundaries with MSG_PEEK and MSG_TRUNC, acks and errors (echoed requests), requests batched in one send,
 * SOL_NETLINK options, poll, changes without CAP_NET_ADMIN, and unicast between sockets. */
#include "net_netlink.h"

static int getint(int fd, int level, int name)
{
    int v = -1;
    socklen_t l = sizeof v;
    if (getsockopt(fd, level, name, &v, &l) != 0)
        return -errno;
    return v;
}

static void sockets(void)
{
    printf("-- sockets\n");
    int fd;
    CHECK_OK(fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
    close(fd);
    CHECK_OK(fd = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE));
    printf("type %d protocol %d domain %d\n", getint(fd, SOL_SOCKET, SO_TYPE), getint(fd, SOL_SOCKET, SO_PROTOCOL),
           getint(fd, SOL_SOCKET, SO_DOMAIN));
    close(fd);
    CHECK(socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE));
    CHECK(socket(AF_NETLINK, SOCK_SEQPACKET, NETLINK_ROUTE));
    CHECK(socket(AF_NETLINK, SOCK_RAW, 3 /* NETLINK_FIREWALL: gone */));
    CHECK(socket(AF_NETLINK, SOCK_RAW, 32 /* MAX_LINKS */));
    CHECK(socket(AF_NETLINK, SOCK_RAW, -1));
}

static void binding(void)
{
    printf("-- bind\n");
    int a = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    socklen_t l = sizeof sa;
    CHECK(getsockname(a, (void *)&sa, &l));
    printf("unbound: len %d family %d pid %u\n", l, sa.nl_family, sa.nl_pid);
    CHECK(bind(a, (void *)&sa, sizeof sa - 1));
    sa.nl_family = AF_UNIX;
    CHECK(bind(a, (void *)&sa, sizeof sa));
    sa.nl_family = AF_NETLINK;
    CHECK(bind(a, (void *)&sa, sizeof sa));
    SHOW(port_of(a) == (unsigned)getpid());
    CHECK(bind(a, (void *)&sa, sizeof sa)); /* again, pid 0: keeps its port */
    sa.nl_pid = 4242;
    CHECK(bind(a, (void *)&sa, sizeof sa)); /* another port: EINVAL */
    int b = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    sa.nl_pid = 0;
    CHECK(bind(b, (void *)&sa, sizeof sa));
    SHOW((int)port_of(b) < 0); /* the tgid is taken: a negative id */
    int c = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), d = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    sa.nl_pid = 777777;
    CHECK(bind(c, (void *)&sa, sizeof sa));
    printf("c port %u\n", port_of(c));
    CHECK(bind(d, (void *)&sa, sizeof sa));
    sa.nl_groups = RTMGRP_LINK;
    sa.nl_pid = 0;
    CHECK(bind(d, (void *)&sa, sizeof sa)); /* groups only */
    l = sizeof sa;
    getsockname(d, (void *)&sa, &l);
    printf("d groups %#x\n", sa.nl_groups);
    struct sockaddr_nl peer;
    l = sizeof peer;
    CHECK(getpeername(d, (void *)&peer, &l));
    printf("peer len %d pid %u groups %u\n", l, peer.nl_pid, peer.nl_groups);
    close(c);
    sa.nl_pid = 777777;
    sa.nl_groups = 0;
    CHECK(bind(d, (void *)&sa, sizeof sa)); /* d is bound already (autobound by its group bind) */
    int e = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    CHECK(bind(e, (void *)&sa, sizeof sa)); /* c's port is free again */
    close(a), close(b), close(d), close(e);
}

static void boundaries(void)
{
    printf("-- boundaries\n");
    int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    struct nlreq r;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    int len = mkreq(&r, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 5, AF_INET, sizeof(struct ifaddrmsg));
    /* sendto the kernel autobinds */
    CHECK(sendto(fd, &r, len, 0, (void *)&kernel, sizeof kernel) == len);
    SHOW(port_of(fd) == (unsigned)getpid());
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    CHECK(poll(&p, 1, 0));
    printf("revents %#x\n", p.revents);
    char small[8];
    struct iovec iov = {NULL, 0};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    CHECK(recvmsg(fd, &m, MSG_PEEK | MSG_TRUNC)); /* the whole datagram's length */
    printf("flags %#x\n", m.msg_flags);
    CHECK(recv(fd, small, sizeof small, MSG_PEEK));
    CHECK(recv(fd, small, sizeof small, MSG_TRUNC)); /* consumed, whole length */
    iov.iov_base = small;
    iov.iov_len = sizeof small;
    struct sockaddr_nl from;
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    CHECK(recvmsg(fd, &m, 0)); /* NLMSG_DONE, truncated to 8 */
    printf("flags %#x namelen %d pid %u type %d\n", m.msg_flags, m.msg_namelen, from.nl_pid,
           ((struct nlmsghdr *)small)->nlmsg_type);
    CHECK(recv(fd, small, sizeof small, MSG_DONTWAIT));
    p.revents = 0;
    CHECK(poll(&p, 1, 0));
    printf("revents %#x\n", p.revents);
    close(fd);
}

static void acks(void)
{
    printf("-- acks\n");
    int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    unsigned me;
    struct nlreq r;
    int len = mkreq(&r, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, 11, 0, 4);
    CHECK(send(fd, &r, len, 0) == len);
    me = port_of(fd);
    read_replies(fd, 11, me);
    len = mkreq(&r, RTM_GETLINK, NLM_F_ACK, 12, 0, sizeof(struct ifinfomsg)); /* not a request: ignored */
    CHECK(send(fd, &r, len, 0) == len);
    read_replies(fd, 12, me);
    len = mkreq(&r, RTM_GETADDR, NLM_F_REQUEST, 13, 0, sizeof(struct ifaddrmsg)); /* no doit: EOPNOTSUPP */
    CHECK(send(fd, &r, len, 0) == len);
    read_replies(fd, 13, me);
    len = mkreq(&r, 200, NLM_F_REQUEST, 14, 0, 4); /* past RTM_MAX */
    CHECK(send(fd, &r, len, 0) == len);
    read_replies(fd, 14, me);
    len = mkreq(&r, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 15, 0, 0); /* too short for a family: ignored, acked */
    CHECK(send(fd, &r, len, 0) == len);
    read_replies(fd, 15, me);
    /* A failure echoes the whole request, unless NETLINK_CAP_ACK. */
    len = mkreq(&r, RTM_GETLINK, NLM_F_REQUEST, 16, 0, sizeof(struct ifinfomsg));
    ((struct ifinfomsg *)NLMSG_DATA(&r.h))->ifi_index = 4242;
    CHECK(send(fd, &r, len, 0) == len);
    read_replies(fd, 16, me);
    int one = 1;
    CHECK(setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one));
    CHECK(send(fd, &r, len, 0) == len);
    read_replies(fd, 16, me);
    /* Two requests in one send: each answered in turn. */
    struct nlreq two[2];
    int l1 = mkreq(&two[0], RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 17, 0, sizeof(struct ifinfomsg));
    ((struct ifinfomsg *)NLMSG_DATA(&two[0].h))->ifi_index = 1;
    char buf[2 * sizeof(struct nlreq)];
    memcpy(buf, &two[0], l1);
    int l2 = mkreq(&two[1], NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, 18, 0, 4);
    memcpy(buf + l1, &two[1], l2);
    CHECK(send(fd, buf, l1 + l2, 0) == l1 + l2);
    read_replies(fd, 17, me); /* the link, then its ack */
    read_replies(fd, 18, me);
    read_replies(fd, 18, me);
    close(fd);
}

static void options(void)
{
    printf("-- options\n");
    int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), one = 1;
    CHECK(setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one));
    CHECK(setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one));
    CHECK(setsockopt(fd, SOL_NETLINK, NETLINK_PKTINFO, &one, sizeof one));
    CHECK(setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one));
    CHECK(setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, 2));
    CHECK(setsockopt(fd, SOL_NETLINK, 999, &one, sizeof one));
    printf("ext_ack %d strict %d pktinfo %d cap_ack %d\n", getint(fd, SOL_NETLINK, NETLINK_EXT_ACK),
           getint(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK), getint(fd, SOL_NETLINK, NETLINK_PKTINFO),
           getint(fd, SOL_NETLINK, NETLINK_CAP_ACK));
    int g = RTNLGRP_IPV4_IFADDR;
    CHECK(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof g));
    printf("memberships %#x\n", getint(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS));
    CHECK(setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &g, sizeof g));
    printf("memberships %#x\n", getint(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS));
    int v = 4096;
    CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v));
    CHECK(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
    printf("rcvbuf %d sndbuf %d\n", getint(fd, SOL_SOCKET, SO_RCVBUF), getint(fd, SOL_SOCKET, SO_SNDBUF));
    close(fd);
}

/* Changes need CAP_NET_ADMIN; so does sending to another socket. Reading is for everyone. */
static void unprivileged(void)
{
    pid_t p = fork();
    if (p == 0) {
        if (setresuid(65534, 65534, 65534) != 0)
            _exit(1);
        printf("-- unprivileged\n");
        int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
        struct nlreq r;
        static const int types[] = {RTM_NEWADDR, RTM_DELADDR, RTM_NEWLINK, RTM_SETLINK, RTM_DELLINK, RTM_NEWROUTE,
                                    RTM_DELROUTE, RTM_NEWNEIGH, RTM_NEWRULE};
        for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
            int len = mkreq(&r, types[i], NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE, 30 + i, AF_INET, 16);
            CHECK(send(fd, &r, len, 0) == len);
            read_replies(fd, 30 + i, port_of(fd));
        }
        int len = mkreq(&r, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 50, 0, sizeof(struct ifinfomsg));
        struct sockaddr_nl to = {.nl_family = AF_NETLINK, .nl_pid = 1};
        CHECK(sendto(fd, &r, len, 0, (void *)&to, sizeof to));
        to.nl_pid = 0;
        to.nl_groups = RTMGRP_LINK;
        CHECK(sendto(fd, &r, len, 0, (void *)&to, sizeof to));
        CHECK(connect(fd, (void *)&to, sizeof to));
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    printf("child status %d\n", st);
}

static void unicast(void)
{
    printf("-- unicast\n");
    int a = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE), b = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_pid = 900001};
    CHECK(bind(a, (void *)&sa, sizeof sa));
    sa.nl_pid = 900002;
    CHECK(bind(b, (void *)&sa, sizeof sa));
    CHECK(sendto(a, "hello", 5, 0, (void *)&sa, sizeof sa));
    char buf[16] = {0};
    struct sockaddr_nl from;
    socklen_t l = sizeof from;
    CHECK(recvfrom(b, buf, sizeof buf, MSG_DONTWAIT, (void *)&from, &l));
    printf("%s from %u\n", buf, from.nl_pid);
    sa.nl_pid = 900003;
    CHECK(sendto(a, "x", 1, 0, (void *)&sa, sizeof sa));
    CHECK(recv(a, buf, sizeof buf, MSG_DONTWAIT));
    close(a), close(b);
}

#include <pthread.h>

static void *reader(void *arg)
{
    char buf[8192];
    long n = recv(*(int *)arg, buf, sizeof buf, 0); /* blocks until the main thread's request is answered */
    printf("reader woke: %s type %d\n", n > 0 ? "data" : errname(errno), ((struct nlmsghdr *)buf)->nlmsg_type);
    return NULL;
}

/* A blocked receive and a poll wake when a reply arrives. */
static void blocking(void)
{
    printf("-- blocking\n");
    int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    pthread_t th;
    pthread_create(&th, NULL, reader, &fd);
    usleep(100000);
    struct nlreq r;
    int len = mkreq(&r, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, 60, 0, 4);
    long sent = send(fd, &r, len, 0); /* printed after the join: the reader may print first */
    pthread_join(th, NULL);
    SHOW(sent == len);
    struct pollfd p = {fd, POLLIN, 0};
    CHECK(poll(&p, 1, 0));
    CHECK(send(fd, &r, len, 0) == len);
    CHECK(poll(&p, 1, 1000));
    printf("revents %#x\n", p.revents);
    close(fd);
}

int main(void)
{
    fresh_netns();
    sockets();
    binding();
    boundaries();
    acks();
    options();
    unprivileged();
    unicast();
    blocking();
    return 0;
}
