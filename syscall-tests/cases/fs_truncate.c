/* truncate/ftruncate/fallocate: growing reads back zeros, shrinking drops
 * data for good, the file offset is untouched, errors. */
#define _FILE_OFFSET_BITS 64
#include "fs_common.h"
#include <linux/falloc.h>

static long size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static long fsize(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

/* Prints N bytes at OFF, zeros as '0'. */
static void show_bytes(int fd, off_t off, size_t n)
{
    char buf[64], out[65];
    ssize_t r = pread(fd, buf, n, off);
    if (r < 0) {
        printf("pread: -1 %s\n", errname(errno));
        return;
    }
    for (ssize_t i = 0; i < r; i++)
        out[i] = buf[i] ? buf[i] : '0';
    out[r] = 0;
    printf("bytes [%ld, +%zu): %zd \"%s\"\n", (long)off, n, r, out);
}

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");

    int fd = CHECK_OK(open("f", O_RDWR | O_CREAT | O_EXCL, 0644));
    CHECK(write(fd, "hello", 5));

    /* grow: the new bytes are zeros */
    CHECK(ftruncate(fd, 10));
    CHECK(fsize(fd));
    show_bytes(fd, 0, 12);
    CHECK(lseek(fd, 0, SEEK_CUR)); /* offset unchanged */
    /* shrink, then grow again: the cut data does not come back */
    CHECK(ftruncate(fd, 2));
    CHECK(fsize(fd));
    show_bytes(fd, 0, 12);
    CHECK(ftruncate(fd, 8));
    show_bytes(fd, 0, 12);
    /* writing at the old offset past the end leaves a hole */
    CHECK(ftruncate(fd, 1));
    CHECK(lseek(fd, 0, SEEK_CUR));
    CHECK(write(fd, "!", 1));
    CHECK(fsize(fd));
    show_bytes(fd, 0, 12);
    CHECK(ftruncate(fd, 0));
    CHECK(fsize(fd));
    CHECK(read(fd, (char[8]){0}, 8));
    /* same size */
    CHECK(ftruncate(fd, 0));
    /* large sparse size */
    CHECK(ftruncate(fd, 1L << 32));
    CHECK(fsize(fd));
    show_bytes(fd, (1L << 32) - 4, 8);
    CHECK(ftruncate(fd, 0));

    /* truncate by path, through a symlink */
    CHECK(truncate("f", 100));
    CHECK(size_of("f"));
    CHECK(fsize(fd));
    CHECK(symlink("f", "sl"));
    CHECK(truncate("sl", 7));
    CHECK(size_of("f"));
    CHECK(truncate("missing", 0));
    CHECK(truncate("", 0));
    CHECK(truncate("f/", 0));
    CHECK(mkdir("d", 0755));
    CHECK(truncate("d", 0));
    CHECK(truncate("f", -1));
    CHECK(size_of("f"));

    /* ftruncate errors */
    CHECK(ftruncate(fd, -1));
    CHECK(ftruncate(fd, -4096));
    int rfd = CHECK_OK(open("f", O_RDONLY));
    CHECK(ftruncate(rfd, 0));
    CHECK(size_of("f"));
    int pfd = CHECK_OK(open("f", O_PATH));
    CHECK(ftruncate(pfd, 0));
    int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK(ftruncate(dfd, 0));
    CHECK(ftruncate(-1, 0));
    CHECK(ftruncate(12345, 0));
    int p[2];
    CHECK(pipe(p));
    CHECK(ftruncate(p[1], 0));
    CHECK(ftruncate(p[0], 0));
    /* an O_APPEND descriptor may truncate */
    int afd = CHECK_OK(open("f", O_WRONLY | O_APPEND));
    CHECK(ftruncate(afd, 3));
    CHECK(size_of("f"));
    CHECK(write(afd, "xy", 2));
    CHECK(size_of("f"));
    show_bytes(fd, 0, 8);
    CHECK(close(afd));
    CHECK(close(rfd));
    CHECK(close(pfd));
    CHECK(close(dfd));
    CHECK(close(p[0]));
    CHECK(close(p[1]));

    /* fallocate mode 0 extends the size and reads as zeros */
    CHECK(ftruncate(fd, 0));
    CHECK(pwrite(fd, "abc", 3, 0));
    CHECK(fallocate(fd, 0, 0, 4096));
    CHECK(fsize(fd));
    show_bytes(fd, 0, 8);
    CHECK(fallocate(fd, 0, 10000, 50));
    CHECK(fsize(fd));
    show_bytes(fd, 10040, 16);
    /* inside the file: no size change */
    CHECK(fallocate(fd, 0, 0, 100));
    CHECK(fsize(fd));
    /* FALLOC_FL_KEEP_SIZE */
    CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 20000));
    CHECK(fsize(fd));
    /* errors */
    CHECK(fallocate(fd, 0, 0, 0));
    CHECK(fallocate(fd, 0, -1, 10));
    CHECK(fallocate(fd, 0, 0, -10));
    CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10));
    rfd = CHECK_OK(open("f", O_RDONLY));
    CHECK(fallocate(rfd, 0, 0, 100000));
    CHECK(close(rfd));
    dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK(fallocate(dfd, 0, 0, 10));
    CHECK(close(dfd));
    CHECK(pipe(p));
    CHECK(fallocate(p[1], 0, 0, 10));
    CHECK(close(p[0]));
    CHECK(close(p[1]));
    CHECK(fsize(fd));

    /* O_TRUNC and truncate of an open file are seen through every fd */
    CHECK(pwrite(fd, "0123456789", 10, 0));
    int tfd = CHECK_OK(open("f", O_RDWR | O_TRUNC));
    CHECK(fsize(fd));
    CHECK(close(tfd));
    CHECK(close(fd));

    fs_cleanup();
    return 0;
}
