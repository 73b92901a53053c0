/* O_TMPFILE: an unnamed file in a directory, given a name later with
 * linkat through /proc/self/fd (AT_SYMLINK_FOLLOW) or AT_EMPTY_PATH;
 * O_EXCL forbids that; flag errors. */
#include "fs_common.h"

static long count_entries(const char *dir)
{
    char buf[4096];
    long total = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n <= 0) {
            close(fd);
            return n < 0 ? -1 : total;
        }
        for (long off = 0; off < n;) {
            total++;
            off += *(unsigned short *)(buf + off + 16);
        }
    }
}

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    struct stat st;
    char buf[64], proc[64];

    CHECK(mkdir("d", 0755));
    int fd = CHECK_OK(open("d", O_TMPFILE | O_RDWR, 0600));
    CHECK(write(fd, "temporary", 9));
    memset(buf, 0, sizeof buf);
    CHECK(pread(fd, buf, sizeof buf, 0));
    printf("read back: %s\n", buf);
    CHECK(fstat(fd, &st));
    printf("fstat: %s mode %04o nlink %ld size %ld\n", ftype(st.st_mode),
           (unsigned)(st.st_mode & 07777), (long)st.st_nlink, (long)st.st_size);
    SHOW(st.st_uid == geteuid() && st.st_gid == getegid());
    CHECK(count_entries("d")); /* only . and .. */
    CHECK(fcntl(fd, F_GETFL) & O_ACCMODE);
    CHECK(fchmod(fd, 0640));
    CHECK(ftruncate(fd, 4));

    /* give it a name */
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    /* without AT_SYMLINK_FOLLOW the /proc link itself (another fs) */
    CHECK(linkat(AT_FDCWD, proc, AT_FDCWD, "d/named", 0));
    CHECK(linkat(AT_FDCWD, proc, AT_FDCWD, "d/named", AT_SYMLINK_FOLLOW));
    show_lstat("d/named");
    show_content("d/named");
    CHECK(fstat(fd, &st));
    printf("fstat nlink after linkat: %ld\n", (long)st.st_nlink);
    CHECK(count_entries("d"));
    /* a second name, through AT_EMPTY_PATH (we are root) */
    CHECK(linkat(fd, "", AT_FDCWD, "named2", AT_EMPTY_PATH));
    show_lstat("named2");
    CHECK(close(fd));

    /* once linked, a tmpfile is an ordinary file: after its last name is
     * unlinked it cannot be linked again */
    fd = CHECK_OK(open("d", O_TMPFILE | O_WRONLY, 0644));
    CHECK(write(fd, "w", 1));
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    CHECK(linkat(AT_FDCWD, proc, AT_FDCWD, "d/first", AT_SYMLINK_FOLLOW));
    CHECK(unlink("d/first"));
    CHECK(linkat(AT_FDCWD, proc, AT_FDCWD, "d/second", AT_SYMLINK_FOLLOW));
    show_lstat("d/second");
    CHECK(read(fd, buf, 1)); /* O_WRONLY */
    CHECK(close(fd));

    /* a tmpfile that is never linked leaves nothing behind */
    fd = CHECK_OK(open(".", O_TMPFILE | O_RDWR, 0600));
    CHECK(write(fd, "gone", 4));
    CHECK(close(fd));
    CHECK(count_entries(".")); /* ., .., d, named2 */

    /* O_TMPFILE needs write access */
    CHECK(open("d", O_TMPFILE | O_RDONLY, 0600));
    CHECK(open("d", O_TMPFILE, 0600));
    /* O_CREAT does not go with O_TMPFILE; O_DIRECTORY alone is a plain open */
    CHECK(open("d", O_TMPFILE | O_RDWR | O_CREAT, 0600));
    /* not a directory, missing */
    make_file("file", "x");
    CHECK(open("file", O_TMPFILE | O_RDWR, 0600));
    CHECK(open("missing", O_TMPFILE | O_RDWR, 0600));
    CHECK(open("missing/", O_TMPFILE | O_RDWR, 0600));

    /* O_TMPFILE|O_EXCL: can never be linked */
    fd = CHECK_OK(open("d", O_TMPFILE | O_RDWR | O_EXCL, 0600));
    CHECK(write(fd, "excl", 4));
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    CHECK(linkat(AT_FDCWD, proc, AT_FDCWD, "d/excl", AT_SYMLINK_FOLLOW));
    CHECK(linkat(fd, "", AT_FDCWD, "d/excl", AT_EMPTY_PATH));
    CHECK(lstat("d/excl", &st));
    CHECK(fstat(fd, &st));
    printf("excl fstat nlink %ld size %ld\n", (long)st.st_nlink, (long)st.st_size);
    CHECK(close(fd));

    /* reopening through /proc/self/fd works like for any open file */
    fd = CHECK_OK(open("d", O_TMPFILE | O_RDWR, 0600));
    CHECK(write(fd, "reopen", 6));
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    int fd2 = CHECK_OK(open(proc, O_RDONLY));
    memset(buf, 0, sizeof buf);
    CHECK(read(fd2, buf, sizeof buf));
    printf("through /proc: %s\n", buf);
    CHECK(close(fd2));
    CHECK(close(fd));

    /* the umask applies to the mode */
    umask(077);
    fd = CHECK_OK(open("d", O_TMPFILE | O_RDWR, 0666));
    CHECK(fstat(fd, &st));
    printf("mode with umask 077: %04o\n", (unsigned)(st.st_mode & 07777));
    CHECK(close(fd));
    umask(022);

    fs_cleanup();
    return 0;
}
