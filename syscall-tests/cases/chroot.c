/* chroot(2) in a private mount namespace: errors in Linux's order (ENOENT, ENOTDIR, EFAULT, EACCES before EPERM),
 * absolute paths and '..' kept inside the new root (also through symlinks), a cwd left outside the root shown
 * by getcwd as "(unreachable)...", fchdir out of the root, and /proc/self/root of a chrooted task; /proc/self/maps
 * names a mapped file as the chrooted reader sees it. */
#include "mount_common.h"
#include <sys/mman.h>

static void unprivileged(void)
{
    CHECK(chroot(sp("closed/inner")));  /* no search permission on closed: EACCES */
    CHECK(chroot(sp("root")));          /* allowed to search, not to chroot: EPERM */
}

static void show_cwd(const char *what)
{
    char buf[512];
    long n = syscall(SYS_getcwd, buf, sizeof buf);
    if (n < 0) { printf("%s: getcwd %s\n", what, errname(errno)); return; }
    /* The unreachable path names the scratch directory (a pid): show its shape only. */
    if (strncmp(buf, "(unreachable)", 13) == 0)
        printf("%s: (unreachable) ... ends with %s\n", what, strrchr(buf, '/'));
    else
        printf("%s: %s\n", what, buf);
}

static void body(void)
{
    CHECK(mkdir(sp("root"), 0755));
    CHECK(mkdir(sp("root/etc"), 0755));
    CHECK(mkdir(sp("root/sub"), 0755));
    CHECK(mkdir(sp("root/proc"), 0755));
    CHECK(mkdir(sp("outside"), 0755));
    CHECK(mkdir(sp("closed"), 0700));
    CHECK(mkdir(sp("closed/inner"), 0755));
    write_file(sp("root/etc/name"), "inside");
    write_file(sp("outside/name"), "outside");
    CHECK(symlink("/etc", sp("root/sub/abs")));
    CHECK(symlink("../../../../../../etc", sp("root/sub/rel")));

    CHECK(chroot(sp("missing")));
    CHECK(chroot(sp("root/etc/name")));
    CHECK(chroot((char *)1));
    CHECK(chroot(""));
    as_nobody(unprivileged);

    int outfd = CHECK_OK(open(sp("outside"), O_RDONLY | O_DIRECTORY));
    CHECK(chdir(sp("outside")));
    CHECK(chroot(sp("root")));
    show_cwd("cwd left outside");
    printf("./name: %s\n", read_line("name"));
    printf("/etc/name: %s\n", read_line("/etc/name"));
    printf("/../../etc/name: %s\n", read_line("/../../etc/name"));
    printf("symlink /etc: %s\n", read_line("/sub/abs/name"));
    printf("symlink ../..: %s\n", read_line("/sub/rel/name"));
    struct stat a, b;
    CHECK(stat("/", &a));
    CHECK(stat("/..", &b));
    SHOW(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    CHECK(chdir("/sub"));
    show_cwd("in sub");
    CHECK(chdir("../../.."));
    show_cwd("after ../../..");
    CHECK(fchdir(outfd));
    show_cwd("fchdir out");
    printf("../outside/name from outside: %s\n", read_line("../outside/name"));
    CHECK(chdir("/"));
    CHECK(mount("proc", "/proc", "proc", 0, NULL));
    char link[256] = {0};
    CHECK(readlink("/proc/self/root", link, sizeof link - 1));
    printf("/proc/self/root: %s\n", link);
    memset(link, 0, sizeof link);
    CHECK(readlink("/proc/self/cwd", link, sizeof link - 1));
    printf("/proc/self/cwd: %s\n", link);
    int mf = open("/mapped", O_CREAT | O_RDWR, 0644);
    void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, mf, 0);
    static char maps[65536];
    int mfd = open("/proc/self/maps", O_RDONLY);
    long got = 0, n;
    while ((n = read(mfd, maps + got, sizeof maps - 1 - got)) > 0) got += n;
    close(mfd);
    printf("maps names /mapped from the new root: %d\n", strstr(maps, " /mapped\n") != NULL);
    munmap(m, 4096);
    close(mf);
    unlink("/mapped");
    /* A second chroot is relative to the first. */
    CHECK(chroot("/sub"));
    printf("after chroot /sub, /abs exists: %d\n", access("/abs", F_OK) == 0);
    show_cwd("cwd after second chroot");
    CHECK(umount2("/proc", 0));
    CHECK(chroot("."));
    CHECK(umount2("/proc", MNT_DETACH));
}

int main(void)
{
    return isolated(body, 0);
}
