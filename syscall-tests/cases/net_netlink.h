/* Helpers of the net_netlink_* cases: a fresh network namespace natively (the sandbox already is one), requests,
 * and a printer of the replies that shows only what a fresh namespace with lo up makes identical everywhere. */
#ifndef NET_NETLINK_H
#define NET_NETLINK_H
#include "common.h"
#include "net_fresh_netns.h"
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>


struct nlreq {
    struct nlmsghdr h;
    char body[256];
};

/* A request of type with a fixed header of hdrlen bytes (first byte: family); returns its length. */
static int mkreq(struct nlreq *r, int type, int flags, int seq, int family, int hdrlen)
{
    memset(r, 0, sizeof *r);
    r->h.nlmsg_len = NLMSG_LENGTH(hdrlen);
    r->h.nlmsg_type = type;
    r->h.nlmsg_flags = flags;
    r->h.nlmsg_seq = seq;
    r->body[0] = family;
    return r->h.nlmsg_len;
}

static void addattr(struct nlreq *r, int type, const void *data, int len)
{
    struct rtattr *a = (void *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
    a->rta_type = type;
    a->rta_len = RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static const char *ip(int fam, const void *a)
{
    static char b[4][64];
    static int n;
    char *s = b[n++ & 3];
    inet_ntop(fam, a, s, 64);
    return s;
}

static void show_attrs(int type, struct rtattr *a, int len, int fam)
{
    for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        int t = a->rta_type & NLA_TYPE_MASK, l = RTA_PAYLOAD(a);
        void *d = RTA_DATA(a);
        if (type == RTM_NEWLINK) {
            switch (t) {
            case IFLA_IFNAME: printf("    ifname %s\n", (char *)d); break;
            case IFLA_MTU: printf("    mtu %u\n", *(unsigned *)d); break;
            case IFLA_TXQLEN: printf("    txqlen %u\n", *(unsigned *)d); break;
            case IFLA_OPERSTATE: printf("    operstate %u\n", *(unsigned char *)d); break;
            case IFLA_QDISC: printf("    qdisc %s\n", (char *)d); break;
            case IFLA_GROUP: printf("    group %u\n", *(unsigned *)d); break;
            case IFLA_ADDRESS: printf("    address len %d\n", l); break;
            case IFLA_BROADCAST: printf("    broadcast len %d\n", l); break;
            case IFLA_STATS: printf("    stats present\n"); break;
            case IFLA_STATS64: printf("    stats64 present\n"); break;
            case IFLA_CARRIER: printf("    carrier %u\n", *(unsigned char *)d); break;
            }
        } else if (type == RTM_NEWADDR) {
            switch (t) {
            case IFA_ADDRESS: printf("    address %s\n", ip(fam, d)); break;
            case IFA_LOCAL: printf("    local %s\n", ip(fam, d)); break;
            case IFA_LABEL: printf("    label %s\n", (char *)d); break;
            case IFA_FLAGS: printf("    flags %#x\n", *(unsigned *)d); break;
            case IFA_CACHEINFO: {
                struct ifa_cacheinfo *c = d;
                printf("    lifetimes %#x %#x\n", c->ifa_prefered, c->ifa_valid);
                break;
            }
            }
        } else if (type == RTM_NEWROUTE) {
            switch (t) {
            case RTA_DST: printf("    dst %s\n", ip(fam, d)); break;
            case RTA_PREFSRC: printf("    prefsrc %s\n", ip(fam, d)); break;
            case RTA_OIF: printf("    oif %d\n", *(int *)d); break;
            case RTA_TABLE: printf("    table %u\n", *(unsigned *)d); break;
            case RTA_PRIORITY: printf("    priority %u\n", *(unsigned *)d); break;
            }
        } else if (type == RTM_NEWRULE) {
            switch (t) {
            case FRA_TABLE: printf("    table %u\n", *(unsigned *)d); break;
            case FRA_PRIORITY: printf("    priority %u\n", *(unsigned *)d); break;
            }
        }
    }
}

/* Prints one message; returns 1 at NLMSG_DONE or NLMSG_ERROR. */
static int show_msg(struct nlmsghdr *h, unsigned seq, unsigned pid)
{
    /* Lengths only of control messages: a link carries attributes newer kernels added. */
    printf("  type %d flags %#x seq %s pid %s", h->nlmsg_type, h->nlmsg_flags, h->nlmsg_seq == seq ? "ok" : "BAD",
           h->nlmsg_pid == pid ? "ok" : "BAD");
    if (h->nlmsg_type < NLMSG_MIN_TYPE)
        printf(" len %u", h->nlmsg_len);
    printf("\n");
    void *p = NLMSG_DATA(h);
    switch (h->nlmsg_type) {
    case NLMSG_DONE:
        printf("  done %d\n", *(int *)p);
        return 1;
    case NLMSG_ERROR: {
        struct nlmsgerr *e = p;
        printf("  error %s, echoed type %d seq %s\n", errname(-e->error), e->msg.nlmsg_type,
               e->msg.nlmsg_seq == seq ? "ok" : "BAD");
        return 1;
    }
    case RTM_NEWLINK: {
        struct ifinfomsg *i = p;
        printf("   link fam %d type %d index %d flags %#x\n", i->ifi_family, i->ifi_type, i->ifi_index, i->ifi_flags);
        show_attrs(RTM_NEWLINK, IFLA_RTA(i), IFLA_PAYLOAD(h), 0);
        break;
    }
    case RTM_NEWADDR: {
        struct ifaddrmsg *a = p;
        printf("   addr fam %d plen %d flags %#x scope %d index %d\n", a->ifa_family, a->ifa_prefixlen, a->ifa_flags,
               a->ifa_scope, a->ifa_index);
        show_attrs(RTM_NEWADDR, IFA_RTA(a), IFA_PAYLOAD(h), a->ifa_family);
        break;
    }
    case RTM_NEWROUTE: {
        struct rtmsg *r = p;
        printf("   route fam %d dst_len %d table %d proto %d scope %d type %d\n", r->rtm_family, r->rtm_dst_len,
               r->rtm_table, r->rtm_protocol, r->rtm_scope, r->rtm_type);
        show_attrs(RTM_NEWROUTE, RTM_RTA(r), RTM_PAYLOAD(h), r->rtm_family);
        break;
    }
    case RTM_NEWRULE: {
        struct fib_rule_hdr *f = p;
        printf("   rule fam %d table %d action %d\n", f->family, f->table, f->action);
        show_attrs(RTM_NEWRULE, (void *)((char *)p + NLMSG_ALIGN(sizeof *f)), h->nlmsg_len - NLMSG_LENGTH(sizeof *f),
                   f->family);
        break;
    }
    }
    return 0;
}

/* Reads replies until NLMSG_DONE / NLMSG_ERROR (or EAGAIN when nothing more comes); prints every message. */
static void read_replies(int fd, unsigned seq, unsigned pid)
{
    static char buf[65536];
    for (;;) {
        struct sockaddr_nl from;
        struct iovec iov = {buf, sizeof buf};
        struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
        int n = recvmsg(fd, &m, MSG_DONTWAIT);
        if (n < 0) {
            printf("  recv: %s\n", errname(errno));
            return;
        }
        if (m.msg_namelen != sizeof from || from.nl_family != AF_NETLINK || from.nl_pid != 0)
            printf("  odd sender: len %d fam %d pid %u\n", m.msg_namelen, from.nl_family, from.nl_pid);
        int end = 0;
        for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n))
            end |= show_msg(h, seq, pid);
        if (end)
            return;
    }
}

static unsigned port_of(int fd)
{
    struct sockaddr_nl a;
    socklen_t l = sizeof a;
    getsockname(fd, (void *)&a, &l);
    return a.nl_pid;
}
#endif
