/* pty: packet mode (TIOCPKT) — data comes with a TIOCPKT_DATA (0) byte;
 * flushes, ^S/^Q and changes of IXON come as a single status byte; poll shows
 * POLLPRI for a pending status; TIOCGPKT; TIOCPKT on the slave. */
#include "pty_common.h"

static int m, s;

static void mread(const char *label)
{
    char b[64];
    struct pollfd p = {m, POLLIN, 0};
    if (poll(&p, 1, 3000) != 1) {
        printf("%s: nothing\n", label);
        return;
    }
    ssize_t k = read(m, b, sizeof b);
    if (k < 0)
        printf("%s: %s\n", label, errname(errno));
    else
        show(label, b, (int)k);
}

int main(void)
{
    if (pty_pair(&m, &s) < 0)
        return 1;
    lflags(s, 0, ECHO | ICANON);
    int on = 1, off = 0, v = -1;
    CHECK(ioctl(m, TIOCGPKT, &v));
    printf("TIOCGPKT at first: %d\n", v);
    CHECK(ioctl(m, TIOCPKT, &on));
    CHECK(ioctl(m, TIOCGPKT, &v));
    printf("TIOCGPKT after: %d\n", v);
    CHECK(ioctl(s, TIOCPKT, &on));
    CHECK(ioctl(s, TIOCGPKT, &v));
    /* nothing pending: the master is not readable */
    printf("master revents, idle: %s\n", pollbits(poll_now(m, 0)));

    put(s, "hi");
    drain(m, NULL, 0, 0);
    mread("data");
    /* a read of 1 byte still returns the status byte alone */
    put(s, "xyz");
    drain(m, NULL, 0, 0);
    {
        char b[4];
        ssize_t k = read(m, b, 1);
        show("1-byte read", b, (int)k);
        mread("next read");
    }

    /* the slave flushes its input: TIOCPKT_FLUSHREAD */
    CHECK(ioctl(s, TCFLSH, TCIFLUSH));
    printf("master revents after TCIFLUSH: %s\n", pollbits(poll_now(m, 1000)));
    mread("after TCIFLUSH");
    printf("master revents after reading it: %s\n", pollbits(poll_now(m, 0)));
    CHECK(ioctl(s, TCFLSH, TCOFLUSH));
    mread("after TCOFLUSH");
    CHECK(ioctl(s, TCFLSH, TCIOFLUSH));
    mread("after TCIOFLUSH");

    /* status and data pending together: the status comes first */
    put(s, "d");
    drain(m, NULL, 0, 0);
    CHECK(ioctl(s, TCFLSH, TCIFLUSH));
    mread("status first");
    mread("then data");

    /* ^S / ^Q from the master: TIOCPKT_STOP / TIOCPKT_START */
    put(m, "\x13");
    mread("after ^S");
    put(m, "\x11");
    mread("after ^Q");
    CHECK(ioctl(s, TCXONC, TCOOFF));
    mread("after TCOOFF");
    CHECK(ioctl(s, TCXONC, TCOON));
    mread("after TCOON");

    /* IXON off: TIOCPKT_NOSTOP; on again: TIOCPKT_DOSTOP */
    iflags(s, 0, IXON);
    mread("IXON off");
    iflags(s, IXON, 0);
    mread("IXON on");
    /* VSTOP changed with IXON on */
    set_cc(s, VSTOP, 'x');
    mread("VSTOP changed");
    set_cc(s, VSTOP, 0x13);
    mread("VSTOP back");

    /* turning packet mode off drops a pending status */
    CHECK(ioctl(s, TCFLSH, TCIFLUSH));
    usleep(0);
    CHECK(ioctl(m, TIOCPKT, &off));
    put(s, "plain");
    mread("packet mode off");
    printf("master revents: %s\n", pollbits(poll_now(m, 100)));
    return 0;
}
