/* statfs/fstatfs/statvfs on a scratch file: only facts that hold on any
 * Linux file system we run on (the numbers themselves differ). */
#include "fs_common.h"
#include <sys/statfs.h>
#include <sys/statvfs.h>

static void show(const char *what, const struct statfs *s)
{
    printf("%s: f_namelen %ld, f_bsize > 0: %s, f_frsize > 0: %s, bavail <= bfree <= blocks: %s,"
           " ffree <= files: %s\n",
           what, (long)s->f_namelen, s->f_bsize > 0 ? "yes" : "no",
           s->f_frsize > 0 ? "yes" : "no",
           s->f_bavail <= s->f_bfree && s->f_bfree <= s->f_blocks ? "yes" : "no",
           s->f_ffree <= s->f_files ? "yes" : "no");
}

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    struct statfs a, b, c;
    struct statvfs v;

    make_file("f", "data");
    CHECK(statfs("f", &a));
    show("statfs f", &a);
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK(fstatfs(fd, &b));
    show("fstatfs f", &b);
    SHOW(a.f_type == b.f_type && a.f_bsize == b.f_bsize && a.f_blocks == b.f_blocks);
    /* the directory and the file are on the same file system */
    CHECK(statfs(".", &c));
    SHOW(a.f_type == c.f_type && !memcmp(&a.f_fsid, &c.f_fsid, sizeof a.f_fsid));
    /* an O_PATH fd works too */
    int pfd = CHECK_OK(open("f", O_PATH));
    CHECK(fstatfs(pfd, &c));
    SHOW(a.f_type == c.f_type);
    /* through a symlink (followed) */
    CHECK(symlink("f", "sl"));
    CHECK(statfs("sl", &c));
    SHOW(a.f_type == c.f_type);
    /* statvfs (libc, on top of statfs) */
    CHECK(statvfs("f", &v));
    printf("statvfs: f_namemax %lu, f_bsize > 0: %s\n", (unsigned long)v.f_namemax,
           v.f_bsize > 0 ? "yes" : "no");
    CHECK(fstatvfs(fd, &v));
    printf("fstatvfs: f_namemax %lu\n", (unsigned long)v.f_namemax);

    /* errors */
    CHECK(statfs("missing", &c));
    CHECK(statfs("f/x", &c));
    CHECK(statfs("", &c));
    CHECK(statfs("f", NULL));
    CHECK(fstatfs(-1, &c));
    CHECK(fstatfs(fd, NULL));
    CHECK(close(fd));
    CHECK(close(pfd));

    fs_cleanup();
    return 0;
}
