/* readv/writev/preadv/pwritev through a pipe and a scratch file. */
#include "common.h"
#include <limits.h>
#include <sys/uio.h>

int main(void)
{
    int p[2];
    CHECK(pipe(p));
    char a[] = "abc", b[] = "", c[] = "defgh";
    struct iovec w[3] = {{a, 3}, {b, 0}, {c, 5}};
    CHECK(writev(p[1], w, 3));
    char r1[2], r2[4], r3[8];
    memset(r3, 0, sizeof r3);
    struct iovec r[3] = {{r1, 2}, {r2, 4}, {r3, 8}};
    CHECK(readv(p[0], r, 3));
    printf("r1=%.2s r2=%.4s r3=%.2s\n", r1, r2, r3);

    CHECK(writev(p[1], w, 0));
    CHECK(writev(p[1], w, -1));
    CHECK(writev(p[1], w, IOV_MAX + 1));
    CHECK(readv(p[0], r, -1));
    struct iovec bad[1] = {{(void *)1, 4}};
    CHECK(writev(p[1], bad, 1));
    CHECK(writev(p[1], (struct iovec *)1, 1));
    CHECK(readv(-1, r, 1));

    const char *path = scratch_path("iov");
    int fd = CHECK_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    CHECK(pwritev(fd, w, 3, 4));
    char out[16];
    memset(out, '.', sizeof out);
    CHECK(pread(fd, out, sizeof out, 0));
    printf("file: %d %d %d %d %.8s\n", out[0], out[1], out[2], out[3], out + 4);
    memset(r1, 0, 2);
    memset(r2, 0, 4);
    struct iovec pr[2] = {{r1, 2}, {r2, 4}};
    CHECK(preadv(fd, pr, 2, 5));
    printf("preadv: %.2s %.4s\n", r1, r2);
    CHECK(lseek(fd, 0, SEEK_CUR));
    CHECK(preadv(fd, pr, 2, -1));
    CHECK(close(fd));
    CHECK(unlink(path));
    return 0;
}
