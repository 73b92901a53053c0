/* rename/renameat/renameat2: replacing files and directories, the error
 * cases, same-file renames, RENAME_NOREPLACE and RENAME_EXCHANGE. */
#include "fs_common.h"
#include <linux/fs.h>

static long renameat2_(int olddfd, const char *oldpath, int newdfd, const char *newpath,
                       unsigned flags)
{
    return syscall(SYS_renameat2, olddfd, oldpath, newdfd, newpath, flags);
}

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    struct stat st;

    make_file("a", "file a");
    make_file("b", "file b");
    CHECK(mkdir("d1", 0755));
    CHECK(mkdir("d2", 0755));
    CHECK(mkdir("d3", 0755));
    make_file("d3/inner", "inner");

    /* file over file: the old name disappears, the new one has a's data */
    int fd = CHECK_OK(open("a", O_RDONLY));
    CHECK(rename("a", "b"));
    CHECK(lstat("a", &st));
    show_content("b");
    /* an open descriptor follows the file */
    char buf[16];
    CHECK(read(fd, buf, 6));
    CHECK(fstat(fd, &st));
    printf("fstat after rename: nlink %ld size %ld\n", (long)st.st_nlink, (long)st.st_size);
    CHECK(close(fd));

    /* directory over an empty directory */
    make_file("d1/x", "x in d1");
    CHECK(rename("d1", "d2"));
    CHECK(lstat("d1", &st));
    show_content("d2/x");
    /* directory over a non-empty directory */
    CHECK(rename("d2", "d3"));
    show_content("d2/x");
    show_content("d3/inner");
    /* file over directory, directory over file */
    CHECK(rename("b", "d3"));
    CHECK(rename("d3", "b"));
    CHECK(mkdir("empty", 0755));
    CHECK(rename("b", "empty"));
    CHECK(rename("empty", "b"));
    /* into its own subdirectory */
    CHECK(rename("d3", "d3/sub"));
    CHECK(mkdir("d3/sub", 0755));
    CHECK(rename("d3", "d3/sub/deeper"));
    CHECK(rename("d3", "d3/sub"));
    /* a subdirectory onto its ancestor */
    CHECK(rename("d3/sub", "d3"));
    CHECK(rmdir("d3/sub"));

    /* missing source, missing target directory, file as a path component */
    CHECK(rename("missing", "m2"));
    CHECK(rename("b", "nodir/b"));
    CHECK(rename("b", "b/x"));
    CHECK(rename("b/x", "c"));
    CHECK(rename("", "c"));
    CHECK(rename("b", ""));
    /* ".", ".." and trailing slashes */
    CHECK(rename(".", "dot"));
    CHECK(rename("..", "dotdot"));
    CHECK(rename("d3/.", "dot"));
    CHECK(rename("empty", "."));
    make_file("ts", "trailing slash");
    CHECK(rename("ts/", "c"));
    CHECK(rename("ts", "c/"));
    show_content("ts");
    CHECK(rename("empty/", "empty2/"));
    CHECK(rename("empty2", "empty/"));
    show_lstat("empty");

    /* same file: a no-op that succeeds */
    CHECK(rename("b", "b"));
    show_content("b");
    CHECK(link("b", "b2"));
    CHECK(rename("b", "b2")); /* hard links of one inode: nothing happens */
    show_lstat("b");
    show_lstat("b2");
    CHECK(unlink("b2"));
    CHECK(rename("empty", "empty"));
    CHECK(rename("d3", "./d3"));
    show_lstat("d3");

    /* moving a directory updates both parents' link counts */
    CHECK(mkdir("p1", 0755));
    CHECK(mkdir("p2", 0755));
    CHECK(mkdir("p1/s", 0755));
    show_lstat("p1");
    show_lstat("p2");
    CHECK(rename("p1/s", "p2/s"));
    show_lstat("p1");
    show_lstat("p2");
    /* replacing a directory by a directory in another parent */
    CHECK(mkdir("p1/t", 0755));
    CHECK(rename("p2/s", "p1/t"));
    show_lstat("p1");
    show_lstat("p2");

    /* renaming a symlink renames the link, not its target */
    CHECK(symlink("b", "sl"));
    CHECK(rename("sl", "sl2"));
    show_lstat("sl2");
    show_lstat("b");
    /* a symlink replaces a file */
    make_file("victim", "v");
    CHECK(rename("sl2", "victim"));
    show_lstat("victim");
    show_content("victim");

    /* renameat with directory descriptors */
    int d1 = CHECK_OK(open("p1", O_RDONLY | O_DIRECTORY));
    int d2 = CHECK_OK(open("p2", O_RDONLY | O_DIRECTORY));
    make_file("p1/file", "in p1");
    CHECK(renameat(d1, "file", d2, "moved"));
    show_content("p2/moved");
    CHECK(renameat(d2, "moved", AT_FDCWD, "top"));
    show_content("top");
    CHECK(renameat(-1, "top", AT_FDCWD, "x"));
    CHECK(renameat(AT_FDCWD, "top", 1000, "x"));
    CHECK(close(d1));
    CHECK(close(d2));

    /* RENAME_NOREPLACE */
    make_file("n1", "n1");
    make_file("n2", "n2");
    CHECK(renameat2_(AT_FDCWD, "n1", AT_FDCWD, "n2", RENAME_NOREPLACE));
    show_content("n1");
    show_content("n2");
    CHECK(renameat2_(AT_FDCWD, "n1", AT_FDCWD, "n3", RENAME_NOREPLACE));
    show_content("n3");
    CHECK(renameat2_(AT_FDCWD, "n3", AT_FDCWD, "n3", RENAME_NOREPLACE));
    CHECK(renameat2_(AT_FDCWD, "p1", AT_FDCWD, "p2", RENAME_NOREPLACE));
    CHECK(renameat2_(AT_FDCWD, "n3", AT_FDCWD, "n1", 0));
    show_content("n1");

    /* RENAME_EXCHANGE: a file and a directory swap names */
    make_file("e1", "was e1");
    CHECK(mkdir("e2", 0755));
    make_file("e2/content", "in e2");
    CHECK(renameat2_(AT_FDCWD, "e1", AT_FDCWD, "e2", RENAME_EXCHANGE));
    show_lstat("e1");
    show_lstat("e2");
    show_content("e1/content");
    show_content("e2");
    /* file <-> file */
    CHECK(renameat2_(AT_FDCWD, "n1", AT_FDCWD, "n2", RENAME_EXCHANGE));
    show_content("n1");
    show_content("n2");
    /* the target must exist */
    CHECK(renameat2_(AT_FDCWD, "n1", AT_FDCWD, "nothere", RENAME_EXCHANGE));
    CHECK(renameat2_(AT_FDCWD, "nothere", AT_FDCWD, "n1", RENAME_EXCHANGE));
    /* a directory with a subdirectory of itself */
    CHECK(mkdir("e1/sub", 0755));
    CHECK(renameat2_(AT_FDCWD, "e1", AT_FDCWD, "e1/sub", RENAME_EXCHANGE));
    CHECK(renameat2_(AT_FDCWD, "e1/sub", AT_FDCWD, "e1", RENAME_EXCHANGE));
    /* across directories, with the link counts following */
    CHECK(renameat2_(AT_FDCWD, "e1/sub", AT_FDCWD, "e2", RENAME_EXCHANGE));
    show_lstat("e1");
    show_lstat("e1/sub");
    show_lstat("e2");
    /* same name */
    CHECK(renameat2_(AT_FDCWD, "n1", AT_FDCWD, "n1", RENAME_EXCHANGE));
    show_content("n1");

    /* invalid flags */
    CHECK(renameat2_(AT_FDCWD, "n1", AT_FDCWD, "n2", RENAME_EXCHANGE | RENAME_NOREPLACE));
    CHECK(renameat2_(AT_FDCWD, "n1", AT_FDCWD, "n2", RENAME_EXCHANGE | RENAME_WHITEOUT));
    CHECK(renameat2_(AT_FDCWD, "n1", AT_FDCWD, "n2", 1u << 5));
    CHECK(renameat2_(AT_FDCWD, "n1", AT_FDCWD, "n2", ~0u));
    show_content("n1");
    show_content("n2");

    fs_cleanup();
    return 0;
}
