/* glibc's netlink users: getifaddrs (links and addresses), if_nameindex, if_nametoindex, if_indextoname. Only lo
 * exists in a fresh network namespace with lo up, which is what the sandbox shows. */
#include "net_netlink.h"
#include <ifaddrs.h>
#include <netpacket/packet.h>

int main(void)
{
    fresh_netns();
    struct ifaddrs *all;
    if (CHECK(getifaddrs(&all)) != 0)
        return 1;
    for (struct ifaddrs *i = all; i; i = i->ifa_next) {
        int fam = i->ifa_addr ? i->ifa_addr->sa_family : -1;
        printf("%s fam %d flags %#x", i->ifa_name, fam, i->ifa_flags);
        if (fam == AF_INET) {
            printf(" addr %s", ip(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr));
            printf(" mask %s", ip(AF_INET, &((struct sockaddr_in *)i->ifa_netmask)->sin_addr));
        } else if (fam == AF_INET6) {
            printf(" addr %s", ip(AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr));
            printf(" mask %s", ip(AF_INET6, &((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr));
        } else if (fam == AF_PACKET) {
            struct sockaddr_ll *ll = (void *)i->ifa_addr;
            printf(" index %d hatype %d halen %d data %s", ll->sll_ifindex, ll->sll_hatype, ll->sll_halen,
                   i->ifa_data ? "yes" : "no");
        }
        printf("\n");
    }
    freeifaddrs(all);
    struct if_nameindex *ni = if_nameindex();
    for (struct if_nameindex *p = ni; p && p->if_index; p++)
        printf("if_nameindex: %u %s\n", p->if_index, p->if_name);
    if_freenameindex(ni);
    printf("if_nametoindex(lo) = %u\n", if_nametoindex("lo"));
    CHECK(if_nametoindex("nosuch0"));
    char name[IF_NAMESIZE];
    printf("if_indextoname(1) = %s\n", if_indextoname(1, name));
    printf("if_indextoname(4242) = %s %s\n", if_indextoname(4242, name) ? "found" : "NULL", errname(errno));
    return 0;
}
