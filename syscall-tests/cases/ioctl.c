/* ioctl: terminal ioctls on non-terminals, FIONBIO/FIOCLEX, bad requests. */
#include "common.h"
#include <sys/ioctl.h>
#include <termios.h>

int main(void)
{
    int p[2];
    CHECK(pipe(p));
    struct termios t;
    struct winsize ws;
    CHECK(ioctl(p[0], TCGETS, &t));
    CHECK(ioctl(p[1], TIOCGWINSZ, &ws));
    CHECK(isatty(p[0]));
    int dn = open("/dev/null", O_RDWR);
    CHECK(ioctl(dn, TCGETS, &t));
    CHECK(ioctl(dn, TIOCGWINSZ, &ws));
    int f = open("/etc/passwd", O_RDONLY);
    CHECK(ioctl(f, TCGETS, &t));
    CHECK(ioctl(f, TIOCGPGRP, &ws));

    int on = 1;
    CHECK(ioctl(p[0], FIONBIO, &on));
    CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    on = 0;
    CHECK(ioctl(p[0], FIONBIO, &on));
    CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    CHECK(ioctl(p[0], FIOCLEX));
    CHECK(fcntl(p[0], F_GETFD));
    CHECK(ioctl(p[0], FIONCLEX));
    CHECK(fcntl(p[0], F_GETFD));

    CHECK(ioctl(-1, TCGETS, &t));
    CHECK(ioctl(55, FIONREAD, &on));
    return 0;
}
