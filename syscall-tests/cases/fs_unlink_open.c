/* Unlinked but open files and removed directories: I/O through the fd
 * keeps working, fstat shows nlink 0; a removed cwd or directory fd can
 * still be opened and stat'ed but getdents64 on it fails with ENOENT (Linux
 * iterate_dir on a dead directory) and it refuses new entries. */
#include "fs_common.h"
#include <stdint.h>

static long count_entries(int fd)
{
    char buf[4096];
    long total = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n < 0)
            return -1;
        if (n == 0)
            return total;
        for (long off = 0; off < n;) {
            unsigned short reclen = *(unsigned short *)(buf + off + 16);
            total++;
            off += reclen;
        }
    }
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    struct stat st;
    char buf[256], proc[64], target[512];

    /* unlink a file while it is open */
    int fd = CHECK_OK(open("f", O_RDWR | O_CREAT | O_EXCL, 0644));
    CHECK(write(fd, "before", 6));
    int rfd = CHECK_OK(open("f", O_RDONLY));
    CHECK(unlink("f"));
    CHECK(lstat("f", &st));
    CHECK(open("f", O_RDONLY));
    CHECK(fstat(fd, &st));
    printf("fstat: %s nlink %ld size %ld\n", ftype(st.st_mode), (long)st.st_nlink,
           (long)st.st_size);
    CHECK(write(fd, " after", 6));
    CHECK(pread(fd, buf, sizeof buf, 0));
    printf("content: %.12s\n", buf);
    memset(buf, 0, sizeof buf);
    CHECK(read(rfd, buf, sizeof buf)); /* the second description sees it too */
    printf("other fd: %s\n", buf);
    CHECK(ftruncate(fd, 3));
    CHECK(fstat(rfd, &st));
    printf("fstat other fd: nlink %ld size %ld\n", (long)st.st_nlink, (long)st.st_size);
    CHECK(fchmod(fd, 0600));
    CHECK(fstat(fd, &st));
    printf("mode after fchmod: %04o\n", (unsigned)(st.st_mode & 07777));
    CHECK(lseek(fd, 0, SEEK_END));
    CHECK(fsync(fd));

    /* a new file with the same name is a different file */
    make_file("f", "new");
    CHECK(stat("f", &st));
    struct stat st2;
    CHECK(fstat(fd, &st2));
    SHOW(st.st_ino != st2.st_ino);
    printf("new file nlink %ld size %ld, old nlink %ld size %ld\n", (long)st.st_nlink,
           (long)st.st_size, (long)st2.st_nlink, (long)st2.st_size);

    /* /proc/self/fd of a deleted file: "(deleted)" and it can be reopened */
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(proc, target, sizeof target - 1);
    target[n > 0 ? n : 0] = 0;
    SHOW(ends_with(target, "/f (deleted)"));
    int fd3 = CHECK_OK(open(proc, O_RDONLY));
    memset(buf, 0, sizeof buf);
    CHECK(read(fd3, buf, sizeof buf));
    printf("reopened content: %s\n", buf);
    CHECK(fstat(fd3, &st));
    printf("reopened nlink %ld\n", (long)st.st_nlink);
    CHECK(close(fd3));
    CHECK(close(rfd));
    CHECK(close(fd));

    /* unlink of a file with another link keeps the data under that name */
    make_file("g", "g data");
    CHECK(link("g", "g2"));
    fd = CHECK_OK(open("g", O_RDONLY));
    CHECK(unlink("g"));
    CHECK(fstat(fd, &st));
    printf("fstat nlink with another name: %ld\n", (long)st.st_nlink);
    CHECK(close(fd));
    show_content("g2");

    /* rmdir errors */
    CHECK(mkdir("d", 0755));
    make_file("d/x", "x");
    CHECK(rmdir("d"));
    CHECK(rmdir("d/x"));
    CHECK(rmdir("d/."));
    CHECK(rmdir("d/.."));
    CHECK(rmdir("."));
    CHECK(rmdir("missing"));
    CHECK(unlink("d"));
    CHECK(unlink("d/"));
    CHECK(unlink("d/x"));
    CHECK(rmdir("d/"));

    /* rmdir of the cwd */
    CHECK(mkdir("cwd", 0755));
    CHECK(chdir("cwd"));
    CHECK(rmdir("../cwd"));
    CHECK(syscall(SYS_getcwd, buf, sizeof buf));
    CHECK(stat(".", &st));
    printf("cwd nlink: %ld\n", (long)st.st_nlink);
    int cfd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
    CHECK(count_entries(cfd));
    CHECK(close(cfd));
    CHECK(open("new", O_RDWR | O_CREAT, 0644));
    CHECK(mkdir("newdir", 0755));
    CHECK(symlink("x", "newlink"));
    CHECK(mkfifo("newfifo", 0644));
    CHECK(stat("..", &st)); /* the parent is still reachable */
    CHECK(chdir(".."));
    CHECK(lstat("cwd", &st));

    /* a directory fd whose directory is removed */
    CHECK(mkdir("d", 0755));
    int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK(count_entries(dfd));
    CHECK(lseek(dfd, 0, SEEK_SET));
    CHECK(rmdir("d"));
    CHECK(count_entries(dfd));
    CHECK(fstat(dfd, &st));
    printf("removed dir: %s nlink %ld\n", ftype(st.st_mode), (long)st.st_nlink);
    CHECK(openat(dfd, "x", O_RDWR | O_CREAT, 0644));
    CHECK(mkdirat(dfd, "sub", 0755));
    CHECK(openat(dfd, ".", O_RDONLY) >= 0);
    CHECK(fchdir(dfd));
    CHECK(stat(".", &st));
    CHECK(chdir(fs_dir));
    /* a new directory of the same name is a different one */
    CHECK(mkdir("d", 0755));
    make_file("d/y", "y");
    CHECK(count_entries(dfd));
    CHECK(close(dfd));

    CHECK(unlink("d/y"));
    CHECK(rmdir("d"));

    fs_cleanup();
    return 0;
}
