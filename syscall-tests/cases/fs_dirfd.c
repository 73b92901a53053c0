/* The *at() rules: a relative path is looked up from the dirfd, an
 * absolute one ignores it; a dirfd that is not a directory gives ENOTDIR,
 * a bad one EBADF; AT_EMPTY_PATH; O_PATH directory fds; fchdir. */
#include "fs_common.h"

static void show_fstatat(const char *what, int dfd, const char *path, int flags)
{
    struct stat st;
    if (fstatat(dfd, path, &st, flags) != 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    print_stat(what, "", &st);
}

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    struct stat st, st2;
    char buf[64], abs[128];

    CHECK(mkdir("d", 0755));
    make_file("d/f", "in d");
    make_file("top", "at top");
    snprintf(abs, sizeof abs, "%s/top", fs_dir);

    int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    int ffd = CHECK_OK(open("top", O_RDONLY));

    /* relative to the dirfd */
    int fd = CHECK_OK(openat(dfd, "f", O_RDONLY));
    memset(buf, 0, sizeof buf);
    CHECK(read(fd, buf, sizeof buf));
    printf("openat(dfd, f): %s\n", buf);
    CHECK(close(fd));
    show_fstatat("fstatat(dfd, f)", dfd, "f", 0);
    CHECK(openat(dfd, "top", O_RDONLY));
    fd = CHECK_OK(openat(dfd, "../top", O_RDONLY));
    CHECK(close(fd));
    CHECK(fstatat(dfd, "..", &st, 0));
    CHECK(stat(".", &st2));
    SHOW(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    CHECK(fstatat(dfd, ".", &st, 0));
    CHECK(stat("d", &st2));
    SHOW(st.st_ino == st2.st_ino);
    CHECK(faccessat(dfd, "f", R_OK, 0));
    CHECK(faccessat(dfd, "nope", R_OK, 0));
    CHECK(mkdirat(dfd, "sub", 0755));
    show_lstat("d/sub");
    CHECK(mknodat(dfd, "fifo", S_IFIFO | 0644, 0));
    show_lstat("d/fifo");
    CHECK(symlinkat("f", dfd, "sl")); /* the target is relative to d */
    show_content("d/sl");
    CHECK(readlinkat(dfd, "sl", buf, sizeof buf));
    CHECK(linkat(dfd, "f", dfd, "f2", 0));
    show_lstat("d/f");
    CHECK(renameat(dfd, "f2", AT_FDCWD, "moved"));
    show_content("moved");
    CHECK(fchmodat(dfd, "f", 0600, 0));
    show_lstat("d/f");
    CHECK(fchownat(dfd, "f", -1, -1, 0));
    CHECK(utimensat(dfd, "f", NULL, 0));
    CHECK(unlinkat(dfd, "f", AT_REMOVEDIR));
    CHECK(unlinkat(dfd, "sub", 0));
    CHECK(unlinkat(dfd, "sub", AT_REMOVEDIR));
    CHECK(unlinkat(dfd, "fifo", 0));
    CHECK(unlinkat(dfd, "f", 0x8000));

    /* absolute paths ignore the dirfd, whatever it is */
    fd = CHECK_OK(openat(dfd, abs, O_RDONLY));
    CHECK(close(fd));
    fd = CHECK_OK(openat(ffd, abs, O_RDONLY));
    CHECK(close(fd));
    fd = CHECK_OK(openat(-1, abs, O_RDONLY));
    CHECK(close(fd));
    fd = CHECK_OK(openat(9999, abs, O_RDONLY));
    CHECK(close(fd));
    CHECK(fstatat(-1, abs, &st, 0));
    CHECK(faccessat(12345, abs, F_OK, 0));

    /* AT_FDCWD */
    fd = CHECK_OK(openat(AT_FDCWD, "top", O_RDONLY));
    CHECK(close(fd));
    CHECK(fstatat(AT_FDCWD, "d/f", &st, 0));

    /* a dirfd that is not a directory */
    CHECK(openat(ffd, "x", O_RDONLY));
    CHECK(openat(ffd, "x", O_RDWR | O_CREAT, 0644));
    CHECK(fstatat(ffd, "x", &st, 0));
    CHECK(mkdirat(ffd, "x", 0755));
    CHECK(unlinkat(ffd, "x", 0));
    CHECK(symlinkat("t", ffd, "x"));
    CHECK(readlinkat(ffd, "x", buf, sizeof buf));
    CHECK(faccessat(ffd, "x", F_OK, 0));
    CHECK(renameat(ffd, "x", AT_FDCWD, "y"));
    CHECK(openat(ffd, ".", O_RDONLY));
    int pipefd[2];
    CHECK(pipe(pipefd));
    CHECK(openat(pipefd[0], "x", O_RDONLY));
    CHECK(close(pipefd[0]));
    CHECK(close(pipefd[1]));

    /* bad dirfds */
    CHECK(openat(-1, "top", O_RDONLY));
    CHECK(openat(-100 - 1, "top", O_RDONLY));
    CHECK(openat(9999, "top", O_RDONLY));
    CHECK(fstatat(-1, "top", &st, 0));
    CHECK(mkdirat(-1, "x", 0755));
    CHECK(unlinkat(-1, "top", 0));
    CHECK(fstatat(9999, "", &st, AT_EMPTY_PATH));

    /* AT_EMPTY_PATH: the fd itself */
    show_fstatat("fstatat(ffd, \"\", AT_EMPTY_PATH)", ffd, "", AT_EMPTY_PATH);
    show_fstatat("fstatat(dfd, \"\", AT_EMPTY_PATH)", dfd, "", AT_EMPTY_PATH);
    show_fstatat("fstatat(AT_FDCWD, \"\", AT_EMPTY_PATH)", AT_FDCWD, "", AT_EMPTY_PATH);
    CHECK(fstatat(ffd, "", &st, 0));
    CHECK(fstatat(dfd, "", &st, 0));
    CHECK(fstatat(ffd, "", &st, 0x80000000));
    CHECK(faccessat(ffd, "", R_OK, AT_EMPTY_PATH));
    CHECK(fchownat(ffd, "", -1, -1, AT_EMPTY_PATH));
    CHECK(fchownat(ffd, "", -1, -1, 0));

    /* an O_PATH directory fd works as a dirfd */
    int pfd = CHECK_OK(open("d", O_PATH | O_DIRECTORY));
    fd = CHECK_OK(openat(pfd, "sl", O_RDONLY));
    CHECK(close(fd));
    show_fstatat("fstatat(pfd, sl, NOFOLLOW)", pfd, "sl", AT_SYMLINK_NOFOLLOW);
    show_fstatat("fstatat(pfd, \"\", AT_EMPTY_PATH)", pfd, "", AT_EMPTY_PATH);
    CHECK(mkdirat(pfd, "viapath", 0755));
    CHECK(unlinkat(pfd, "viapath", AT_REMOVEDIR));
    CHECK(syscall(SYS_getdents64, pfd, buf, sizeof buf));
    CHECK(read(pfd, buf, 1));
    /* and an O_PATH file fd is still not a directory */
    int pffd = CHECK_OK(open("top", O_PATH));
    CHECK(openat(pffd, "x", O_RDONLY));
    show_fstatat("fstatat(pffd, \"\", AT_EMPTY_PATH)", pffd, "", AT_EMPTY_PATH);

    /* a symlink to a directory as an O_PATH|O_NOFOLLOW fd is not a dirfd */
    CHECK(symlink("d", "dl"));
    int lfd = CHECK_OK(open("dl", O_PATH | O_NOFOLLOW));
    CHECK(openat(lfd, "f", O_RDONLY));
    CHECK(close(lfd));

    /* fchdir */
    CHECK(fchdir(dfd));
    show_content("f");
    show_content("../top");
    CHECK(chdir(".."));
    CHECK(fchdir(pfd)); /* O_PATH fds are accepted */
    show_content("sl");
    CHECK(chdir(".."));
    CHECK(fchdir(ffd));
    CHECK(fchdir(pffd));
    CHECK(fchdir(-1));
    CHECK(fchdir(9999));
    show_content("top"); /* still in the scratch dir */

    /* the dirfd keeps pointing at the directory when it is renamed */
    CHECK(rename("d", "renamed"));
    show_fstatat("fstatat(dfd, f) after rename", dfd, "f", 0);
    CHECK(openat(dfd, "../d", O_RDONLY));
    fd = CHECK_OK(openat(dfd, "../renamed/f", O_RDONLY));
    CHECK(close(fd));

    CHECK(close(pffd));
    CHECK(close(pfd));
    CHECK(close(ffd));
    CHECK(close(dfd));

    fs_cleanup();
    return 0;
}
