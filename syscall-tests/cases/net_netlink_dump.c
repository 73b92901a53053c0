/* NETLINK_ROUTE dumps of a fresh network namespace with lo up: links, addresses, routes, rules, and tables that
 * are empty there (neighbours); the non-dump RTM_GETLINK; the family filters. */
#include "net_netlink.h"

static void dump(int fd, const char *what, int type, int family, int hdrlen)
{
    static unsigned seq = 100;
    struct nlreq r;
    seq++;
    printf("-- %s family %d\n", what, family);
    int len = mkreq(&r, type, NLM_F_REQUEST | NLM_F_DUMP, seq, family, hdrlen);
    CHECK(send(fd, &r, len, 0) == len);
    read_replies(fd, seq, port_of(fd));
}

int main(void)
{
    fresh_netns();
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    struct sockaddr_nl me = {.nl_family = AF_NETLINK};
    CHECK(bind(fd, (void *)&me, sizeof me));
    dump(fd, "links", RTM_GETLINK, AF_UNSPEC, sizeof(struct ifinfomsg));
    dump(fd, "links (rtgenmsg)", RTM_GETLINK, AF_PACKET, sizeof(struct rtgenmsg));
    dump(fd, "addresses", RTM_GETADDR, AF_UNSPEC, sizeof(struct ifaddrmsg));
    dump(fd, "addresses v4", RTM_GETADDR, AF_INET, sizeof(struct ifaddrmsg));
    dump(fd, "addresses v6", RTM_GETADDR, AF_INET6, sizeof(struct ifaddrmsg));
    dump(fd, "routes", RTM_GETROUTE, AF_UNSPEC, sizeof(struct rtmsg));
    dump(fd, "routes v4", RTM_GETROUTE, AF_INET, sizeof(struct rtmsg));
    dump(fd, "routes v6", RTM_GETROUTE, AF_INET6, sizeof(struct rtmsg));
    dump(fd, "rules v4", RTM_GETRULE, AF_INET, sizeof(struct fib_rule_hdr));
    dump(fd, "rules v6", RTM_GETRULE, AF_INET6, sizeof(struct fib_rule_hdr));
    dump(fd, "neighbours", RTM_GETNEIGH, AF_UNSPEC, sizeof(struct ndmsg));

    /* One link by index, and by name, with an ack; a missing one. */
    struct nlreq r;
    int len = mkreq(&r, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 7, AF_UNSPEC, sizeof(struct ifinfomsg));
    ((struct ifinfomsg *)NLMSG_DATA(&r.h))->ifi_index = 1;
    printf("-- link 1\n");
    CHECK(send(fd, &r, len, 0) == len);
    read_replies(fd, 7, port_of(fd));
    read_replies(fd, 7, port_of(fd));
    mkreq(&r, RTM_GETLINK, NLM_F_REQUEST, 8, AF_UNSPEC, sizeof(struct ifinfomsg));
    addattr(&r, IFLA_IFNAME, "lo", 3);
    printf("-- link lo\n");
    CHECK(send(fd, &r, r.h.nlmsg_len, 0) == (long)r.h.nlmsg_len);
    read_replies(fd, 8, port_of(fd));
    read_replies(fd, 8, port_of(fd));
    mkreq(&r, RTM_GETLINK, NLM_F_REQUEST, 9, AF_UNSPEC, sizeof(struct ifinfomsg));
    addattr(&r, IFLA_IFNAME, "nosuch0", 8);
    printf("-- link nosuch0\n");
    CHECK(send(fd, &r, r.h.nlmsg_len, 0) == (long)r.h.nlmsg_len);
    read_replies(fd, 9, port_of(fd));
    close(fd);
    return 0;
}
