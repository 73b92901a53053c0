/* pivot_root(2) in a private mount namespace: Linux's errors in its order (ENOENT, ENOTDIR, EBUSY when new_root
 * is on the current root's mount, EINVAL for a new_root that is no mount's root or a put_old outside it, EPERM),
 * then a pivot into a tmpfs: the old root hangs at put_old, the cwd at the old root moves to the new one, and
 * after the old root is detached only the new tree is left; and the pivot_root(".", ".") idiom. */
#include "mount_common.h"

static long pivot(const char *n, const char *o) { return syscall(SYS_pivot_root, n, o); }

static void unprivileged(void)
{
    CHECK(pivot(sp("new"), sp("new/old")));
}

static void body(void)
{
    CHECK(mkdir(sp("new"), 0755));
    CHECK(mkdir(sp("other"), 0755));
    CHECK(mkdir(sp("plain"), 0755));
    CHECK(mkdir(sp("plain/old"), 0755));
    write_file(sp("file"), "f");
    CHECK(mount("newroot", sp("new"), "tmpfs", 0, NULL));
    CHECK(mount("other", sp("other"), "tmpfs", 0, NULL));
    CHECK(mkdir(sp("new/old"), 0755));
    CHECK(mkdir(sp("new/sub"), 0755));
    CHECK(mkdir(sp("new/sub/old"), 0755));
    write_file(sp("new/marker"), "new root");

    CHECK(pivot(sp("missing"), sp("new/old")));
    CHECK(pivot(sp("new"), sp("new/missing")));
    CHECK(pivot(sp("file"), sp("new/old")));
    CHECK(pivot(sp("new"), sp("file")));
    CHECK(pivot((char *)1, sp("new/old")));
    CHECK(pivot(sp("plain"), sp("plain/old")));      /* on the root's own mount */
    CHECK(pivot(sp("new"), sp("plain/old")));        /* put_old on the root's mount */
    CHECK(pivot(sp("new/sub"), sp("new/sub/old")));  /* not a mount's root */
    CHECK(pivot(sp("new"), sp("other")));            /* put_old not under new_root */
    as_nobody(unprivileged);

    CHECK(chdir("/"));
    CHECK(pivot(sp("new"), sp("new/old")));
    char buf[256];
    long n = syscall(SYS_getcwd, buf, sizeof buf);
    printf("cwd: %s\n", n < 0 ? errname(errno) : buf);
    printf("/marker: %s\n", read_line("/marker"));
    printf("old root's scratch file: %s\n", read_line(strcat(strcpy(buf, "/old"), sp("file"))));
    CHECK(access("/old/tmp", F_OK));
    CHECK(umount2("/old", 0));                        /* busy: the mounts below it */
    CHECK(umount2("/old", MNT_DETACH));
    CHECK(access("/old/tmp", F_OK));
    CHECK(pivot("/", "/old"));                        /* new_root is the root's mount */

    /* pivot_root(".", "."): the old root stacks on the new one, then is detached from it. */
    CHECK(mkdir("/inner", 0755));
    CHECK(mount("inner", "/inner", "tmpfs", 0, NULL));
    write_file("/inner/mark", "inner");
    CHECK(chdir("/inner"));
    CHECK(pivot(".", "."));
    printf("mark through cwd: %s\n", read_line("mark"));
    CHECK(umount2(".", MNT_DETACH));
    CHECK(chdir("/"));
    printf("/mark: %s\n", read_line("/mark"));
    CHECK(access("/marker", F_OK));
}

int main(void)
{
    return isolated(body, 0);
}
