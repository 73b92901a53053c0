/* A tmpfs's space as Linux counts it: size= limits the data pages (charged when first written, holes free), a write
 * that runs out stops short and then fails with ENOSPC, truncation and the last close of a deleted file give pages
 * back, statfs reports blocks and inodes in use, and remount can grow or shrink the limit but not below what is used
 * nor put one on a size=0 (unlimited) tmpfs; fallocate charges its pages all or none. */
#include "mount_common.h"
#include <sys/stat.h>
#include <sys/statfs.h>

static void show(const char *what)
{
    struct statfs s;
    if (statfs(sp("t"), &s) != 0) { printf("%s: statfs %s\n", what, errname(errno)); return; }
    printf("%s: blocks %ld free %ld avail %ld inodes used %ld\n", what, (long)s.f_blocks, (long)s.f_bfree,
           (long)s.f_bavail, (long)(s.f_files - s.f_ffree));
}

static long put(const char *name, long off, long len)
{
    static char buf[1 << 20];
    memset(buf, 'x', sizeof buf);
    int fd = open(sp(name), O_WRONLY | O_CREAT, 0644);
    if (fd < 0) return -errno;
    long n = pwrite(fd, buf, len, off);
    long r = n < 0 ? -errno : n;
    close(fd);
    return r;
}

static void body(void)
{
    CHECK(mkdir(sp("t"), 0755));
    CHECK(mount("none", sp("t"), "tmpfs", 0, "size=64k"));
    printf("mountinfo: %s\n", mountinfo_of(sp("t")));
    show("empty");
    printf("write 10000: %ld\n", put("t/a", 0, 10000));
    show("a is 3 pages");
    printf("sparse byte at 1 MiB: %ld\n", put("t/sparse", 1 << 20, 1));
    show("sparse is 1 page");
    printf("write 100000: %ld\n", put("t/b", 0, 100000));
    show("full");
    printf("write more: %ld\n", put("t/b", 100000, 10));
    printf("rewrite in place: %ld\n", put("t/a", 0, 4096));
    CHECK(truncate(sp("t/a"), 4097));
    show("a cut to 2 pages");
    CHECK(mkdir(sp("t/d"), 0755));
    CHECK(symlink("a", sp("t/l")));
    show("a dir and a link");
    CHECK(rmdir(sp("t/d")));
    CHECK(unlink(sp("t/l")));
    int fd = CHECK_OK(open(sp("t/b"), O_RDONLY));
    CHECK(unlink(sp("t/b")));
    show("b deleted, still open");
    CHECK(close(fd));
    show("b closed");
    CHECK(mount(NULL, sp("t"), NULL, MS_REMOUNT, "size=4k"));
    CHECK(mount(NULL, sp("t"), NULL, MS_REMOUNT, "size=1m"));
    show("remounted 1m");
    printf("mountinfo: %s\n", mountinfo_of(sp("t")));
    CHECK(ftruncate(fd = CHECK_OK(open(sp("t/a"), O_WRONLY)), 0));
    CHECK(close(fd));
    CHECK(unlink(sp("t/sparse")));
    show("emptied");
    CHECK(umount2(sp("t"), 0));

    CHECK(mount("none", sp("t"), "tmpfs", 0, "size=0"));
    printf("mountinfo: %s\n", mountinfo_of(sp("t")));
    printf("write 100000: %ld\n", put("t/a", 0, 100000));
    show("unlimited");
    CHECK(mount(NULL, sp("t"), NULL, MS_REMOUNT, "size=1m"));
    CHECK(umount2(sp("t"), 0));

    CHECK(mount("none", sp("t"), "tmpfs", 0, "nr_blocks=3"));
    printf("write 20000: %ld\n", put("t/a", 0, 20000));
    show("nr_blocks=3");
    CHECK(umount2(sp("t"), 0));

    /* fallocate charges its pages all at once or not at all; KEEP_SIZE keeps the size */
    CHECK(mount("none", sp("t"), "tmpfs", 0, "size=16k"));
    fd = CHECK_OK(open(sp("t/f"), O_RDWR | O_CREAT, 0644));
    CHECK(fallocate(fd, 0, 0, 4096 + 1));
    show("fallocate 2 pages");
    CHECK(fallocate(fd, 0, 0, 5 * 4096));
    show("fallocate past the limit");
    CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 4096, 2 * 4096));
    struct stat st;
    CHECK(fstat(fd, &st));
    printf("size after KEEP_SIZE: %ld\n", (long)st.st_size);
    show("fallocate KEEP_SIZE to 3 pages");
    CHECK(write(fd, "x", 1));
    CHECK(close(fd));
    CHECK(unlink(sp("t/f")));
    CHECK(umount2(sp("t"), 0));

    /* a symlink target of 128 bytes or more takes a page (shorter ones none), given back by unlink */
    CHECK(mount("none", sp("t"), "tmpfs", 0, "size=4k"));
    char target[129];
    memset(target, 'a', 128);
    target[128] = 0;
    CHECK(symlink(target, sp("t/long1")));
    show("a 128-byte link");
    CHECK(symlink(target, sp("t/long2")));
    target[127] = 0;
    CHECK(symlink(target, sp("t/short")));
    CHECK(unlink(sp("t/long1")));
    show("unlinked");
    CHECK(umount2(sp("t"), 0));
    CHECK(mount("none", sp("t"), "tmpfs", 0, "size=25%"));
    struct statfs s;
    CHECK(statfs(sp("t"), &s));
    printf("size=25%%: some blocks %d, free = blocks %d\n", s.f_blocks > 0, s.f_bfree == s.f_blocks);
    CHECK(umount2(sp("t"), 0));
}

int main(void)
{
    return isolated(body, 0);
}
