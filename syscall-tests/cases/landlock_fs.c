/* Landlock's file system rights, each in a forked child: opens (read, write, readdir, exec, O_TRUNC), making and
 * removing every kind of node, rename and link within and across directories (REFER), truncate, device ioctls,
 * rules on files, stacked layers, inheritance across fork and exec, files opened before the restriction. The tree
 * is made under a fresh /tmp directory and removed at the end. */
#include "landlock_common.h"
#include <dirent.h>
#include <ftw.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

static char top[64];

static void mk(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    if (text) write(fd, text, strlen(text));
    close(fd);
}

static int try_open(const char *path, int flags)
{
    int fd = open(path, flags, 0644);
    if (fd >= 0) close(fd);
    return fd < 0 ? -1 : 0;
}

/* a/ is allowed, b/ is not; both hold a file f, a directory sub and a script run.sh. */
static void tree(void)
{
    mkdir("a", 0755); mkdir("b", 0755); mkdir("a/sub", 0755); mkdir("b/sub", 0755); mkdir("a/sub/deep", 0755);
    mk("a/f", "data"); mk("b/f", "data"); mk("a/sub/g", "data");
    mk("a/run.sh", "#!/bin/true\n"); mk("b/run.sh", "#!/bin/true\n");
}

static void read_rights(void)
{
    int rs = ruleset(FS_READ_FILE | FS_READ_DIR | FS_WRITE_FILE, 0, 0);
    allow_path(rs, "a", FS_READ_FILE | FS_READ_DIR);
    int early = open("b/f", O_RDONLY); /* opened before: kept */
    enforce(rs);
    CHECK(try_open("a/f", O_RDONLY));
    CHECK(try_open("a/sub/g", O_RDONLY));
    CHECK(try_open("b/f", O_RDONLY));
    CHECK(try_open("a/f", O_WRONLY));
    CHECK(try_open("a/f", O_RDWR));
    CHECK(try_open("a", O_RDONLY | O_DIRECTORY));
    CHECK(try_open("b", O_RDONLY | O_DIRECTORY));
    CHECK(try_open(".", O_RDONLY | O_DIRECTORY));
    CHECK(try_open("b/f", O_PATH));
    CHECK(try_open("b/f", O_ACCMODE)); /* access mode 3 asks for neither */
    char c;
    CHECK(read(early, &c, 1));
    struct stat st;
    CHECK(stat("b/f", &st)); /* metadata is not a Landlock right */
    CHECK(access("b/f", R_OK));
    CHECK(chdir("b"));
    CHECK(try_open("f", O_RDONLY));
    CHECK(try_open("../a/f", O_RDONLY));
}

static void file_rule(void)
{
    int rs = ruleset(FS_READ_FILE | FS_READ_DIR, 0, 0);
    allow_path(rs, "b/f", FS_READ_FILE);
    enforce(rs);
    CHECK(try_open("b/f", O_RDONLY));
    CHECK(try_open("a/f", O_RDONLY));
    CHECK(try_open("b", O_RDONLY | O_DIRECTORY));
}

static void unhandled(void)
{
    int rs = ruleset(FS_MAKE_DIR, 0, 0);
    enforce(rs);
    CHECK(try_open("b/f", O_RDWR));
    CHECK(mkdir("b/new", 0755));
    CHECK(mknod("b/fifo", S_IFIFO | 0644, 0));
    CHECK(unlink("b/fifo"));
}

static void make_remove(void)
{
    int rs = ruleset(FS_ALL & ~(FS_READ_FILE | FS_READ_DIR | FS_EXECUTE), 0, 0);
    allow_path(rs, "a", FS_ALL & ~(FS_READ_FILE | FS_READ_DIR | FS_EXECUTE));
    enforce(rs);
    const char *dirs[] = { "a", "b" };
    for (int i = 0; i < 2; i++) {
        char p[32], q[32];
        printf("in %s:\n", dirs[i]);
        snprintf(p, sizeof p, "%s/d", dirs[i]);
        CHECK(mkdir(p, 0755));
        snprintf(p, sizeof p, "%s/reg", dirs[i]);
        CHECK(try_open(p, O_CREAT | O_EXCL | O_WRONLY));
        snprintf(p, sizeof p, "%s/fifo", dirs[i]);
        CHECK(mknod(p, S_IFIFO | 0644, 0));
        snprintf(p, sizeof p, "%s/node", dirs[i]);
        CHECK(mknod(p, S_IFREG | 0644, 0));
        snprintf(p, sizeof p, "%s/link", dirs[i]);
        CHECK(symlink("f", p));
        snprintf(p, sizeof p, "%s/sock", dirs[i]);
        struct sockaddr_un sa = { AF_UNIX };
        strcpy(sa.sun_path, p);
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        CHECK(bind(s, (struct sockaddr *)&sa, sizeof sa));
        close(s);
        snprintf(p, sizeof p, "%s/f", dirs[i]);
        CHECK(truncate(p, 1));
        CHECK(try_open(p, O_WRONLY | O_TRUNC));
        int fd = open(p, O_WRONLY);
        CHECK(ftruncate(fd, 2));
        close(fd);
        snprintf(q, sizeof q, "%s/f2", dirs[i]);
        CHECK(rename(p, q)); /* same directory: no REFER needed */
        CHECK(rename(q, p));
        CHECK(link(p, q));
        CHECK(unlink(q));
        snprintf(p, sizeof p, "%s/sub/deep", dirs[i]);
        CHECK(rmdir(p));
        snprintf(p, sizeof p, "%s/run.sh", dirs[i]);
        CHECK(unlink(p));
    }
    CHECK(symlink("x", "a/sub/link2"));
    CHECK(unlink("a/sub/link2"));
}

