/* UTS and IPC namespaces: after unshare(CLONE_NEWUTS) sethostname/setdomainname change only the new namespace
 * (uname and /proc/sys/kernel/hostname show them; the parent keeps its names); clone(CLONE_NEWUTS) copies the
 * names; /proc/self/ns/uts and ipc change with their unshare; EPERM without CAP_SYS_ADMIN, EINVAL for a name
 * over 64 bytes. The host's names are never printed. */
#include "mount_common.h"
#include <signal.h>
#include <sys/utsname.h>

static char host[65], domain[65];

static int ns_differs(const char *kind, const char *before)
{
    char path[64], now[64] = {0};
    snprintf(path, sizeof path, "/proc/self/ns/%s", kind);
    readlink(path, now, sizeof now - 1);
    return strcmp(now, before) != 0;
}

static void unprivileged(void)
{
    CHECK(unshare(CLONE_NEWUTS));
    CHECK(unshare(CLONE_NEWIPC));
    CHECK(sethostname("x", 1));
    CHECK(sethostname("x", 100));
}

static char stack[65536];
static int cloned(void *arg)
{
    (void)arg;
    struct utsname u;
    uname(&u);
    printf("clone child: %s %s\n", u.nodename, u.domainname);
    CHECK(sethostname("grandchild", 10));
    return 0;
}

static void body(void)
{
    struct utsname u;
    uname(&u);
    strcpy(host, u.nodename);
    strcpy(domain, u.domainname);
    char uts0[64] = {0}, ipc0[64] = {0};
    readlink("/proc/self/ns/uts", uts0, sizeof uts0 - 1);
    readlink("/proc/self/ns/ipc", ipc0, sizeof ipc0 - 1);
    printf("shapes: %.5s %.5s\n", uts0, ipc0);
    as_nobody(unprivileged);

    pid_t c = fork();
    if (c == 0)
    {
        CHECK(unshare(CLONE_NEWUTS));
        printf("uts changed: %d, ipc changed: %d\n", ns_differs("uts", uts0), ns_differs("ipc", ipc0));
        uname(&u);
        printf("names kept: %d\n", strcmp(u.nodename, host) == 0 && strcmp(u.domainname, domain) == 0);
        CHECK(sethostname("case-uts", 8));
        CHECK(setdomainname("case-domain", 11));
        char long_name[80];
        memset(long_name, 'a', sizeof long_name);
        CHECK(sethostname(long_name, 65));
        CHECK(sethostname(long_name, 64));
        CHECK(sethostname("case-uts", 8));
        CHECK(sethostname((char *)1, 4));
        uname(&u);
        printf("uname: %s %s\n", u.nodename, u.domainname);
        printf("/proc/sys/kernel/hostname: %s\n", read_line("/proc/sys/kernel/hostname"));
        printf("/proc/sys/kernel/domainname: %s\n", read_line("/proc/sys/kernel/domainname"));
        pid_t g = clone(cloned, stack + sizeof stack, CLONE_NEWUTS | SIGCHLD, NULL);
        waitpid(g, NULL, 0);
        uname(&u);
        printf("after clone child: %s\n", u.nodename);
        CHECK(unshare(CLONE_NEWIPC));
        printf("ipc changed: %d\n", ns_differs("ipc", ipc0));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    uname(&u);
    printf("parent's names unchanged: %d\n", strcmp(u.nodename, host) == 0 && strcmp(u.domainname, domain) == 0);
    printf("parent's uts unchanged: %d\n", !ns_differs("uts", uts0));
}

int main(void)
{
    return isolated(body, 0);
}
