/* File creation: O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_CREAT through
 * symlinks, O_DIRECTORY and trailing slashes, creat() and the umask. */
#include "fs_common.h"

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    struct stat st;
    char buf[64];

    /* O_CREAT makes the file, a second O_CREAT opens it unchanged */
    int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0644));
    CHECK(write(fd, "hello", 5));
    CHECK(close(fd));
    show_lstat("f");
    CHECK(fstatat(AT_FDCWD, "f", &st, 0));
    SHOW(st.st_uid == geteuid() && st.st_gid == getegid());
    fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0600));
    show_lstat("f"); /* mode and size unchanged */
    CHECK(close(fd));

    /* O_EXCL */
    CHECK(open("f", O_RDWR | O_CREAT | O_EXCL, 0644));
    CHECK(open("f", O_RDONLY | O_CREAT | O_EXCL, 0644));
    fd = CHECK_OK(open("g", O_RDWR | O_CREAT | O_EXCL, 0640));
    show_lstat("g");
    CHECK(close(fd));
    /* O_EXCL without O_CREAT on an existing file is ignored */
    fd = CHECK_OK(open("g", O_RDONLY | O_EXCL));
    CHECK(close(fd));

    /* a file created with mode 0 still gets the access the open asked for */
    fd = CHECK_OK(open("zero", O_RDWR | O_CREAT | O_EXCL, 0));
    show_lstat("zero");
    CHECK(write(fd, "ab", 2));
    CHECK(pread(fd, buf, sizeof buf, 0));
    CHECK(close(fd));

    /* O_TRUNC */
    fd = CHECK_OK(open("f", O_WRONLY | O_TRUNC));
    show_lstat("f");
    CHECK(write(fd, "0123456789", 10));
    CHECK(close(fd));
    fd = CHECK_OK(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    show_lstat("f");
    CHECK(write(fd, "0123456789", 10));
    CHECK(close(fd));
    /* Linux truncates even for O_RDONLY|O_TRUNC */
    fd = CHECK_OK(open("f", O_RDONLY | O_TRUNC));
    show_lstat("f");
    CHECK(close(fd));

    /* O_APPEND: every write lands at the end, even after lseek; pwrite
     * ignores its offset too (documented Linux bug) */
    make_file("a", "abc");
    fd = CHECK_OK(open("a", O_RDWR | O_APPEND));
    CHECK(lseek(fd, 0, SEEK_CUR));
    CHECK(write(fd, "de", 2));
    CHECK(lseek(fd, 0, SEEK_CUR));
    CHECK(lseek(fd, 1, SEEK_SET));
    CHECK(write(fd, "fg", 2));
    CHECK(lseek(fd, 0, SEEK_CUR));
    CHECK(lseek(fd, 0, SEEK_SET));
    CHECK(read(fd, buf, 3)); /* reads honour the offset */
    printf("read: %.3s\n", buf);
    CHECK(pwrite(fd, "h", 1, 0));
    CHECK(lseek(fd, 0, SEEK_CUR));
    show_content("a");
    /* O_APPEND can be cleared with F_SETFL */
    CHECK(fcntl(fd, F_SETFL, 0));
    CHECK(lseek(fd, 0, SEEK_SET));
    CHECK(write(fd, "X", 1));
    CHECK(fcntl(fd, F_SETFL, O_APPEND));
    CHECK(write(fd, "Y", 1));
    CHECK(close(fd));
    show_content("a");
    /* O_APPEND|O_TRUNC */
    fd = CHECK_OK(open("a", O_WRONLY | O_APPEND | O_TRUNC));
    CHECK(write(fd, "z", 1));
    CHECK(close(fd));
    show_content("a");

    /* O_CREAT through a dangling symlink creates the target */
    CHECK(symlink("target", "dangle"));
    CHECK(open("dangle", O_RDONLY));
    fd = CHECK_OK(open("dangle", O_WRONLY | O_CREAT, 0600));
    CHECK(write(fd, "via link", 8));
    CHECK(close(fd));
    show_lstat("dangle");
    show_lstat("target");
    show_content("target");
    /* ... but not when the target's directory is missing */
    CHECK(symlink("nodir/target", "dangle2"));
    CHECK(open("dangle2", O_WRONLY | O_CREAT, 0600));
    /* O_CREAT|O_EXCL never follows a symlink: EEXIST, dangling or not */
    CHECK(symlink("target3", "dangle3"));
    CHECK(open("dangle3", O_WRONLY | O_CREAT | O_EXCL, 0600));
    CHECK(lstat("target3", &st));
    CHECK(open("dangle", O_WRONLY | O_CREAT | O_EXCL, 0600));
    /* O_NOFOLLOW|O_CREAT on a symlink */
    CHECK(open("dangle3", O_WRONLY | O_CREAT | O_NOFOLLOW, 0600));
    CHECK(lstat("target3", &st));

    /* O_DIRECTORY and trailing slashes */
    CHECK(mkdir("d", 0755));
    CHECK(open("f", O_RDONLY | O_DIRECTORY));
    fd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK(close(fd));
    CHECK(open("f/", O_RDONLY));
    CHECK(open("f/", O_WRONLY));
    CHECK(open("f/", O_RDWR | O_CREAT, 0644));
    CHECK(open("new/", O_RDWR | O_CREAT, 0644));
    CHECK(open("new/", O_RDONLY | O_CREAT, 0644));
    CHECK(lstat("new", &st));
    CHECK(open("f/.", O_RDONLY));
    CHECK(open("f/x", O_RDWR | O_CREAT, 0644));
    CHECK(open("nodir/x", O_RDWR | O_CREAT, 0644));
    CHECK(open("d", O_WRONLY));
    CHECK(open("d", O_RDWR | O_CREAT, 0644));
    CHECK(open("d", O_RDONLY | O_CREAT, 0644));
    CHECK(open("d/", O_RDONLY | O_CREAT, 0644));
    CHECK(open(".", O_RDONLY | O_CREAT, 0644));
    CHECK(open("d", O_RDONLY | O_TRUNC));
    fd = CHECK_OK(open("d/", O_RDONLY));
    CHECK(close(fd));
    /* a symlink to a directory with a trailing slash is the directory */
    CHECK(symlink("d", "dl"));
    fd = CHECK_OK(open("dl/", O_RDONLY | O_DIRECTORY));
    CHECK(close(fd));
    CHECK(symlink("f", "fl"));
    CHECK(open("fl/", O_RDONLY));
    fd = CHECK_OK(open("fl", O_RDONLY));
    CHECK(close(fd));

    /* creat() is O_CREAT|O_WRONLY|O_TRUNC; the umask applies */
    umask(022);
    fd = CHECK_OK(creat("c1", 0777));
    CHECK(read(fd, buf, 1));
    CHECK(write(fd, "abc", 3));
    CHECK(close(fd));
    show_lstat("c1");
    fd = CHECK_OK(creat("c1", 0600)); /* existing: truncated, mode kept */
    CHECK(close(fd));
    show_lstat("c1");
    umask(0);
    fd = CHECK_OK(creat("c2", 0666));
    CHECK(close(fd));
    show_lstat("c2");
    umask(077);
    fd = CHECK_OK(creat("c3", 0666));
    CHECK(close(fd));
    show_lstat("c3");
    CHECK(mkdir("d3", 0777));
    show_lstat("d3");
    umask(0);
    CHECK(mkdir("d4", 0777));
    show_lstat("d4");
    umask(022);
    /* O_CREAT mode bits beyond 0777 */
    fd = CHECK_OK(open("c4", O_WRONLY | O_CREAT | O_EXCL, 01755));
    CHECK(close(fd));
    show_lstat("c4");

    fs_cleanup();
    return 0;
}
