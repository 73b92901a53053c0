/* openat/read/write/pread64/pwrite64/ftruncate/close on a scratch file. */
#include "common.h"
#include <sys/stat.h>

int main(void)
{
    const char *path = scratch_path("file_io");
    char buf[64];

    int fd = CHECK_OK(openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd < 0)
        return 1;
    CHECK(openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_EXCL, 0600));
    CHECK(write(fd, "hello, world\n", 13));
    CHECK(read(fd, buf, sizeof buf)); /* at EOF */
    CHECK(pread(fd, buf, 5, 0));
    printf("pread data: %.5s\n", buf);
    CHECK(pread(fd, buf, sizeof buf, 7));
    printf("pread tail: %.6s\n", buf);
    CHECK(pread(fd, buf, sizeof buf, 100)); /* beyond EOF */
    CHECK(pread(fd, buf, 1, -1));
    CHECK(pwrite(fd, "HELLO", 5, 0));
    CHECK(pwrite(fd, "!", 1, -5));
    CHECK(lseek(fd, 0, SEEK_CUR)); /* pread/pwrite do not move the offset */
    CHECK(lseek(fd, 0, SEEK_SET));
    memset(buf, 0, sizeof buf);
    CHECK(read(fd, buf, sizeof buf));
    printf("content: %s", buf);
    CHECK(write(fd, buf, 0));
    CHECK(read(fd, buf, 0));

    /* extend with a hole via pwrite; the hole reads as zeros */
    CHECK(pwrite(fd, "X", 1, 20));
    struct stat st;
    CHECK(fstat(fd, &st));
    printf("size after pwrite at 20: %ld\n", (long)st.st_size);
    CHECK(pread(fd, buf, 8, 13));
    int zeros = 1;
    for (int i = 0; i < 7; i++)
        zeros &= buf[i] == 0;
    printf("hole zeros: %d, byte: %c\n", zeros, buf[7]);

    CHECK(ftruncate(fd, 5));
    CHECK(fstat(fd, &st));
    printf("size after ftruncate: %ld\n", (long)st.st_size);
    CHECK(ftruncate(fd, -1));

    /* O_APPEND writes always go to the end */
    int afd = CHECK_OK(open(path, O_WRONLY | O_APPEND));
    CHECK(lseek(afd, 0, SEEK_SET));
    CHECK(write(afd, "ab", 2));
    CHECK(lseek(afd, 0, SEEK_CUR));
    CHECK(pread(fd, buf, sizeof buf, 0));
    printf("after append: %.7s\n", buf);

    /* access mode violations */
    int rfd = CHECK_OK(open(path, O_RDONLY));
    CHECK(write(rfd, "x", 1));
    CHECK(pwrite(rfd, "x", 1, 0));
    CHECK(ftruncate(rfd, 0));
    CHECK(read(afd, buf, 1));
    CHECK(pread(afd, buf, 1, 0));

    /* O_TRUNC */
    int tfd = CHECK_OK(open(path, O_RDWR | O_TRUNC));
    CHECK(fstat(tfd, &st));
    printf("size after O_TRUNC: %ld\n", (long)st.st_size);

    CHECK(close(tfd));
    CHECK(close(rfd));
    CHECK(close(afd));
    CHECK(close(fd));
    CHECK(close(fd));
    CHECK(close(-1));
    CHECK(close(12345));
    CHECK(unlink(path));
    CHECK(unlink(path));
    CHECK(open(path, O_RDONLY));
    return 0;
}
