/* chmod/fchmod/fchmodat and timestamps: utimensat with explicit times
 * (printed: we chose them), UTIME_OMIT, UTIME_NOW (only "changed"),
 * futimens, utimes, AT_SYMLINK_NOFOLLOW, and writes updating mtime. */
#include "fs_common.h"
#include <sys/time.h>

static void show_times(const char *path, int flags)
{
    struct stat st;
    if (fstatat(AT_FDCWD, path, &st, flags) != 0) {
        printf("times %s: -1 %s\n", path, errname(errno));
        return;
    }
    printf("times %s: atime %ld.%09ld mtime %ld.%09ld\n", path, (long)st.st_atim.tv_sec,
           st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static struct stat get(const char *path, int flags)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    if (fstatat(AT_FDCWD, path, &st, flags) != 0)
        printf("stat %s: -1 %s\n", path, errname(errno));
    return st;
}

static int ts_eq(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    struct stat st;

    /* chmod family */
    make_file("f", "data");
    show_lstat("f");
    CHECK(chmod("f", 0640));
    show_lstat("f");
    int fd = CHECK_OK(open("f", O_RDWR));
    CHECK(fchmod(fd, 0604));
    show_lstat("f");
    CHECK(fchmodat(AT_FDCWD, "f", 0600, 0));
    show_lstat("f");
    CHECK(chmod("f", 07755)); /* setuid, setgid, sticky (root) */
    show_lstat("f");
    CHECK(chmod("f", 0170644)); /* type bits are ignored */
    show_lstat("f");
    CHECK(chmod("f", 0));
    show_lstat("f");
    CHECK(chmod("missing", 0644));
    CHECK(chmod("f/", 0644));
    CHECK(chmod("", 0644));
    CHECK(fchmod(-1, 0644));
    int pfd = CHECK_OK(open("f", O_PATH));
    CHECK(fchmod(pfd, 0644));
    CHECK(close(pfd));
    /* through a symlink: the target changes, the link stays 0777 */
    CHECK(symlink("f", "sl"));
    CHECK(chmod("sl", 0644));
    show_lstat("f");
    show_lstat("sl");
    CHECK(mkdir("d", 0755));
    CHECK(chmod("d", 0700));
    show_lstat("d");
    int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK(fchmod(dfd, 01777));
    show_lstat("d");
    CHECK(fchmodat(dfd, "..", 0755, 0)); /* the scratch directory */
    show_lstat(".");
    CHECK(close(dfd));

    /* utimensat with explicit times */
    struct timespec ts[2] = {{1000000000, 123456789}, {1234567890, 987654321}};
    CHECK(utimensat(AT_FDCWD, "f", ts, 0));
    show_times("f", 0);
    /* UTIME_OMIT leaves one alone */
    struct timespec omit_a[2] = {{0, UTIME_OMIT}, {2000000000, 500}};
    CHECK(utimensat(AT_FDCWD, "f", omit_a, 0));
    show_times("f", 0);
    struct timespec omit_m[2] = {{1500000000, 0}, {999, UTIME_OMIT}};
    CHECK(utimensat(AT_FDCWD, "f", omit_m, 0));
    show_times("f", 0);
    struct timespec omit_both[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    struct stat before = get("f", 0);
    CHECK(utimensat(AT_FDCWD, "f", omit_both, 0));
    st = get("f", 0);
    SHOW(ts_eq(st.st_ctim, before.st_ctim)); /* nothing at all happens */
    CHECK(utimensat(AT_FDCWD, "missing", omit_both, 0)); /* not even a lookup */
    show_times("f", 0);
    /* UTIME_NOW for atime: changed; mtime kept */
    struct timespec now_a[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    CHECK(utimensat(AT_FDCWD, "f", now_a, 0));
    st = get("f", 0);
    SHOW(st.st_atim.tv_sec != 1500000000);
    SHOW(st.st_atim.tv_sec > 2000000000 - 400000000); /* recent */
    SHOW(st.st_mtim.tv_sec == 2000000000 && st.st_mtim.tv_nsec == 500);
    /* NULL: both now */
    CHECK(utimensat(AT_FDCWD, "f", ts, 0));
    CHECK(utimensat(AT_FDCWD, "f", NULL, 0));
    st = get("f", 0);
    SHOW(st.st_atim.tv_sec != 1000000000 && st.st_mtim.tv_sec != 1234567890);
    /* zero and pre-1970 times */
    struct timespec zero[2] = {{0, 0}, {0, 1}};
    CHECK(utimensat(AT_FDCWD, "f", zero, 0));
    show_times("f", 0);
    /* errors */
    struct timespec bad_ns[2] = {{0, 1000000000}, {0, 0}};
    CHECK(utimensat(AT_FDCWD, "f", bad_ns, 0));
    struct timespec neg_ns[2] = {{0, 0}, {0, -1}};
    CHECK(utimensat(AT_FDCWD, "f", neg_ns, 0));
    CHECK(utimensat(AT_FDCWD, "f", ts, 0x8000));
    CHECK(utimensat(AT_FDCWD, "missing", ts, 0));
    CHECK(utimensat(-1, "f", ts, 0));
    CHECK(utimensat(AT_FDCWD, "", ts, 0));
    show_times("f", 0);

    /* futimens on the open fd */
    struct timespec fts[2] = {{1111111111, 111}, {1222222222, 222}};
    CHECK(futimens(fd, fts));
    show_times("f", 0);
    CHECK(futimens(fd, omit_a));
    show_times("f", 0);
    CHECK(futimens(-1, fts));
    /* utimensat(fd, "", AT_EMPTY_PATH) is futimens */
    struct timespec ets[2] = {{1300000000, 0}, {1300000001, 0}};
    CHECK(utimensat(fd, "", ets, AT_EMPTY_PATH));
    show_times("f", 0);
    /* utimes takes microseconds */
    struct timeval tv[2] = {{1400000000, 5}, {1400000001, 999999}};
    CHECK(utimes("f", tv));
    show_times("f", 0);

    /* AT_SYMLINK_NOFOLLOW sets the link's own times */
    CHECK(utimensat(AT_FDCWD, "f", ts, 0));
    struct timespec lts[2] = {{1600000000, 1}, {1600000000, 2}};
    CHECK(utimensat(AT_FDCWD, "sl", lts, AT_SYMLINK_NOFOLLOW));
    show_times("sl", AT_SYMLINK_NOFOLLOW);
    show_times("f", 0);
    /* without it the target's (following the link may update the link's
     * atime, depending on the mount options: only its mtime is shown) */
    CHECK(utimensat(AT_FDCWD, "sl", fts, 0));
    st = get("sl", AT_SYMLINK_NOFOLLOW);
    printf("link mtime: %ld.%09ld\n", (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    show_times("f", 0);
    CHECK(symlink("missing", "dangling"));
    CHECK(utimensat(AT_FDCWD, "dangling", lts, 0));
    CHECK(utimensat(AT_FDCWD, "dangling", lts, AT_SYMLINK_NOFOLLOW));
    show_times("dangling", AT_SYMLINK_NOFOLLOW);

    /* directories */
    CHECK(utimensat(AT_FDCWD, "d", ts, 0));
    show_times("d", 0);

    /* a write updates mtime, a truncate that changes the size too */
    CHECK(utimensat(AT_FDCWD, "f", ts, 0));
    CHECK(write(fd, "x", 1));
    st = get("f", 0);
    SHOW(st.st_mtim.tv_sec != 1234567890);
    SHOW(st.st_atim.tv_sec == 1000000000); /* a write does not touch atime */
    CHECK(utimensat(AT_FDCWD, "f", ts, 0));
    CHECK(ftruncate(fd, 100));
    st = get("f", 0);
    SHOW(st.st_mtim.tv_sec != 1234567890);
    /* creating an entry updates the directory's mtime */
    CHECK(utimensat(AT_FDCWD, "d", ts, 0));
    make_file("d/new", "");
    st = get("d", 0);
    SHOW(st.st_mtim.tv_sec != 1234567890);
    /* a chmod does not touch atime or mtime */
    CHECK(utimensat(AT_FDCWD, "f", ts, 0));
    CHECK(fchmod(fd, 0600));
    show_times("f", 0);
    CHECK(close(fd));

    fs_cleanup();
    return 0;
}
