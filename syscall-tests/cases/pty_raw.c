/* pty: non-canonical reads — VMIN/VTIME combinations (0/0 returns at once,
 * MIN>0 TIME=0 blocks for MIN bytes and poll waits for MIN too, TIME alone is
 * a timeout, MIN+TIME an inter-byte timer), O_NONBLOCK, FIONREAD on slave
 * and master, TCFLSH (each queue), TIOCOUTQ. */
#include "pty_common.h"

static int m, s;

static void vmt(int vmin, int vtime)
{
    struct termios t;
    tcgetattr(s, &t);
    t.c_cc[VMIN] = vmin;
    t.c_cc[VTIME] = vtime;
    tcsetattr(s, TCSANOW, &t);
}

static void inq(const char *label, int fd)
{
    int n = -1;
    if (ioctl(fd, FIONREAD, &n) < 0)
        printf("%s FIONREAD: %s\n", label, errname(errno));
    else
        printf("%s FIONREAD: %d\n", label, n);
}

/* wait until the slave has n bytes queued (data reaches it asynchronously) */
static void settle(int fd, int n)
{
    long end = now_ms() + 5000;
    int q = -1;
    while (now_ms() < end) {
        ioctl(fd, FIONREAD, &q);
        if (q >= n)
            return;
        usleep(1000);
    }
    printf("settle: only %d of %d bytes\n", q, n);
}

/* timed read: prints the result and whether it took at least lo ms and under hi ms */
static void tread(const char *label, int cap, int lo, int hi)
{
    char b[64];
    long t0 = now_ms();
    ssize_t k = read(s, b, cap);
    long el = now_ms() - t0;
    if (k < 0)
        printf("%s: %s\n", label, errname(errno));
    else {
        show(label, b, (int)k);
    }
    printf("%s: waited in [%d,%d) ms: %s\n", label, lo, hi, el >= lo && el < hi ? "yes" : "no");
}

int main(void)
{
    if (pty_pair(&m, &s) < 0)
        return 1;
    set_raw(s);

    /* VMIN=0 VTIME=0: returns what there is, 0 when nothing */
    vmt(0, 0);
    tread("0/0 empty", 10, 0, 100);
    put(m, "abc");
    settle(s, 3);
    inq("slave", s);
    tread("0/0 three queued, read 2", 2, 0, 100);
    tread("0/0 rest", 10, 0, 100);

    /* O_NONBLOCK: EAGAIN whatever VMIN/VTIME say */
    vmt(1, 0);
    fcntl(s, F_SETFL, O_NONBLOCK);
    tread("nonblock empty", 10, 0, 100);
    fcntl(s, F_SETFL, 0);

    /* VMIN=3 VTIME=0: poll is not ready with 2 bytes, a reader blocks */
    vmt(3, 0);
    put(m, "12");
    settle(s, 2);
    struct pollfd p = {s, POLLIN, 0};
    CHECK(poll(&p, 1, 100));
    int done[2];
    pipe(done);
    pid_t c = fork();
    if (c == 0) {
        char b[16];
        ssize_t k = read(s, b, sizeof b);
        show("child read with VMIN=3", b, (int)k);
        send_msg(done[1], 'd');
        _exit(0);
    }
    printf("reader done before the third byte: %s\n", wait_msg(done[0], 200) == 'd' ? "yes" : "no");
    put(m, "3");
    printf("reader done after it: %s\n", wait_msg(done[0], 5000) == 'd' ? "yes" : "no");
    wait_child("reader", c);
    /* VMIN smaller than what is queued: read returns all that fits */
    vmt(2, 0);
    put(m, "abcde");
    settle(s, 5);
    CHECK(poll(&p, 1, 0));
    tread("VMIN=2, 5 queued", 64, 0, 100);

    /* VMIN=0 VTIME=3: a timeout of 0.3 s returns 0; data ends it early */
    vmt(0, 3);
    tread("0/3 empty", 10, 250, 2000);
    put(m, "t");
    settle(s, 1);
    tread("0/3 with data", 10, 0, 250);

    /* VMIN=5 VTIME=2: the timer starts at the first byte */
    vmt(5, 2);
    put(m, "xy");
    settle(s, 2);
    tread("5/2 two bytes", 10, 150, 2000);

    /* FIONREAD on the master counts what the slave wrote */
    put(s, "out123");
    settle(m, 6);
    inq("master", m);
    int oq = -1;
    CHECK(ioctl(s, TIOCOUTQ, &oq));
    printf("slave TIOCOUTQ: %d\n", oq);
    CHECK(ioctl(m, TIOCOUTQ, &oq));
    printf("master TIOCOUTQ: %d\n", oq);

    /* TCFLSH: on the slave, TCIFLUSH drops the slave's input, TCOFLUSH the
     * output still unread by the master */
    vmt(1, 0);
    put(m, "in");
    settle(s, 2);
    CHECK(ioctl(s, TCFLSH, TCIFLUSH));
    inq("slave after TCIFLUSH", s);
    inq("master after slave TCIFLUSH", m);
    CHECK(ioctl(s, TCFLSH, TCOFLUSH));
    inq("master after slave TCOFLUSH", m);
    put(s, "again");
    settle(m, 5);
    put(m, "inp");
    settle(s, 3);
    CHECK(ioctl(s, TCFLSH, TCIOFLUSH));
    inq("slave after TCIOFLUSH", s);
    inq("master after TCIOFLUSH", m);
    /* TCFLSH on the master: TCIFLUSH drops what the slave wrote */
    put(s, "zz");
    settle(m, 2);
    CHECK(ioctl(m, TCFLSH, TCIFLUSH));
    inq("master after its TCIFLUSH", m);
    CHECK(ioctl(s, TCFLSH, 3));
    CHECK(tcflush(s, TCIFLUSH));
    /* FIONREAD with a bad pointer */
    CHECK(ioctl(s, FIONREAD, (void *)8));
    return 0;
}
