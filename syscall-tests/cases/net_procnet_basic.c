/* /proc/net of a fresh network namespace with lo up: the link to self/net, interfaces (dev, if_inet6), the main
 * table's header (route), multicast groups (igmp, igmp6), the inet tables' headers, sockstat and the counters that do not vary. */
#include "net_netlink.h"
#include <sys/stat.h>

static void cat(const char *path, const char *only)
{
    FILE *f = fopen(path, "r");
    printf("== %s%s\n", path, f ? "" : " (missing)");
    if (!f)
        return;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        if (only && strncmp(line, only, strlen(only)) != 0)
            continue;
        /* a protocol's memory pages are counted for the whole host, not per namespace */
        char *mem = strstr(line, " mem ");
        if (mem)
            strcpy(mem, "\n");
        fputs(line, stdout);
    }
    fclose(f);
}

int main(void)
{
    fresh_netns();
    char target[64] = {0};
    CHECK(readlink("/proc/net", target, sizeof target - 1));
    printf("/proc/net -> %s\n", target);
    struct stat st;
    CHECK(stat("/proc/self/net", &st));
    SHOW(S_ISDIR(st.st_mode));
    CHECK(stat("/proc/net/dev", &st));
    SHOW(S_ISREG(st.st_mode));
    CHECK(open("/proc/net/dev", O_WRONLY));
    cat("/proc/net/dev", NULL);
    cat("/proc/net/if_inet6", NULL);
    cat("/proc/net/route", NULL);
    cat("/proc/net/tcp", NULL);
    cat("/proc/net/tcp6", NULL);
    cat("/proc/net/udp", NULL);
    cat("/proc/net/udp6", NULL);
    /* TCP: counts sockets and memory of every namespace */
    cat("/proc/net/sockstat", "UDP");
    cat("/proc/net/sockstat", "RAW");
    cat("/proc/net/sockstat", "FRAG");
    cat("/proc/net/sockstat6", NULL);
    cat("/proc/net/igmp", NULL);
    cat("/proc/net/igmp6", NULL);
    cat("/proc/net/dev_mcast", NULL);
    cat("/proc/net/snmp", "Tcp:");
    cat("/proc/net/snmp", "Udp");
    cat("/proc/net/netstat", "IpExt:");
    cat("/proc/self/net/dev", " face");
    return 0;
}
