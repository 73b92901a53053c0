/* The new mount API in a private mount namespace: fsopen/fsconfig (argument shapes, parameter checks, the
 * context's phases: EBUSY after create, a reconfiguration after fsmount), fsmount (flags, the detached tree as a
 * dirfd, statfs of it), move_mount (attach, move, ELOOP, submounts of detached trees, onto a detached tree),
 * open_tree (path fds, OPEN_TREE_CLONE with and without AT_RECURSIVE, of a detached tree, of an unmounted one),
 * fspick (reconfigure ro and size), mount_setattr (struct checks, flags, AT_RECURSIVE, propagation), the
 * capability checks as nobody and in a new user namespace. */
#include "mount_common.h"
#include <poll.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#define FSOPEN_CLOEXEC 1
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_SET_BINARY 2
#define FSCONFIG_SET_PATH 3
#define FSCONFIG_SET_FD 5
#define FSCONFIG_CMD_CREATE 6
#define FSCONFIG_CMD_RECONFIGURE 7
#define FSMOUNT_CLOEXEC 1
#define MOUNT_ATTR_RDONLY 1
#define MOUNT_ATTR_NOSUID 2
#define MOUNT_ATTR_NODEV 4
#define MOUNT_ATTR_NOEXEC 8
#define MOUNT_ATTR__ATIME 0x70
#define MOUNT_ATTR_NOATIME 0x10
#define MOUNT_ATTR_STRICTATIME 0x20
#define MOVE_MOUNT_F_SYMLINKS 1
#define MOVE_MOUNT_F_EMPTY_PATH 4
#define OPEN_TREE_CLONE 1
#define AT_RECURSIVE 0x8000
#define FSPICK_CLOEXEC 1

struct attr { unsigned long long set, clr, propagation, userns_fd; };

static int fsopen_(const char *name, unsigned flags) { return syscall(SYS_fsopen, name, flags); }
static int fsconfig_(int fd, unsigned cmd, const char *key, const void *value, int aux)
{
    return syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}
static int fsmount_(int fd, unsigned flags, unsigned attr) { return syscall(SYS_fsmount, fd, flags, attr); }
static int move_mount_(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
    return syscall(SYS_move_mount, fromfd, from, tofd, to, flags);
}
static int open_tree_(int dfd, const char *path, unsigned flags) { return syscall(SYS_open_tree, dfd, path, flags); }
static int fspick_(int dfd, const char *path, unsigned flags) { return syscall(SYS_fspick, dfd, path, flags); }
static int setattr_(int dfd, const char *path, unsigned flags, void *attr, size_t size)
{
    return syscall(SYS_mount_setattr, dfd, path, flags, attr, size);
}