static void refer(void)
{
    int rs = ruleset(FS_REFER | FS_MAKE_REG | FS_REMOVE_FILE | FS_READ_FILE, 0, 0);
    allow_path(rs, "a", FS_REFER | FS_MAKE_REG | FS_REMOVE_FILE | FS_READ_FILE);
    allow_path(rs, "b", FS_MAKE_REG | FS_REMOVE_FILE);
    enforce(rs);
    CHECK(rename("a/f", "a/sub/f")); /* within a: REFER on both sides */
    CHECK(rename("a/sub/f", "a/f"));
    CHECK(rename("a/f", "b/moved")); /* no REFER at b */
    CHECK(link("a/f", "b/linked"));
    CHECK(link("a/f", "a/sub/linked"));
    CHECK(unlink("a/sub/linked"));
    CHECK(rename("b/f", "a/f2")); /* REFER missing at the source */
    CHECK(rename("a/f", "."));
    CHECK(rename("a/sub", "b/sub2"));
}

static void refer_gain(void)
{
    /* Moving a file where it would be readable when it is not where it is: EXDEV. */
    int rs = ruleset(FS_REFER | FS_MAKE_REG | FS_REMOVE_FILE | FS_READ_FILE, 0, 0);
    allow_path(rs, ".", FS_REFER | FS_MAKE_REG | FS_REMOVE_FILE);
    allow_path(rs, "a", FS_READ_FILE);
    enforce(rs);
    CHECK(rename("b/f", "a/from_b"));
    CHECK(rename("a/f", "b/from_a")); /* losing a right is fine */
    CHECK(rename("b/from_a", "a/f"));
    CHECK(try_open("a/f", O_RDONLY));
    CHECK(try_open("b/f", O_RDONLY));
}

static void no_refer_layer(void)
{
    /* A layer that never handled REFER still refuses reparenting. */
    int rs = ruleset(FS_MAKE_REG, 0, 0);
    allow_path(rs, ".", FS_MAKE_REG);
    enforce(rs);
    CHECK(rename("a/f", "a/g"));
    CHECK(rename("a/g", "a/f"));
    CHECK(rename("a/f", "b/g"));
    CHECK(link("a/f", "b/g"));
}

static void exec_rights(void)
{
    int rs = ruleset(FS_EXECUTE | FS_READ_FILE, 0, 0);
    allow_path(rs, "/", FS_READ_FILE | FS_EXECUTE);
    enforce(rs);
    int rs2 = ruleset(FS_EXECUTE, 0, 0);
    allow_path(rs2, "/usr", FS_EXECUTE);
    allow_path(rs2, "a", FS_EXECUTE);
    enforce(rs2);
    pid_t p = fork();
    if (p == 0) {
        execl("b/run.sh", "run.sh", NULL);
        printf("exec b/run.sh: %s\n", errname(errno));
        execl("a/run.sh", "run.sh", NULL); /* /bin/true, in /usr */
        printf("exec a/run.sh: %s\n", errname(errno));
        _exit(1);
    }
    int st;
    waitpid(p, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));
}

static void exec_keeps(void)
{
    int rs = ruleset(FS_READ_FILE, 0, 0);
    allow_path(rs, "/usr", FS_READ_FILE);
    allow_path(rs, "/lib", FS_READ_FILE);
    allow_path(rs, "/lib64", FS_READ_FILE);
    allow_path(rs, "/etc", FS_READ_FILE);
    enforce(rs);
    /* The shell after exec is still bound: reading a/f is refused. */
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        execl("/bin/sh", "sh", "-c", "cat a/f 2>/dev/null && echo read || echo refused; cat /etc/hostname >/dev/null && echo etc", NULL);
        _exit(2);
    }
    int st;
    waitpid(p, &st, 0);
}

static void layers(void)
{
    int rs = ruleset(FS_READ_FILE, 0, 0);
    allow_path(rs, ".", FS_READ_FILE);
    enforce(rs);
    CHECK(try_open("a/f", O_RDONLY));
    CHECK(try_open("b/f", O_RDONLY));
    rs = ruleset(FS_READ_FILE, 0, 0);
    allow_path(rs, "a", FS_READ_FILE);
    enforce(rs);
    CHECK(try_open("a/f", O_RDONLY));
    CHECK(try_open("b/f", O_RDONLY));
    pid_t p = fork();
    if (p == 0) {
        printf("grandchild: %d %d\n", try_open("a/f", O_RDONLY), try_open("b/f", O_RDONLY));
        _exit(0);
    }
    waitpid(p, NULL, 0);
    rs = ruleset(FS_READ_FILE, 0, 0);
    enforce(rs); /* no rule at all */
    CHECK(try_open("a/f", O_RDONLY));
}

