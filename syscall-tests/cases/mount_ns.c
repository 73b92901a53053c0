/* Mount namespaces: unshare(CLONE_NEWNS) and clone(CLONE_NEWNS) copy the mount table; mounts and unmounts made
 * after that stay in the namespace that made them; /proc/self/ns/mnt names the namespace (same for a fork
 * child, different after unshare); CLONE_NEWNS with CLONE_FS is EINVAL, and both need CAP_SYS_ADMIN. */
#include "mount_common.h"
#include <signal.h>

static char nsname[64];

static void own_ns_name(char *out)
{
    memset(out, 0, 64);
    if (readlink("/proc/self/ns/mnt", out, 63) < 0) strcpy(out, errname(errno));
}

static void unprivileged(void)
{
    CHECK(unshare(CLONE_NEWNS));
    CHECK(syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0));
}

static char stack[65536];
static int cloned(void *arg)
{
    (void)arg;
    char mine[64];
    own_ns_name(mine);
    printf("clone child: new namespace: %s\n", strcmp(mine, nsname) != 0 ? "yes" : "no");
    printf("clone child sees m/file: %s\n", read_line(sp("m/file")));
    CHECK(umount2(sp("m"), 0));
    printf("clone child after umount: %s\n", read_line(sp("m/file")));
    return 0;
}

static void body(void)
{
    own_ns_name(nsname);
    printf("name shape: %.5s\n", nsname);
    CHECK(mkdir(sp("m"), 0755));
    CHECK(mkdir(sp("n"), 0755));
    CHECK(mount("m", sp("m"), "tmpfs", 0, NULL));
    write_file(sp("m/file"), "m file");

    pid_t f = fork();
    if (f == 0)
    {
        char mine[64];
        own_ns_name(mine);
        printf("fork child: same namespace: %s\n", strcmp(mine, nsname) == 0 ? "yes" : "no");
        CHECK(unshare(CLONE_NEWNS));
        own_ns_name(mine);
        printf("after unshare: same namespace: %s\n", strcmp(mine, nsname) == 0 ? "yes" : "no");
        printf("child sees m/file: %s\n", read_line(sp("m/file")));
        CHECK(mount("n", sp("n"), "tmpfs", 0, NULL));
        write_file(sp("n/file"), "n file");
        CHECK(umount2(sp("m"), 0));
        printf("child: m/file %s, n/file %s\n", read_line(sp("m/file")), read_line(sp("n/file")));
        printf("child: n mount %s\n", mountinfo_of(sp("n")));
        _exit(0);
    }
    waitpid(f, NULL, 0);
    printf("parent: m/file %s, n/file %s\n", read_line(sp("m/file")), read_line(sp("n/file")));
    printf("parent: n mount %s\n", mountinfo_of(sp("n")));

    pid_t c = clone(cloned, stack + sizeof stack, CLONE_NEWNS | SIGCHLD, NULL);
    if (c < 0) printf("clone: %s\n", errname(errno));
    else waitpid(c, NULL, 0);
    printf("parent after clone child: %s\n", read_line(sp("m/file")));

    CHECK(syscall(SYS_clone, CLONE_NEWNS | CLONE_FS | SIGCHLD, 0, 0, 0, 0));
    CHECK(unshare(CLONE_NEWNS | CLONE_FS));
    as_nobody(unprivileged);

    /* The caller's cwd moves to the copy: a mount made below it is seen through the cwd. */
    CHECK(chdir(sp("m")));
    CHECK(unshare(CLONE_NEWNS));
    CHECK(mkdir("sub", 0755));
    CHECK(mount("sub", "sub", "tmpfs", 0, NULL));
    write_file("sub/x", "x");
    printf("through cwd: %s\n", read_line("sub/x"));
    CHECK(chdir("/"));
    CHECK(umount2(sp("m/sub"), 0));
    CHECK(umount2(sp("m"), 0));
}

int main(void)
{
    return isolated(body, 0);
}