/* A detached tmpfs named src with one more option (or none), mounted with attr; -1 on failure. */
static int new_tmpfs(const char *src, const char *key, const char *value, unsigned attr)
{
    int fs = fsopen_("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0) { printf("fsopen: %s\n", errname(errno)); return -1; }
    if (fsconfig_(fs, FSCONFIG_SET_STRING, "source", src, 0) != 0) printf("source: %s\n", errname(errno));
    if (key && fsconfig_(fs, FSCONFIG_SET_STRING, key, value, 0) != 0) printf("%s: %s\n", key, errname(errno));
    if (fsconfig_(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0) printf("create: %s\n", errname(errno));
    int m = fsmount_(fs, FSMOUNT_CLOEXEC, attr);
    if (m < 0) printf("fsmount: %s\n", errname(errno));
    close(fs);
    return m;
}

static void statfs_of(const char *what, int fd)
{
    struct statfs s;
    if (fstatfs(fd, &s) != 0) { printf("%s: fstatfs %s\n", what, errname(errno)); return; }
    printf("%s: files %ld blocks %ld flags %#lx\n", what, (long)s.f_files, (long)s.f_blocks, (long)s.f_flags);
}

static void contexts(void)
{
    printf("-- fsopen, fsconfig\n");
    CHECK(fsopen_("tmpfs", 2));
    CHECK(fsopen_("nosuchfs", 0));
    CHECK(fsopen_(NULL, 0));
    int fs = CHECK_OK(fsopen_("tmpfs", FSOPEN_CLOEXEC));
    SHOW(fcntl(fs, F_GETFD) == FD_CLOEXEC);
    char buf[64];
    CHECK(read(fs, buf, sizeof buf));
    CHECK(fsconfig_(fs, 99, NULL, NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_FLAG, "ro", "x", 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "mode", NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_CMD_CREATE, "x", NULL, 0));
    CHECK(fsconfig_(-1, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    CHECK(fsconfig_(999, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    CHECK(fsconfig_(0, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_FLAG, "mode", NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "inode64", "1", 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_FLAG, "inode64", NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "size", "lots", 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "mode", "9", 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "nosuchkey", "1", 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_BINARY, "size", "1m", 2));
    CHECK(fsconfig_(fs, FSCONFIG_SET_FD, "source", NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_FD, "source", NULL, 999));
    CHECK(fsconfig_(fs, FSCONFIG_SET_PATH, "source", "", AT_FDCWD));
    CHECK(fsconfig_(fs, FSCONFIG_SET_FLAG, "source", NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "source", "first", 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "source", "second", 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_FLAG, "rw", NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "nr_inodes", "777", 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "size", "1m", 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "mode", "750", 0));
    CHECK(fsconfig_(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
    CHECK(fsmount_(fs, 0, 0));                     /* no superblock yet */
    CHECK(fsconfig_(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "size", "2m", 0));

    printf("-- fsmount\n");
    CHECK(fsmount_(fs, 2, 0));
    CHECK(fsmount_(fs, 0, 0x40));
    CHECK(fsmount_(fs, 0, 0x30));
    CHECK(fsmount_(999, 0, 0));
    CHECK(fsmount_(0, 0, 0));
    int m = CHECK_OK(fsmount_(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOATIME));
    SHOW(fcntl(m, F_GETFD) == FD_CLOEXEC);
    SHOW((fcntl(m, F_GETFL) & O_PATH) != 0);
    CHECK(fsmount_(fs, 0, 0));
    statfs_of("detached", m);
    struct stat st;
    CHECK(fstat(m, &st));
    printf("mode %o\n", st.st_mode);
    char link[64], path[256];
    snprintf(link, sizeof link, "/proc/self/fd/%d", m);
    ssize_t n = readlink(link, path, sizeof path - 1);
    path[n < 0 ? 0 : n] = 0;
    printf("link: %s\n", path);
    CHECK(read(m, buf, 1));
    CHECK(mkdirat(m, "dir", 0755));
    int f = CHECK_OK(openat(m, "dir/file", O_CREAT | O_RDWR, 0644));
    CHECK(write(f, "kept", 4));
    CHECK(umount2(link, 0));

    printf("-- reconfigure after fsmount\n");
    CHECK(fsconfig_(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "nr_inodes", "555", 0));
    CHECK(fsconfig_(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
    statfs_of("reconfigured", m);
    CHECK(mkdirat(m, "more", 0755));
    CHECK(fsconfig_(fs, FSCONFIG_SET_FLAG, "rw", NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
    CHECK(mkdirat(m, "more", 0755));
    close(fs);

    /* The tree goes with its fd; what is open in it stays usable. */
    close(m);
    CHECK(pread(f, buf, 4, 0));
    CHECK(fchmod(f, 0600));
    close(f);

    printf("-- a failed create\n");
    fs = CHECK_OK(fsopen_("sysfs", 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "source", "sysfs", 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "mode", "1", 0));
    CHECK(fsconfig_(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    m = CHECK_OK(fsmount_(fs, 0, 0));
    close(m);
    close(fs);
}

static void moves(void)
{
    printf("-- move_mount\n");
    CHECK(mkdir(sp("a"), 0755));
    CHECK(mkdir(sp("b"), 0755));
    CHECK(mkdir(sp("a2"), 0755));
    write_file(sp("plain"), "plain");
    CHECK(symlink(sp("a"), sp("link")));
    int m = new_tmpfs("first", "size", "1m", MOUNT_ATTR_NOSUID);
    CHECK(mkdirat(m, "sub", 0755));
    CHECK(move_mount_(m, "", AT_FDCWD, sp("a"), 0x80));
    CHECK(move_mount_(m, "", AT_FDCWD, sp("a"), 0));
    CHECK(move_mount_(m, "", AT_FDCWD, sp("plain"), MOVE_MOUNT_F_EMPTY_PATH));
    CHECK(move_mount_(m, "", AT_FDCWD, sp("missing"), MOVE_MOUNT_F_EMPTY_PATH));
    CHECK(move_mount_(m, "", AT_FDCWD, sp("a"), MOVE_MOUNT_F_EMPTY_PATH));
    printf("a: %s\n", mountinfo_of(sp("a")));
    CHECK(access(sp("a/sub"), F_OK));
    CHECK(move_mount_(m, "", AT_FDCWD, sp("b"), MOVE_MOUNT_F_EMPTY_PATH)); /* attached now: moves it */
    printf("a: %s\n", mountinfo_of(sp("a")));
    printf("b: %s\n", mountinfo_of(sp("b")));
    close(m);
    printf("b after close: %s\n", mountinfo_of(sp("b")));
    CHECK(move_mount_(AT_FDCWD, sp("b/sub"), AT_FDCWD, sp("a"), 0));  /* not a mount's root */
    CHECK(move_mount_(AT_FDCWD, sp("b"), AT_FDCWD, sp("b/sub"), 0));  /* into itself */
    CHECK(move_mount_(AT_FDCWD, sp("b"), AT_FDCWD, sp("plain"), 0));
    CHECK(move_mount_(AT_FDCWD, sp("link"), AT_FDCWD, sp("a2"), 0));  /* a symlink without F_SYMLINKS */
    CHECK(move_mount_(AT_FDCWD, sp("b"), AT_FDCWD, sp("a"), 0));
    CHECK(move_mount_(AT_FDCWD, sp("link"), AT_FDCWD, sp("a2"), MOVE_MOUNT_F_SYMLINKS));
    printf("a2: %s\n", mountinfo_of(sp("a2")));

    printf("-- detached trees\n");
    int t1 = new_tmpfs("t1", NULL, NULL, 0);
    int t2 = new_tmpfs("t2", NULL, NULL, 0);
    CHECK(mkdirat(t1, "in", 0755));
    CHECK(move_mount_(t2, "", t1, "in", MOVE_MOUNT_F_EMPTY_PATH));
    close(t2);
    int f = CHECK_OK(openat(t1, "in/marker", O_CREAT | O_RDWR, 0644));
    close(f);
    CHECK(move_mount_(t1, "in", AT_FDCWD, sp("b"), 0));              /* a submount of a detached tree */
    CHECK(move_mount_(t1, "", t1, "in", MOVE_MOUNT_F_EMPTY_PATH));
    CHECK(umount2(sp("a2"), 0));
    CHECK(move_mount_(t1, "", AT_FDCWD, sp("b"), MOVE_MOUNT_F_EMPTY_PATH));
    printf("b: %s\n", mountinfo_of(sp("b")));
    printf("b/in: %s\n", mountinfo_of(sp("b/in")));
    CHECK(access(sp("b/in/marker"), F_OK));
    close(t1);
    CHECK(umount2(sp("b"), 0));
    CHECK(umount2(sp("b/in"), 0));
    CHECK(umount2(sp("b"), 0));
}

static void trees(void)
{
    printf("-- open_tree\n");
    CHECK(mkdir(sp("c"), 0755));
    CHECK(mkdir(sp("d"), 0755));
    CHECK(mount("cfs", sp("c"), "tmpfs", 0, NULL));
    CHECK(mkdir(sp("c/sub"), 0755));
    CHECK(mount("subfs", sp("c/sub"), "tmpfs", 0, NULL));
    write_file(sp("c/sub/marker"), "m");
    CHECK(open_tree_(AT_FDCWD, sp("c"), 1u << 30));
    CHECK(open_tree_(AT_FDCWD, sp("c"), AT_RECURSIVE));
    CHECK(open_tree_(AT_FDCWD, sp("missing"), OPEN_TREE_CLONE));
    CHECK(open_tree_(AT_FDCWD, "", 0));
    int p = CHECK_OK(open_tree_(AT_FDCWD, sp("c"), O_CLOEXEC));
    SHOW((fcntl(p, F_GETFL) & O_PATH) != 0);
    SHOW(fcntl(p, F_GETFD) == FD_CLOEXEC);
    CHECK(faccessat(p, "sub/marker", F_OK, 0));
    close(p);
    int flat = CHECK_OK(open_tree_(AT_FDCWD, sp("c"), OPEN_TREE_CLONE));
    CHECK(faccessat(flat, "sub", F_OK, 0));
    CHECK(faccessat(flat, "sub/marker", F_OK, 0));
    int deep = CHECK_OK(open_tree_(AT_FDCWD, sp("c"), OPEN_TREE_CLONE | AT_RECURSIVE));
    CHECK(faccessat(deep, "sub/marker", F_OK, 0));
    int again = CHECK_OK(open_tree_(deep, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | AT_RECURSIVE));
    CHECK(faccessat(again, "sub/marker", F_OK, 0));
    int part = CHECK_OK(open_tree_(AT_FDCWD, sp("c/sub"), OPEN_TREE_CLONE));
    CHECK(faccessat(part, "marker", F_OK, 0));
    CHECK(move_mount_(deep, "", AT_FDCWD, sp("d"), MOVE_MOUNT_F_EMPTY_PATH));
    printf("d: %s\n", mountinfo_of(sp("d")));
    printf("d/sub: %s\n", mountinfo_of(sp("d/sub")));
    close(flat); close(deep); close(again); close(part);
    CHECK(umount2(sp("d"), MNT_DETACH));

    /* A tree unmounted while its fd lives cannot be cloned. */
    int m = new_tmpfs("gone", NULL, NULL, 0);
    CHECK(move_mount_(m, "", AT_FDCWD, sp("d"), MOVE_MOUNT_F_EMPTY_PATH));
    CHECK(umount2(sp("d"), MNT_DETACH));
    CHECK(open_tree_(m, "", AT_EMPTY_PATH | OPEN_TREE_CLONE));
    CHECK(mount(sp("c/sub"), sp("c/sub"), NULL, MS_BIND, NULL));
    CHECK(mount(NULL, sp("c/sub"), NULL, MS_UNBINDABLE, NULL));
    CHECK(open_tree_(AT_FDCWD, sp("c/sub"), OPEN_TREE_CLONE));
    close(m);

    printf("-- fspick\n");
    CHECK(fspick_(AT_FDCWD, sp("c"), 16));
    CHECK(fspick_(AT_FDCWD, sp("c/missing"), 0));
    CHECK(fspick_(AT_FDCWD, sp("d"), 0));                    /* not a mount's root */
    int fs = CHECK_OK(fspick_(AT_FDCWD, sp("c"), FSPICK_CLOEXEC));
    CHECK(fsconfig_(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    CHECK(fsmount_(fs, 0, 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_SET_STRING, "size", "64k", 0));
    CHECK(fsconfig_(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
    printf("c: %s\n", mountinfo_of(sp("c")));
    CHECK(mkdir(sp("c/x"), 0755));
    CHECK(fsconfig_(fs, FSCONFIG_SET_FLAG, "rw", NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
    CHECK(fsconfig_(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
    CHECK(mkdir(sp("c/x"), 0755));
    close(fs);
}

static void attrs(void)
{
    printf("-- mount_setattr\n");
    CHECK(mkdir(sp("e"), 0755));
    CHECK(mount("efs", sp("e"), "tmpfs", 0, NULL));
    CHECK(mkdir(sp("e/in"), 0755));
    CHECK(mount("infs", sp("e/in"), "tmpfs", 0, NULL));
    struct attr a = { 0 };
    unsigned char big[48] = { 0 };
    CHECK(setattr_(AT_FDCWD, sp("e"), 0x10, &a, sizeof a));
    CHECK(setattr_(AT_FDCWD, sp("e"), 0, &a, 24));
    CHECK(setattr_(AT_FDCWD, sp("e"), 0, &a, 8192));
    CHECK(setattr_(AT_FDCWD, sp("e"), 0, NULL, sizeof a));
    big[40] = 1;
    CHECK(setattr_(AT_FDCWD, sp("e"), 0, big, sizeof big));
    CHECK(setattr_(AT_FDCWD, sp("missing"), 0, &a, sizeof a));       /* nothing to do: no walk */
    a.propagation = MS_REC;
    CHECK(setattr_(AT_FDCWD, sp("e"), 0, &a, sizeof a));
    a.propagation = 0;
    a.set = 1ULL << 40;
    CHECK(setattr_(AT_FDCWD, sp("e"), 0, &a, sizeof a));
    a.set = 0x40000;
    CHECK(setattr_(AT_FDCWD, sp("e"), 0, &a, sizeof a));
    a.set = MOUNT_ATTR_NOATIME;
    CHECK(setattr_(AT_FDCWD, sp("e"), 0, &a, sizeof a));
    a.clr = MOUNT_ATTR_NOATIME;
    CHECK(setattr_(AT_FDCWD, sp("e"), 0, &a, sizeof a));
    a.set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
    a.clr = 0;
    CHECK(setattr_(AT_FDCWD, sp("e/in/.."), 0, &a, sizeof a));
    CHECK(setattr_(AT_FDCWD, sp("missing"), 0, &a, sizeof a));
    CHECK(setattr_(AT_FDCWD, sp("e"), 0, &a, sizeof a));
    printf("e: %s\n", mountinfo_of(sp("e")));
    printf("e/in: %s\n", mountinfo_of(sp("e/in")));
    a.set = MOUNT_ATTR_NODEV | MOUNT_ATTR_STRICTATIME;
    a.clr = MOUNT_ATTR_RDONLY | MOUNT_ATTR__ATIME;
    CHECK(setattr_(AT_FDCWD, sp("e"), AT_RECURSIVE, &a, sizeof a));
    printf("e: %s\n", mountinfo_of(sp("e")));
    printf("e/in: %s\n", mountinfo_of(sp("e/in")));
    memset(&a, 0, sizeof a);
    a.propagation = MS_SHARED;
    CHECK(setattr_(AT_FDCWD, sp("e"), AT_RECURSIVE, &a, sizeof a));
    printf("e: %s\n", propagation_of(sp("e")));
    printf("e/in: %s\n", propagation_of(sp("e/in")));
    a.propagation = MS_PRIVATE;
    CHECK(setattr_(AT_FDCWD, sp("e"), 0, &a, sizeof a));
    printf("e: %s\n", propagation_of(sp("e")));
    printf("e/in: %s\n", propagation_of(sp("e/in")));

    /* A detached tree's root through its fd. */
    int m = new_tmpfs("det", NULL, NULL, 0);
    memset(&a, 0, sizeof a);
    a.set = MOUNT_ATTR_RDONLY;
    CHECK(setattr_(m, "", 0, &a, sizeof a));
    CHECK(setattr_(m, "", AT_EMPTY_PATH, &a, sizeof a));
    CHECK(mkdirat(m, "x", 0755));
    close(m);
}

/* poll's POLLPRI|POLLERR on the mount tables once per change of the namespace. */
static void show_poll(const char *what, int fd)
{
    struct pollfd p = { fd, POLLPRI, 0 };
    int n = poll(&p, 1, 0);
    printf("%s: %d %#x\n", what, n, p.revents);
}

static void polls(void)
{
    printf("-- polling mountinfo\n");
    CHECK(mkdir(sp("p"), 0755));
    int info = CHECK_OK(open("/proc/self/mountinfo", O_RDONLY));
    int mounts = CHECK_OK(open("/proc/self/mounts", O_RDONLY));
    show_poll("initial", info);
    CHECK(mount("pfs", sp("p"), "tmpfs", 0, NULL));
    show_poll("mount", info);
    show_poll("again", info);
    CHECK(mount(NULL, sp("p"), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
    show_poll("remount", info);
    struct attr a = { 0, MOUNT_ATTR_RDONLY, 0, 0 };
    CHECK(setattr_(AT_FDCWD, sp("p"), 0, &a, sizeof a));
    show_poll("setattr", info);
    CHECK(mount(NULL, sp("p"), NULL, MS_SHARED, NULL));
    show_poll("make shared", info);
    int m = new_tmpfs("pm", NULL, NULL, 0);
    show_poll("fsmount", info);
    CHECK(move_mount_(m, "", AT_FDCWD, sp("p"), MOVE_MOUNT_F_EMPTY_PATH));
    close(m);
    show_poll("move_mount", info);
    CHECK(umount2(sp("p"), MNT_DETACH));
    CHECK(umount2(sp("p"), MNT_DETACH));
    show_poll("umount", info);
    show_poll("mounts", mounts);
    show_poll("mounts again", mounts);
    close(info);
    close(mounts);
}

/* How many mounts /proc/self/mountinfo lists at path. */
static int mounts_at(const char *path)
{
    static char buf[65536];
    int fd = open("/proc/self/mountinfo", O_RDONLY), n = 0, count = 0;
    ssize_t r;
    while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
    close(fd);
    buf[n] = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
    {
        char point[256];
        if (sscanf(line, "%*s %*s %*s %*s %255s", point) == 1 && strcmp(point, path) == 0) count++;
    }
    return count;
}

/* A lazy unmount of a tree takes the copies its shared submounts propagated. */
static void umount_tree(void)
{
    printf("-- umount of a tree with shared submounts\n");
    CHECK(mkdir(sp("g"), 0755));
    CHECK(mkdir(sp("h"), 0755));
    CHECK(mount("gfs", sp("g"), "tmpfs", 0, NULL));
    CHECK(mkdir(sp("g/child"), 0755));
    CHECK(mount("childfs", sp("g/child"), "tmpfs", 0, NULL));
    CHECK(mount(NULL, sp("g/child"), NULL, MS_SHARED, NULL));
    CHECK(mount(sp("g/child"), sp("h"), NULL, MS_BIND, NULL));
    CHECK(mount("top", sp("g/child"), "tmpfs", 0, NULL));
    printf("h: %d mounts\n", mounts_at(sp("h")));
    CHECK(umount2(sp("g"), MNT_DETACH));
    printf("h: %d mounts\n", mounts_at(sp("h")));
    CHECK(umount2(sp("h"), MNT_DETACH));
}

static void nobody(void)
{
    struct attr a = { MOUNT_ATTR_RDONLY, 0, 0, 0 };
    CHECK(fsopen_("tmpfs", 0));
    CHECK(fsopen_("tmpfs", 2));
    CHECK(fsmount_(0, 0, 0));
    CHECK(move_mount_(AT_FDCWD, "/", AT_FDCWD, "/", 0));
    CHECK(fspick_(AT_FDCWD, "/", 0));
    CHECK(setattr_(AT_FDCWD, "/", 0, &a, 8));
    CHECK(setattr_(AT_FDCWD, "/", 0, &a, sizeof a));
    CHECK(open_tree_(AT_FDCWD, "/", OPEN_TREE_CLONE));
    int p = CHECK_OK(open_tree_(AT_FDCWD, "/", 0));
    close(p);
}

static void in_userns(void)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
    {
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) { printf("unshare: %s\n", errname(errno)); _exit(1); }
        int fs = CHECK_OK(fsopen_("tmpfs", 0));
        CHECK(fsconfig_(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
        int m = CHECK_OK(fsmount_(fs, 0, 0));
        CHECK(move_mount_(m, "", AT_FDCWD, sp("u"), MOVE_MOUNT_F_EMPTY_PATH));
        printf("u: %s\n", mountinfo_of(sp("u")));
        close(m); close(fs);
        fs = CHECK_OK(fsopen_("proc", 0));
        CHECK(fsconfig_(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
        close(fs);
        int t = CHECK_OK(open_tree_(AT_FDCWD, sp("u"), OPEN_TREE_CLONE));
        close(t);
        _exit(0);
    }
    waitpid(c, NULL, 0);
}

static void body(void)
{
    contexts();
    moves();
    trees();
    attrs();
    polls();
    umount_tree();
    printf("-- as nobody\n");
    as_nobody(nobody);
    printf("-- in a user namespace\n");
    CHECK(mkdir(sp("u"), 0755));
    in_userns();
}

int main(void)
{
    return isolated(body, 0);
}
