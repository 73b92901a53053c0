/* A fresh network namespace with lo up, natively; the sandbox's network already is one (its unshare refuses). */
#ifndef NET_FRESH_NETNS_H
#define NET_FRESH_NETNS_H
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void fresh_netns(void)
{
    if (unshare(CLONE_NEWNET) != 0)
        return;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq r = {0};
    strcpy(r.ifr_name, "lo");
    ioctl(s, SIOCGIFFLAGS, &r);
    r.ifr_flags |= IFF_UP;
    ioctl(s, SIOCSIFFLAGS, &r);
    close(s);
}
#endif
