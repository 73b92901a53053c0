/* fcntl: F_GETFD/F_SETFD/F_GETFL/F_SETFL/F_DUPFD/F_DUPFD_CLOEXEC. */
#include "common.h"

int main(void)
{
    int fd = CHECK_OK(open("/etc/passwd", O_RDONLY));
    CHECK(fcntl(fd, F_GETFD));
    CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC));
    CHECK(fcntl(fd, F_GETFD));
    CHECK(fcntl(fd, F_SETFD, 0));
    CHECK(fcntl(fd, F_GETFD));
    CHECK(fcntl(fd, F_GETFL) & O_ACCMODE);

    int cfd = CHECK_OK(open("/etc/passwd", O_RDONLY | O_CLOEXEC));
    CHECK(fcntl(cfd, F_GETFD));

    int dn = CHECK_OK(open("/dev/null", O_WRONLY | O_APPEND));
    int fl = fcntl(dn, F_GETFL);
    printf("accmode=%d append=%d nonblock=%d\n", fl & O_ACCMODE, !!(fl & O_APPEND),
           !!(fl & O_NONBLOCK));
    CHECK(fcntl(dn, F_SETFL, O_NONBLOCK));
    fl = fcntl(dn, F_GETFL);
    printf("accmode=%d append=%d nonblock=%d\n", fl & O_ACCMODE, !!(fl & O_APPEND),
           !!(fl & O_NONBLOCK));
    /* F_SETFL cannot change the access mode */
    CHECK(fcntl(dn, F_SETFL, O_RDWR));
    CHECK(fcntl(dn, F_GETFL) & O_ACCMODE);

    int rw = CHECK_OK(open("/dev/null", O_RDWR));
    CHECK(fcntl(rw, F_GETFL) & O_ACCMODE);

    int d = CHECK_OK(fcntl(fd, F_DUPFD, 0));
    SHOW(d > fd);
    CHECK(fcntl(fd, F_DUPFD, 50));
    CHECK(fcntl(fd, F_DUPFD, 50));
    CHECK(fcntl(50, F_GETFD));
    CHECK(fcntl(fd, F_DUPFD_CLOEXEC, 60));
    CHECK(fcntl(60, F_GETFD));
    CHECK(fcntl(fd, F_DUPFD, -1));
    CHECK(fcntl(fd, F_DUPFD, 1 << 30));
    CHECK(fcntl(-1, F_GETFD));
    CHECK(fcntl(77, F_GETFL));
    CHECK(fcntl(fd, 0x7fff));

    /* O_PATH descriptors support F_GETFD/F_GETFL but not I/O */
    int pfd = CHECK_OK(open("/etc/passwd", O_PATH));
    CHECK((fcntl(pfd, F_GETFL) & O_PATH) != 0);
    CHECK(fcntl(pfd, F_SETOWN, 0));
    CHECK(fcntl(pfd, F_GETOWN));
    int dpfd = CHECK_OK(open("/tmp", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_APPEND));
    printf("O_PATH dir flags: %#x\n", fcntl(dpfd, F_GETFL));
    close(dpfd);
    char c;
    CHECK(read(pfd, &c, 1));
    return 0;
}
