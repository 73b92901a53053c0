/* dup/dup2/dup3: lowest free fd, shared offsets, CLOEXEC, errors. */
#include "common.h"

int main(void)
{
    int fd = CHECK_OK(open("/etc/passwd", O_RDONLY));
    int d = CHECK_OK(dup(fd));
    SHOW(d == fd + 1);  /* lowest free descriptor */
    /* duplicates share the file offset */
    char c;
    CHECK(read(fd, &c, 1));
    CHECK(lseek(d, 0, SEEK_CUR));
    CHECK(close(fd));
    int again = CHECK_OK(dup(d));
    SHOW(again == fd); /* reuses the freed slot */
    CHECK(fcntl(again, F_GETFD));

    CHECK(dup2(d, 100));
    CHECK(lseek(100, 0, SEEK_CUR));
    CHECK(dup2(d, d) == d);
    CHECK(dup2(-1, 5));
    CHECK(dup2(99, 5));
    CHECK(dup2(d, -1));
    CHECK(dup2(d, 1 << 20));
    CHECK(dup2(100, 100));
    /* dup2 over an open fd silently closes it */
    CHECK(dup2(0, 100));
    CHECK(lseek(100, 0, SEEK_CUR) == 0);

    CHECK(dup3(d, 101, O_CLOEXEC));
    CHECK(fcntl(101, F_GETFD));
    CHECK(dup3(d, 102, 0));
    CHECK(fcntl(102, F_GETFD));
    CHECK(dup3(d, d, 0));
    CHECK(dup3(d, 103, O_NONBLOCK));
    CHECK(dup3(-1, 103, 0));
    CHECK(fcntl(103, F_GETFD));

    CHECK(close(100));
    CHECK(close(101));
    CHECK(close(102));
    CHECK(close(100));
    CHECK(dup(-1));
    CHECK(dup(1000));
    return 0;
}
