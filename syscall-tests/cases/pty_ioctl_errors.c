/* pty: bad input — terminal ioctls on a regular file, a pipe, /dev/null and
 * a socket are ENOTTY (isatty/tcgetattr/ttyname too); an unknown ioctl on
 * a master or slave is ENOTTY; master-only ioctls on the slave; bad
 * pointers are EFAULT; an O_PATH fd is EBADF. */
#include "pty_common.h"
#include <sys/socket.h>

static void tty_ioctls(const char *label, int fd)
{
    struct termios t;
    struct winsize ws = {0};
    pid_t pg = 0;
    unsigned n;
    int v = 0;
    printf("%s:\n", label);
#define T(req, arg)                                                                 \
    do {                                                                            \
        errno = 0;                                                                  \
        int _r = ioctl(fd, req, arg);                                               \
        printf("  %-12s %s\n", #req, _r < 0 ? errname(errno) : "ok");               \
    } while (0)
    T(TCGETS, &t);
    T(TCSETS, &t);
    T(TIOCGWINSZ, &ws);
    T(TIOCSWINSZ, &ws);
    T(TIOCSCTTY, 0);
    T(TIOCNOTTY, 0);
    T(TIOCGPGRP, &pg);
    T(TIOCSPGRP, &pg);
    T(TIOCGSID, &pg);
    T(TCFLSH, TCIFLUSH);
    T(TCXONC, TCOON);
    T(TIOCOUTQ, &v);
    T(TIOCGPTN, &n);
    T(TIOCSPTLCK, &v);
    T(TIOCPKT, &v);
    T(TIOCGETD, &v);
    errno = 0;
    int it = isatty(fd);
    printf("  isatty %d %s\n", it, errname(errno));
    char b[64];
    printf("  ttyname_r %s\n", errname(ttyname_r(fd, b, sizeof b)));
}

int main(void)
{
    const char *path = scratch_path("pty-ioctl");
    int f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    tty_ioctls("regular file", f);
    close(f);
    unlink(path);
    int p[2];
    pipe(p);
    tty_ioctls("pipe", p[0]);
    int dn = open("/dev/null", O_RDWR);
    tty_ioctls("/dev/null", dn);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    tty_ioctls("socket", sv[0]);

    int m, s;
    if (pty_pair(&m, &s) < 0)
        return 1;
    CHECK(ioctl(m, _IO('T', 0x7f)));
    CHECK(ioctl(s, _IO('T', 0x7f)));
    CHECK(ioctl(m, 0x12345678));
    CHECK(ioctl(s, _IOR('x', 1, int), &m));
    CHECK(ioctl(s, TIOCGPTN, &m));
    CHECK(ioctl(s, TIOCPKT, &m));
    CHECK(ioctl(s, TIOCGPTPEER, O_RDWR));
    CHECK(ioctl(m, TIOCGPTN, (void *)8));
    CHECK(ioctl(m, TIOCSPTLCK, (void *)8));
    CHECK(ioctl(m, TIOCPKT, (void *)8));
    CHECK(ioctl(s, TIOCGPGRP, (void *)8));
    CHECK(ioctl(s, TIOCOUTQ, (void *)8));
    CHECK_OK(ioctl(m, TIOCGPTPEER, O_RDWR | O_CREAT));
    /* the line discipline number */
    int ld = 99;
    CHECK(ioctl(s, TIOCSETD, &ld));
    ld = -1;
    CHECK(ioctl(s, TIOCSETD, &ld));
    ld = 0;
    CHECK(ioctl(s, TIOCSETD, &ld));
    /* O_PATH fd of the slave */
    int op = CHECK_OK(open(ptsname(m), O_PATH));
    struct termios t;
    CHECK(ioctl(op, TCGETS, &t));
    /* a closed fd */
    CHECK(ioctl(1000, TCGETS, &t));
    /* writes of 0 bytes on both sides */
    CHECK(write(m, "", 0));
    CHECK(write(s, "", 0));
    CHECK(read(s, NULL, 0));
    /* bad buffers */
    CHECK(write(m, (void *)8, 4));
    put(m, "abc\n");
    struct pollfd q = {s, POLLIN, 0};
    poll(&q, 1, 3000);
    CHECK(read(s, (void *)8, 4));
    /* seeking a tty */
    CHECK(lseek(s, 0, SEEK_SET));
    CHECK(lseek(m, 0, SEEK_CUR));
    CHECK(pread(s, &t, 1, 0));
    return 0;
}
