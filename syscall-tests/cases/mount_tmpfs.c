/* mount(2) of tmpfs in a private mount namespace: options (size, mode, uid, gid) as stat and mountinfo show
 * them, per-mount flags (ro, noexec, nodev, nosuid, noatime) and their effects (EROFS, EACCES at exec, EPERM for
 * an executable mapping), remounts (MS_REMOUNT|MS_BIND for one mount, MS_REMOUNT for
 * the file system), stacked mounts, and umount2's flags and errors (EINVAL, EBUSY, EAGAIN for MNT_EXPIRE,
 * MNT_DETACH leaving open files usable), and mount's own errors in Linux's order. */
#include "mount_common.h"
#include <sys/mman.h>

static void unprivileged(void)
{
    CHECK(mount("none", sp("t"), "tmpfs", 0, NULL));
    CHECK(umount2(sp("t"), 0));
    CHECK(mount("none", "/nonexistent-dir", "tmpfs", 0, NULL)); /* the path first, then the privilege */
}

static void body(void)
{
    CHECK(mkdir(sp("t"), 0755));
    write_file(sp("file"), "x");

    /* Errors, in Linux's order. */
    CHECK(mount("none", sp("t"), "nosuchfs", 0, NULL));
    CHECK(mount("none", sp("missing"), "tmpfs", 0, NULL));
    CHECK(mount("none", sp("t"), (char *)1, 0, NULL));
    CHECK(mount("none", sp("t"), "tmpfs", 0, (void *)1));
    CHECK(mount("none", sp("t"), "tmpfs", 0, "bogus=1"));
    CHECK(mount("none", sp("t"), "tmpfs", 0, "mode=abc"));
    CHECK(mount("none", sp("t"), "tmpfs", 0, "size=12q"));
    CHECK(mount("none", sp("file"), "tmpfs", 0, NULL));
    CHECK(mount("none", sp("t"), NULL, 0, NULL));
    as_nobody(unprivileged);

    /* Options. */
    CHECK(mount("scratchfs", sp("t"), "tmpfs", 0, "size=1m,mode=750,uid=5,gid=6"));
    struct stat st;
    CHECK(stat(sp("t"), &st));
    printf("root: mode %o uid %u gid %u\n", st.st_mode & 07777, st.st_uid, st.st_gid);
    printf("mountinfo: %s\n", mountinfo_of(sp("t")));
    CHECK(umount2(sp("t"), 0));
    CHECK(umount2(sp("t"), 0));
    CHECK(mount("none", sp("t"), "tmpfs", 0, NULL));
    CHECK(stat(sp("t"), &st));
    printf("default root: mode %o uid %u\n", st.st_mode & 07777, st.st_uid);
    printf("mountinfo: %s\n", mountinfo_of(sp("t")));
    CHECK(umount2(sp("t"), 0));

    /* Read-only: the mount, then a remount of it alone, then of the file system. */
    CHECK(mount("none", sp("t"), "tmpfs", MS_RDONLY, NULL));
    printf("mountinfo: %s\n", mountinfo_of(sp("t")));
    CHECK(open(sp("t/new"), O_CREAT | O_WRONLY, 0644));
    CHECK(mkdir(sp("t/d"), 0755));
    CHECK(access(sp("t"), W_OK));
    CHECK(mount(NULL, sp("t"), NULL, MS_REMOUNT | MS_BIND, NULL));
    printf("mountinfo: %s\n", mountinfo_of(sp("t")));
    CHECK(mkdir(sp("t/d"), 0755));
    CHECK(mount(NULL, sp("t"), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, NULL));
    printf("mountinfo: %s\n", mountinfo_of(sp("t")));
    CHECK(rmdir(sp("t/d")));
    CHECK(mount(NULL, sp("t/d"), NULL, MS_REMOUNT | MS_BIND, NULL)); /* not a mount's root */
    CHECK(mount(NULL, sp("t"), NULL, MS_REMOUNT, NULL));
    printf("mountinfo: %s\n", mountinfo_of(sp("t")));
    CHECK(mount(NULL, sp("t"), NULL, MS_REMOUNT | MS_RDONLY, NULL));
    printf("mountinfo: %s\n", mountinfo_of(sp("t")));
    CHECK(mount(NULL, sp("t"), NULL, MS_REMOUNT, "size=2m"));
    printf("mountinfo: %s\n", mountinfo_of(sp("t")));
    CHECK(umount2(sp("t"), 0));

    /* noexec: exec and executable mappings refused; nodev: a device node cannot be opened. */
    CHECK(mount("none", sp("t"), "tmpfs", MS_NOEXEC | MS_NODEV | MS_NOATIME, NULL));
    printf("mountinfo: %s\n", mountinfo_of(sp("t")));
    write_file(sp("t/script"), "#!/bin/sh\nexit 0\n");
    CHECK(chmod(sp("t/script"), 0755));
    char *argv[] = {"script", NULL};
    CHECK(execve(sp("t/script"), argv, argv + 1));
    int fd = CHECK_OK(open(sp("t/script"), O_RDONLY));
    void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    printf("mmap PROT_EXEC: %s\n", p == MAP_FAILED ? errname(errno) : "mapped");
    p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("mmap PROT_READ: %s\n", p == MAP_FAILED ? errname(errno) : "mapped");
    if (p != MAP_FAILED) munmap(p, 4096);
    close(fd);
    CHECK(umount2(sp("t"), 0));

    /* Stacked mounts: the top one hides the lower, its umount shows it again. */
    CHECK(mount("lower", sp("t"), "tmpfs", 0, NULL));
    write_file(sp("t/lower"), "lower");
    CHECK(mount("upper", sp("t"), "tmpfs", 0, NULL));
    CHECK(access(sp("t/lower"), F_OK));
    write_file(sp("t/upper"), "upper");
    printf("top: %s\n", mountinfo_of(sp("t")));
    CHECK(umount2(sp("t"), 0));
    printf("lower: %s\n", read_line(sp("t/lower")));
    CHECK(access(sp("t/upper"), F_OK));

    /* umount2 errors and flags. */
    CHECK(mkdir(sp("t/sub"), 0755));
    CHECK(mount("sub", sp("t/sub"), "tmpfs", 0, NULL));
    CHECK(umount2(sp("t"), 0));                       /* a mount below it */
    CHECK(umount2(sp("t/sub/.."), 0) == 0 ? 0 : -1);
    CHECK(mount("again", sp("t"), "tmpfs", 0, NULL));
    CHECK(umount2(sp("t"), 0x10));                    /* unknown flag */
    CHECK(umount2(sp("nothing"), 0));
    CHECK(umount2(scratch, 0));                       /* not a mount */
    CHECK(umount2((char *)1, 0));
    CHECK(symlink(sp("t"), sp("link")));
    CHECK(umount2(sp("link"), UMOUNT_NOFOLLOW));
    fd = CHECK_OK(open(sp("t"), O_RDONLY | O_DIRECTORY));
    CHECK(umount2(sp("t"), 0));                       /* an open file */
    CHECK(umount2(sp("t"), MNT_EXPIRE | MNT_DETACH));
    CHECK(umount2(sp("t"), MNT_EXPIRE));
    close(fd);
    CHECK(umount2(sp("t"), MNT_EXPIRE));              /* first call only marks it */
    CHECK(umount2(sp("t"), MNT_EXPIRE));
    CHECK(chdir(sp("t")));
    CHECK(umount2(sp("t"), 0));                       /* a cwd */
    CHECK(chdir("/"));
    write_file(sp("t/kept"), "kept");
    fd = CHECK_OK(open(sp("t/kept"), O_RDONLY));
    CHECK(umount2(sp("t"), MNT_DETACH));
    char buf[16] = {0};
    CHECK(read(fd, buf, sizeof buf - 1));
    printf("read after detach: %s\n", buf);
    close(fd);
    printf("lower again: %s\n", read_line(sp("t/lower")));
    CHECK(umount2(sp("t"), 0));
    CHECK(umount2(sp("t"), 0));
}

int main(void)
{
    return isolated(body, 0);
}
