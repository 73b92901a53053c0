/* UDP receive control messages: IP_PKTINFO, IP_RECVTTL, IP_RECVTOS,
 * IPV6_RECVPKTINFO / HOPLIMIT / TCLASS, SO_TIMESTAMP, and truncation of the
 * control buffer (MSG_CTRUNC). */
#include "net_common.h"
#include <sys/time.h>
#include <time.h>

static void show_cmsgs(const char *what, int fd, size_t room)
{
    char data[64], ctl[512];
    struct iovec v = { data, sizeof data };
    struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = room };
    memset(ctl, 0, sizeof ctl);
    long n = recvmsg(fd, &m, 0);
    printf("%s: recvmsg %ld controllen %d%s\n", what, n, (int)m.msg_controllen,
           m.msg_flags & MSG_CTRUNC ? " MSG_CTRUNC" : "");
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        printf("  level %d type %d len %d", c->cmsg_level, c->cmsg_type, (int)c->cmsg_len);
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
            struct in_pktinfo *p = (void *)CMSG_DATA(c);
            char a[32], b[32];
            inet_ntop(AF_INET, &p->ipi_spec_dst, a, sizeof a);
            inet_ntop(AF_INET, &p->ipi_addr, b, sizeof b);
            printf(" ifindex %d spec_dst %s addr %s", p->ipi_ifindex, a, b);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo *p = (void *)CMSG_DATA(c);
            char a[64];
            inet_ntop(AF_INET6, &p->ipi6_addr, a, sizeof a);
            printf(" ifindex %d addr %s", p->ipi6_ifindex, a);
        } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
            printf(" tos %#x", *(unsigned char *)CMSG_DATA(c));
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP) {
            struct timeval tv, now;
            memcpy(&tv, CMSG_DATA(c), sizeof tv);
            gettimeofday(&now, NULL);
            long d = (now.tv_sec - tv.tv_sec) * 1000000 + (now.tv_usec - tv.tv_usec);
            printf(" recent %s", d >= 0 && d < 5000000 ? "yes" : "no");
        } else if (c->cmsg_len == CMSG_LEN(sizeof(int))) {
            printf(" int %d", *(int *)CMSG_DATA(c));
        }
        printf("\n");
    }
}

int main(void)
{
    int one = 1;
    int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ra = sin4("127.0.0.5", 20041);
    CHECK(bind(r, SA(ra), sizeof ra));
    CHECK(setsockopt(r, IPPROTO_IP, IP_PKTINFO, &one, sizeof one));
    CHECK(setsockopt(r, IPPROTO_IP, IP_RECVTTL, &one, sizeof one));
    CHECK(setsockopt(r, IPPROTO_IP, IP_RECVTOS, &one, sizeof one));
    int ttl = 9, tos = 0x20;
    CHECK(setsockopt(s, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl));
    CHECK(setsockopt(s, IPPROTO_IP, IP_TOS, &tos, sizeof tos));
    CHECK(sendto(s, "a", 1, 0, SA(ra), sizeof ra));
    show_cmsgs("all", r, 512);
    CHECK(sendto(s, "b", 1, 0, SA(ra), sizeof ra));
    show_cmsgs("room for one", r, CMSG_SPACE(sizeof(struct in_pktinfo)) + 4);
    CHECK(sendto(s, "c", 1, 0, SA(ra), sizeof ra));
    show_cmsgs("header only", r, sizeof(struct cmsghdr) + 2);
    CHECK(sendto(s, "d", 1, 0, SA(ra), sizeof ra));
    show_cmsgs("none", r, 0);
    CHECK(setsockopt(r, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof one));
    int zero = 0;
    CHECK(setsockopt(r, IPPROTO_IP, IP_RECVTTL, &zero, sizeof zero));
    CHECK(setsockopt(r, IPPROTO_IP, IP_RECVTOS, &zero, sizeof zero));
    CHECK(sendto(s, "e", 1, 0, SA(ra), sizeof ra));
    show_cmsgs("timestamp", r, 512);

    int r6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 a6 = sin6("::", 20042);
    CHECK(bind(r6, SA(a6), sizeof a6));
    CHECK(setsockopt(r6, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one));
    CHECK(setsockopt(r6, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one));
    CHECK(setsockopt(r6, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof one));
    int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
    int hops = 17, tclass = 0x40;
    CHECK(setsockopt(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops));
    CHECK(setsockopt(s6, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass));
    struct sockaddr_in6 to6 = sin6("::1", 20042);
    CHECK(sendto(s6, "f", 1, 0, SA(to6), sizeof to6));
    show_cmsgs("v6", r6, 512);
    struct sockaddr_in to4 = sin4("127.0.0.1", 20042);
    CHECK(sendto(s, "g", 1, 0, SA(to4), sizeof to4));
    show_cmsgs("v4 to v6 socket", r6, 512);
    CHECK(setsockopt(r6, IPPROTO_IP, IP_PKTINFO, &one, sizeof one));
    CHECK(sendto(s, "h", 1, 0, SA(to4), sizeof to4));
    show_cmsgs("v4 to v6 socket with IP_PKTINFO", r6, 512);
    return 0;
}
