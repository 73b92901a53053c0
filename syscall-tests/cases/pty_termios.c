/* pty: termios — the defaults of a fresh pty (TCGETS on slave and master),
 * TCSETS/TCSETSW/TCSETSF (TCSETSF flushes pending input), the master's
 * TCGETS/TCSETS act on the slave's termios, termios2 (TCGETS2/TCSETS2),
 * cfmakeraw round-trip, speeds, bad pointers. */
#include "pty_common.h"

/* The kernel's structures (glibc's struct termios is larger; asm/termbits.h
 * clashes with termios.h). */
#define KNCCS 19
struct kt {
    tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;
    cc_t c_line;
    cc_t c_cc[KNCCS];
};
struct termios2 {
    tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;
    cc_t c_line;
    cc_t c_cc[KNCCS];
    speed_t c_ispeed, c_ospeed;
};
#ifndef BOTHER
#define BOTHER 0010000
#endif
#define termios kt

static void dump(const char *label, const struct termios2 *t)
{
    printf("%s: iflag=%#o oflag=%#o cflag=%#o lflag=%#o line=%u ispeed=%u ospeed=%u\n", label,
           t->c_iflag, t->c_oflag, t->c_cflag, t->c_lflag, t->c_line, t->c_ispeed, t->c_ospeed);
    printf("%s: cc =", label);
    for (int i = 0; i < KNCCS; i++)
        printf(" %u", t->c_cc[i]);
    printf("\n");
}

static void dump1(const char *label, const struct termios *t)
{
    printf("%s: iflag=%#o oflag=%#o cflag=%#o lflag=%#o line=%u\n", label, t->c_iflag, t->c_oflag,
           t->c_cflag, t->c_lflag, t->c_line);
    printf("%s: cc =", label);
    for (int i = 0; i < KNCCS; i++)
        printf(" %u", t->c_cc[i]);
    printf("\n");
}

/* cfmakeraw as glibc does it */
static void makeraw(struct termios *t)
{
    t->c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t->c_oflag &= ~OPOST;
    t->c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t->c_cflag &= ~(CSIZE | PARENB);
    t->c_cflag |= CS8;
    t->c_cc[VMIN] = 1;
    t->c_cc[VTIME] = 0;
}


static void inq(const char *label, int fd)
{
    int n = -1;
    ioctl(fd, FIONREAD, &n);
    printf("%s FIONREAD: %d\n", label, n);
}

int main(void)
{
    int m, s;
    if (pty_pair(&m, &s) < 0)
        return 1;
    struct termios t, tm;
    CHECK(ioctl(s, TCGETS, &t));
    dump1("slave defaults", &t);
    CHECK(ioctl(m, TCGETS, &tm));
    SHOW(memcmp(&t, &tm, sizeof t) == 0);
    struct termios2 t2;
    CHECK(ioctl(s, TCGETS2, &t2));
    dump("slave termios2", &t2);
    struct winsize ws;
    CHECK(ioctl(s, TIOCGWINSZ, &ws));
    printf("winsize: %u %u %u %u\n", ws.ws_row, ws.ws_col, ws.ws_xpixel, ws.ws_ypixel);
    int ldisc = -1;
    CHECK(ioctl(s, TIOCGETD, &ldisc));
    printf("line discipline: %d\n", ldisc);

    /* raw round-trip through TCSETS on the slave, read back on both sides */
    struct termios r = t;
    makeraw(&r);
    CHECK(ioctl(s, TCSETS, &r));
    struct termios back;
    CHECK(ioctl(s, TCGETS, &back));
    dump1("after raw", &back);
    CHECK(ioctl(m, TCGETS, &back));
    dump1("after raw, via master", &back);

    /* TCSETS on the master changes the slave */
    struct termios c = t;
    c.c_lflag &= ~ECHO;
    c.c_cc[VINTR] = 1;
    CHECK(ioctl(m, TCSETS, &c));
    CHECK(ioctl(s, TCGETS, &back));
    printf("slave sees master's TCSETS: echo=%d vintr=%u\n", !!(back.c_lflag & ECHO),
           back.c_cc[VINTR]);

    /* TCSETSW waits for output to drain (none is pending) */
    CHECK(ioctl(s, TCSETSW, &t));
    /* TCSETSF flushes pending input */
    CHECK(write(m, "abc\ndef\n", 8));
    char buf[64];
    int k = drain(s, buf, 4, 4); /* first line arrived: the rest is queued */
    show("first line", buf, k);
    inq("slave before TCSETSF", s);
    CHECK(ioctl(s, TCSETSF, &t));
    inq("slave after TCSETSF", s);
    /* the echo of "abc\ndef\n" sits on the master side; TCSETSF on the slave
     * flushes only the slave's input */
    show_drain("master (echo)", m, 10);

    /* termios2 with a custom speed (BOTHER) */
    struct termios2 b2;
    CHECK(ioctl(s, TCGETS2, &b2));
    b2.c_cflag = (b2.c_cflag & ~CBAUD) | BOTHER;
    b2.c_ispeed = b2.c_ospeed = 12345;
    CHECK(ioctl(s, TCSETS2, &b2));
    struct termios2 g2;
    CHECK(ioctl(s, TCGETS2, &g2));
    printf("BOTHER: cbaud=%#o ispeed=%u ospeed=%u\n", g2.c_cflag & CBAUD, g2.c_ispeed,
           g2.c_ospeed);
    /* a standard speed through termios2 */
    b2.c_cflag = (b2.c_cflag & ~CBAUD) | B9600;
    b2.c_ispeed = b2.c_ospeed = 0;
    CHECK(ioctl(s, TCSETS2, &b2));
    CHECK(ioctl(s, TCGETS2, &g2));
    printf("B9600: cbaud=%#o ispeed=%u ospeed=%u\n", g2.c_cflag & CBAUD, g2.c_ispeed,
           g2.c_ospeed);
    struct termios o;
    CHECK(ioctl(s, TCGETS, &o));
    printf("TCGETS after termios2 B9600: cbaud=%#o\n", o.c_cflag & CBAUD);
    /* TCSETSW2/TCSETSF2 exist too */
    CHECK(ioctl(s, TCSETSW2, &b2));
    CHECK(ioctl(s, TCSETSF2, &b2));

    /* bad pointers */
    CHECK(ioctl(s, TCGETS, (void *)8));
    CHECK(ioctl(s, TCSETS, (void *)8));
    CHECK(ioctl(m, TCGETS2, (void *)8));

    /* cflag bits the pty keeps: CLOCAL/CSIZE/PARENB written, read back */
    struct termios cf = t;
    cf.c_cflag = (cf.c_cflag & ~CSIZE) | CS7 | PARENB | CLOCAL;
    CHECK(ioctl(s, TCSETS, &cf));
    CHECK(ioctl(s, TCGETS, &back));
    printf("cflag after CS7|PARENB|CLOCAL: %#o\n", back.c_cflag);
    /* c_line is kept as written? */
    struct termios ln = t;
    ln.c_line = 3;
    CHECK(ioctl(s, TCSETS, &ln));
    CHECK(ioctl(s, TCGETS, &back));
    printf("c_line after writing 3: %u\n", back.c_line);
    return 0;
}
