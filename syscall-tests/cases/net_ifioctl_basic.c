/* The SIOCGIF* interface ioctls on AF_UNIX and AF_NETLINK sockets (Linux routes them through dev_ioctl; the
 * address ones are only AF_INET's, so ENOTTY here), on lo and on a missing interface; SIOCGIFCONF; the set
 * requests without CAP_NET_ADMIN. Natively the case first moves into a fresh network namespace with lo up, which
 * is what the sandbox shows. */
#include "net_ifioctl.h"

int main(void)
{
    fresh_netns();
    static const struct fam socks[] = {{AF_UNIX, SOCK_DGRAM, "unix"}, {AF_NETLINK, SOCK_RAW, "netlink"}};
    probe_all(socks, 2);
    unprivileged_sets(AF_UNIX, "unix");
    return 0;
}
