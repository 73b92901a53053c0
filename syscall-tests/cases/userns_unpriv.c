/* The unprivileged path, as `unshare -Ur` and bubblewrap take it: a process of uid 1000 without capabilities
 * gets EPERM for mount and for new mount/UTS namespaces, but may make a user namespace; there it may map only its
 * own uid (not root's, not two ids), gid_map only after setgroups "deny"; then it is root inside, with every
 * capability: a new mount namespace, a tmpfs mount, sethostname in a new UTS namespace, set*id among mapped ids;
 * proc still needs the initial namespace's privilege (EPERM). The mount point is a scratch directory the parent
 * removes. */
#include "userns_common.h"
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* Drops to uid and gid 1000 with no capabilities; dumpable again, so /proc/self stays its own. */
static int drop(void)
{
    if (setgroups(0, NULL) != 0 || setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0)
    {
        printf("drop: %s\n", errname(errno));
        return -1;
    }
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    return 0;
}

static char dir[64];

static void body(void)
{
    if (drop() != 0) return;
    printf("%s\n", status_line("CapEff:"));
    CHECK(mount("none", dir, "tmpfs", 0, NULL));
    CHECK(unshare(CLONE_NEWNS));
    CHECK(unshare(CLONE_NEWUTS));
    CHECK(sethostname("x", 1));
    CHECK(unshare(CLONE_NEWUSER));
    CHECK(getuid());
    printf("%s\n", status_line("CapEff:"));
    PUT("/proc/self/uid_map", "0 0 1");
    PUT("/proc/self/uid_map", "0 1000 2");
    PUT("/proc/self/uid_map", "0 999 1");
    PUT("/proc/self/uid_map", "0 1000 1");
    CHECK(getuid());
    CHECK(geteuid());
    PUT("/proc/self/gid_map", "0 1000 1");
    PUT("/proc/self/setgroups", "deny");
    PUT("/proc/self/gid_map", "0 1001 1");
    PUT("/proc/self/gid_map", "0 1000 1");
    CHECK(getgid());
    printf("%s\n", status_line("Uid:"));
    printf("%s\n", status_line("Gid:"));
    /* Capabilities over what the new namespace owns. */
    CHECK(sethostname("x", 1));
    CHECK(unshare(CLONE_NEWNS | CLONE_NEWUTS));
    CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
    CHECK(mount("none", dir, "tmpfs", 0, NULL));
    char f[128];
    snprintf(f, sizeof f, "%s/file", dir);
    int fd = CHECK_OK(open(f, O_CREAT | O_RDWR, 0600));
    close(fd);
    struct stat st;
    if (CHECK(stat(f, &st)) == 0) printf("owner %u %u mode %o\n", st.st_uid, st.st_gid, st.st_mode & 07777);
    if (CHECK(stat(dir, &st)) == 0) printf("tmpfs root owner %u %u\n", st.st_uid, st.st_gid);
    CHECK(chown(f, 0, 0));
    CHECK(chown(f, 1, -1));
    CHECK(mount("proc", dir, "proc", 0, NULL));
    CHECK(umount(dir));
    CHECK(mount("devpts", dir, "devpts", 0, "newinstance,gid=5"));
    CHECK(mount("devpts", dir, "devpts", 0, "newinstance,gid=0"));
    CHECK(umount(dir));
    CHECK(mount("none", dir, "tmpfs", 0, "uid=5"));
    CHECK(mount("none", dir, "tmpfs", 0, "uid=0,gid=0"));
    CHECK(umount(dir));
    CHECK(getpriority(PRIO_USER, 5));
    CHECK(sethostname("inside", 6));
    CHECK(setuid(0));
    CHECK(setuid(1000));
    CHECK(setgid(0));
    /* Another new user namespace from inside, by a process root there. */
    CHECK(unshare(CLONE_NEWUSER));
    CHECK(getuid());
}

static void unmapped_creator(void)
{
    /* A namespace's creator needs a mapping in the parent: after unshare without a map, the next fails. */
    if (drop() != 0) return;
    CHECK(unshare(CLONE_NEWUSER));
    CHECK(unshare(CLONE_NEWUSER));
    CHECK(unshare(CLONE_NEWNS));
    CHECK(mount("none", dir, "tmpfs", 0, NULL));
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/appkernel-userns-%d", (int)getpid());
    mkdir(dir, 0777);
    chmod(dir, 0777);
    in_child("uid 1000", body);
    in_child("unmapped creator", unmapped_creator);
    rmdir(dir);
    return 0;
}
