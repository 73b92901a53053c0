/* Helpers of the net_ifioctl_* cases: the SIOCGIF* requests on one socket, on lo and on a missing interface. */
#ifndef NET_IFIOCTL_H
#define NET_IFIOCTL_H
#include "common.h"
#include "net_fresh_netns.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/netlink.h>


static const char *addr(struct sockaddr *sa)
{
    static char b[64];
    struct sockaddr_in *in = (void *)sa;
    snprintf(b, sizeof b, "fam %d %s", sa->sa_family, inet_ntoa(in->sin_addr));
    return b;
}

static void probe(int s, const char *what, const char *ifname)
{
    struct ifreq r;
    printf("-- %s %s\n", what, ifname);
#define GET(req, show)                                                        \
    do {                                                                      \
        memset(&r, 0, sizeof r);                                              \
        strcpy(r.ifr_name, ifname);                                           \
        if (CHECK(ioctl(s, req, &r)) == 0)                                    \
            show;                                                             \
    } while (0)
    GET(SIOCGIFFLAGS, printf("  flags %#x\n", (unsigned short)r.ifr_flags));
    GET(SIOCGIFINDEX, printf("  index %d\n", r.ifr_ifindex));
    GET(SIOCGIFMTU, printf("  mtu %d\n", r.ifr_mtu));
    GET(SIOCGIFTXQLEN, printf("  qlen %d\n", r.ifr_qlen));
    GET(SIOCGIFMETRIC, printf("  metric %d\n", r.ifr_metric));
    GET(SIOCGIFHWADDR, printf("  hw fam %d %02x%02x%02x%02x%02x%02x\n", r.ifr_hwaddr.sa_family,
                              (unsigned char)r.ifr_hwaddr.sa_data[0], (unsigned char)r.ifr_hwaddr.sa_data[1],
                              (unsigned char)r.ifr_hwaddr.sa_data[2], (unsigned char)r.ifr_hwaddr.sa_data[3],
                              (unsigned char)r.ifr_hwaddr.sa_data[4], (unsigned char)r.ifr_hwaddr.sa_data[5]));
    GET(SIOCGIFADDR, printf("  addr %s\n", addr(&r.ifr_addr)));
    GET(SIOCGIFNETMASK, printf("  mask %s\n", addr(&r.ifr_netmask)));
    GET(SIOCGIFBRDADDR, printf("  brd %s\n", addr(&r.ifr_broadaddr)));
    GET(SIOCGIFDSTADDR, printf("  dst %s\n", addr(&r.ifr_dstaddr)));
}

static void names(int s)
{
    struct ifreq r = {0};
    r.ifr_ifindex = 1;
    if (CHECK(ioctl(s, SIOCGIFNAME, &r)) == 0)
        printf("  name of 1: %s\n", r.ifr_name);
    r.ifr_ifindex = 4242;
    CHECK(ioctl(s, SIOCGIFNAME, &r));
    CHECK(ioctl(s, SIOCGIFFLAGS, (void *)8));
}

static void conf(int s)
{
    struct ifconf c = {0};
    if (CHECK(ioctl(s, SIOCGIFCONF, &c)) == 0)
        printf("  needed %d\n", c.ifc_len);
    struct ifreq rs[4];
    memset(rs, 0xaa, sizeof rs);
    c.ifc_len = sizeof rs;
    c.ifc_req = rs;
    if (CHECK(ioctl(s, SIOCGIFCONF, &c)) == 0) {
        printf("  len %d\n", c.ifc_len);
        for (int i = 0; i < c.ifc_len / (int)sizeof(struct ifreq); i++)
            printf("  %s %s\n", rs[i].ifr_name, addr(&rs[i].ifr_addr));
    }
    c.ifc_len = sizeof(struct ifreq) - 1; /* too small for one */
    if (CHECK(ioctl(s, SIOCGIFCONF, &c)) == 0)
        printf("  short len %d\n", c.ifc_len);
}

static void sets(int s)
{
    struct ifreq r = {0};
    strcpy(r.ifr_name, "lo");
    r.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
    CHECK(ioctl(s, SIOCSIFFLAGS, &r));
    r.ifr_mtu = 1500;
    CHECK(ioctl(s, SIOCSIFMTU, &r));
    CHECK(ioctl(s, SIOCSIFTXQLEN, &r));
    CHECK(ioctl(s, SIOCSIFADDR, &r));
    CHECK(ioctl(s, SIOCSIFNETMASK, &r));
    CHECK(ioctl(s, SIOCSIFHWADDR, &r));
    strcpy(r.ifr_name, "nosuch0");
    CHECK(ioctl(s, SIOCSIFFLAGS, &r));
}

struct fam {
    int fam, type;
    const char *name;
};

static void probe_all(const struct fam *socks, int n)
{
    for (int i = 0; i < n; i++) {
        int s = socket(socks[i].fam, socks[i].type, 0);
        if (s < 0) {
            printf("%s: socket %s\n", socks[i].name, errname(errno));
            continue;
        }
        probe(s, socks[i].name, "lo");
        probe(s, socks[i].name, "nosuch0");
        names(s);
        conf(s);
        close(s);
    }
}

/* Without CAP_NET_ADMIN every set request is EPERM, before the interface is looked up. */
static void unprivileged_sets(int fam, const char *name)
{
    pid_t p = fork();
    if (p == 0) {
        if (setresuid(65534, 65534, 65534) != 0)
            _exit(1);
        int s = socket(fam, SOCK_DGRAM, 0);
        printf("-- unprivileged %s\n", name);
        sets(s);
        close(s);
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    printf("child status %d\n", st);
}
#endif