static void other_mounts(void)
{
    int rs = ruleset(FS_READ_FILE | FS_IOCTL_DEV, 0, 0);
    allow_path(rs, "/proc", FS_READ_FILE);
    int early = open("/dev/null", O_RDONLY);
    enforce(rs);
    CHECK(try_open("/proc/self/status", O_RDONLY));
    CHECK(try_open("/dev/null", O_RDONLY));
    CHECK(try_open("/dev/null", O_WRONLY));
    int fd = open("/dev/null", O_WRONLY);
    struct termios t;
    CHECK(ioctl(fd, TCGETS, &t));
    CHECK(ioctl(fd, FIOCLEX));
    CHECK(ioctl(early, TCGETS, &t));
    int p[2];
    pipe(p);
    int n;
    CHECK(ioctl(p[0], FIONREAD, &n)); /* not a device */
}

static void dev_ioctl_rule(void)
{
    int rs = ruleset(FS_IOCTL_DEV, 0, 0);
    allow_path(rs, "/dev/null", FS_IOCTL_DEV);
    enforce(rs);
    int fd = open("/dev/null", O_RDONLY), z = open("/dev/zero", O_RDONLY);
    struct termios t;
    CHECK(ioctl(fd, TCGETS, &t));
    CHECK(ioctl(z, TCGETS, &t));
}

static void threads_share_nothing(void)
{
    /* The domain is the calling thread's: a process forked afterwards inherits it, its parent does not. */
    pid_t p = fork();
    if (p == 0) {
        int rs = ruleset(FS_READ_FILE, 0, 0);
        enforce(rs);
        printf("restricted child: %d\n", try_open("a/f", O_RDONLY));
        _exit(0);
    }
    waitpid(p, NULL, 0);
    printf("its parent: %d\n", try_open("a/f", O_RDONLY));
}

static int touch(const char *p, const struct stat *s, int flag, struct FTW *f)
{
    (void)p; (void)s; (void)flag; (void)f;
    return 0;
}

static void rules_outlive_caches(void)
{
    /* A rule on a directory of the host's tree keeps holding after many other lookups (more than the sandbox's
     * entry cache keeps) and a pause (when it collects what it dropped): the rule's inode is what lookups find. */
    int rs = ruleset(FS_READ_FILE, 0, 0);
    allow_path(rs, "/usr/share/common-licenses", FS_READ_FILE);
    enforce(rs);
    CHECK(try_open("/usr/share/common-licenses/GPL-3", O_RDONLY));
    CHECK(nftw("/usr/include", touch, 16, FTW_PHYS));
    sleep(2);
    CHECK(try_open("/usr/share/common-licenses/GPL-3", O_RDONLY));
    CHECK(try_open("/usr/lib/os-release", O_RDONLY));
}

static void mounts(void)
{
    CHECK(unshare(CLONE_NEWNS)); /* a private mount namespace, should anything get through */
    CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
    int rs = ruleset(FS_READ_FILE, 0, 0);
    allow_path(rs, "/", FS_READ_FILE);
    enforce(rs);
    CHECK(mount("none", "a", "tmpfs", 0, NULL));
    CHECK(umount2("/proc", MNT_DETACH));
    CHECK(umount2("a", 0)); /* not a mount point: EINVAL comes first */
    CHECK(syscall(SYS_pivot_root, "a", "a/sub"));
    CHECK(chroot("a")); /* chroot is no mount change */
}

static void net_only_mounts(void)
{
    CHECK(unshare(CLONE_NEWNS));
    CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
    int rs = ruleset(0, 0, SCOPE_SIGNAL);
    enforce(rs);
    CHECK(mount("none", "a", "tmpfs", 0, NULL)); /* no file system right handled: allowed */
    CHECK(umount2("a", 0));
}

static int rm(const char *p, const struct stat *s, int flag, struct FTW *f)
{
    (void)s; (void)flag; (void)f;
    return remove(p);
}

static void run(const char *what, void (*fn)(void))
{
    tree();
    in_child(what, fn);
    nftw(".", rm, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    strcpy(top, "/tmp/landlock_fs.XXXXXX");
    if (!mkdtemp(top) || chdir(top) != 0) return 1;
    run("read rights", read_rights);
    run("a rule on a file", file_rule);
    run("unhandled rights are free", unhandled);
    run("make, remove, truncate", make_remove);
    run("refer", refer);
    run("refer never gains a right", refer_gain);
    run("reparenting without REFER", no_refer_layer);
    run("exec", exec_rights);
    run("exec keeps the domain", exec_keeps);
    run("layers", layers);
    run("other mounts, device ioctls", other_mounts);
    run("a device ioctl rule", dev_ioctl_rule);
    run("only the restricted task", threads_share_nothing);
    run("mount changes", mounts);
    run("rules outlive the entry caches", rules_outlive_caches);
    run("mounts without file system rights", net_only_mounts);
    chdir("/");
    CHECK(rmdir(top));
    return 0;
}
