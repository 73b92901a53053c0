/* The SIOCGIF* interface ioctls on AF_INET sockets (devinet_ioctl's address requests too) and AF_INET6 ones,
 * and the set requests without CAP_NET_ADMIN (the address ones reach devinet_ioctl only from AF_INET). */
#include "net_ifioctl.h"

int main(void)
{
    fresh_netns();
    static const struct fam socks[] = {{AF_INET, SOCK_DGRAM, "inet"}, {AF_INET6, SOCK_DGRAM, "inet6"}};
    probe_all(socks, 2);
    unprivileged_sets(AF_INET, "inet");
    return 0;
}
