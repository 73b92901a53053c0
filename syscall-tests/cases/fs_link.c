/* link/linkat/unlink: link counts of files and directories, links to
 * directories, AT_SYMLINK_FOLLOW, AT_EMPTY_PATH (we run as root). */
#include "fs_common.h"

static long nlink_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (long)st.st_nlink : -1;
}

static int same_inode(const char *a, const char *b)
{
    struct stat sa, sb;
    return lstat(a, &sa) == 0 && lstat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
           sa.st_dev == sb.st_dev;
}

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    struct stat st;

    /* file link counts */
    make_file("f", "data");
    int fd = CHECK_OK(open("f", O_RDONLY));
    CHECK(nlink_of("f"));
    CHECK(link("f", "g"));
    CHECK(nlink_of("f"));
    CHECK(nlink_of("g"));
    SHOW(same_inode("f", "g"));
    CHECK(link("g", "h"));
    CHECK(nlink_of("f"));
    CHECK(fstat(fd, &st));
    printf("fstat nlink: %ld\n", (long)st.st_nlink);
    CHECK(unlink("g"));
    CHECK(nlink_of("f"));
    CHECK(nlink_of("h"));
    CHECK(unlink("f"));
    CHECK(nlink_of("h"));
    show_content("h");
    CHECK(fstat(fd, &st));
    printf("fstat nlink: %ld\n", (long)st.st_nlink);
    CHECK(close(fd));

    /* link errors */
    make_file("f", "new f");
    CHECK(link("f", "h"));
    CHECK(link("missing", "x"));
    CHECK(link("f", "nodir/x"));
    CHECK(link("f", "f/x"));
    CHECK(link("f/", "x"));
    CHECK(link("f", "x/"));
    CHECK(link("f", ""));
    CHECK(link("", "x"));
    CHECK(lstat("x", &st));

    /* directory link counts: 2 + number of subdirectories */
    CHECK(mkdir("d", 0755));
    CHECK(nlink_of("d"));
    CHECK(mkdir("d/s1", 0755));
    CHECK(nlink_of("d"));
    CHECK(mkdir("d/s2", 0755));
    CHECK(mkdir("d/s3", 0755));
    CHECK(nlink_of("d"));
    make_file("d/file", "not a dir");
    CHECK(symlink("s1", "d/link"));
    CHECK(nlink_of("d")); /* files and symlinks do not count */
    CHECK(rmdir("d/s2"));
    CHECK(nlink_of("d"));
    CHECK(nlink_of("d/s1"));
    CHECK(nlink_of("d/."));
    CHECK(nlink_of("d/s1/.."));

    /* hard links to directories are not allowed */
    CHECK(link("d", "dlink"));
    CHECK(link("d/s1", "d/s1link"));
    CHECK(link(".", "dot"));
    CHECK(link("f", "d")); /* existing directory as the new name */

    /* linkat on a symlink: without AT_SYMLINK_FOLLOW the link itself is
     * linked, with it the target is */
    CHECK(symlink("f", "sl"));
    CHECK(linkat(AT_FDCWD, "sl", AT_FDCWD, "sl_nofollow", 0));
    show_lstat("sl_nofollow");
    CHECK(nlink_of("sl"));
    CHECK(nlink_of("f"));
    SHOW(same_inode("sl", "sl_nofollow"));
    CHECK(linkat(AT_FDCWD, "sl", AT_FDCWD, "sl_follow", AT_SYMLINK_FOLLOW));
    show_lstat("sl_follow");
    CHECK(nlink_of("f"));
    SHOW(same_inode("f", "sl_follow"));
    /* link() itself does not follow */
    CHECK(link("sl", "sl_link"));
    show_lstat("sl_link");
    /* dangling symlink */
    CHECK(symlink("nowhere", "dangling"));
    CHECK(linkat(AT_FDCWD, "dangling", AT_FDCWD, "dl_follow", AT_SYMLINK_FOLLOW));
    CHECK(linkat(AT_FDCWD, "dangling", AT_FDCWD, "dl_nofollow", 0));
    show_lstat("dl_nofollow");
    /* a symlink to a directory, followed */
    CHECK(symlink("d", "dsl"));
    CHECK(linkat(AT_FDCWD, "dsl", AT_FDCWD, "dsl_follow", AT_SYMLINK_FOLLOW));
    /* bad flags */
    CHECK(linkat(AT_FDCWD, "f", AT_FDCWD, "bad", AT_SYMLINK_NOFOLLOW));
    CHECK(linkat(AT_FDCWD, "f", AT_FDCWD, "bad", 0x10000000));

    /* linkat with directory descriptors */
    int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK(linkat(AT_FDCWD, "f", dfd, "f_in_d", 0));
    CHECK(linkat(dfd, "f_in_d", AT_FDCWD, "f_back", 0));
    CHECK(nlink_of("f"));
    CHECK(linkat(dfd, "file", dfd, "file2", 0));
    CHECK(nlink_of("d/file"));
    CHECK(linkat(-1, "f", AT_FDCWD, "bad", 0));
    CHECK(linkat(AT_FDCWD, "f", 999, "bad", 0));

    /* AT_EMPTY_PATH: link the file an fd refers to (needs
     * CAP_DAC_READ_SEARCH) */
    fd = CHECK_OK(open("f", O_RDONLY));
    CHECK(linkat(fd, "", AT_FDCWD, "empty_path", AT_EMPTY_PATH));
    SHOW(same_inode("f", "empty_path"));
    CHECK(nlink_of("f"));
    CHECK(linkat(fd, "", AT_FDCWD, "empty_path2", 0));
    CHECK(linkat(fd, "", AT_FDCWD, "empty_path", AT_EMPTY_PATH));
    CHECK(close(fd));
    int pfd = CHECK_OK(open("f", O_PATH));
    CHECK(linkat(pfd, "", AT_FDCWD, "from_opath", AT_EMPTY_PATH));
    SHOW(same_inode("f", "from_opath"));
    CHECK(close(pfd));
    /* an O_PATH fd of a symlink links the symlink */
    pfd = CHECK_OK(open("sl", O_PATH | O_NOFOLLOW));
    CHECK(linkat(pfd, "", AT_FDCWD, "sl_from_opath", AT_EMPTY_PATH));
    show_lstat("sl_from_opath");
    CHECK(close(pfd));
    /* a directory fd */
    CHECK(linkat(dfd, "", AT_FDCWD, "dir_from_fd", AT_EMPTY_PATH));
    /* an unlinked file cannot get a name back this way */
    make_file("gone", "gone");
    fd = CHECK_OK(open("gone", O_RDWR));
    CHECK(unlink("gone"));
    CHECK(linkat(fd, "", AT_FDCWD, "revived", AT_EMPTY_PATH));
    CHECK(close(fd));
    CHECK(close(dfd));

    /* unlink */
    CHECK(unlink("d"));
    CHECK(unlink("missing"));
    CHECK(unlink("f/"));
    CHECK(unlink("sl")); /* removes the link, not the target */
    CHECK(nlink_of("f"));
    CHECK(unlink("dsl/file2"));
    CHECK(nlink_of("d/file"));
    CHECK(unlinkat(AT_FDCWD, "d/s1", 0));
    CHECK(unlinkat(AT_FDCWD, "d/s1", AT_REMOVEDIR));
    CHECK(unlinkat(AT_FDCWD, "d/file", AT_REMOVEDIR));
    CHECK(unlinkat(AT_FDCWD, "d/file", 0x1));
    CHECK(nlink_of("d"));

    fs_cleanup();
    return 0;
}
