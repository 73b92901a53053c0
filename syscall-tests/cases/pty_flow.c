/* pty: flow control — IXON: ^S from the master stops the slave's output (a
 * non-blocking write is EAGAIN, a blocking writer waits), ^Q resumes; the
 * characters are not input; IXANY; custom VSTOP/VSTART; IXON off makes them
 * data; TCXONC (TCOOFF/TCOON on the slave, TCIOFF/TCION send VSTOP/VSTART to
 * the master). */
#include "pty_common.h"

static int m, s;

static void inq(const char *label, int fd)
{
    int n = -1;
    ioctl(fd, FIONREAD, &n);
    printf("%s FIONREAD: %d\n", label, n);
}

/* stopped(): does a non-blocking write on the slave fail with EAGAIN? Waits
 * up to 2 s for the state to change from `was` (input is asynchronous). */
static int stopped_now(void)
{
    fcntl(s, F_SETFL, O_NONBLOCK);
    ssize_t w = write(s, "", 0); /* a zero-length write does not tell */
    (void)w;
    w = write(s, "p", 1);
    int e = errno;
    fcntl(s, F_SETFL, 0);
    if (w == 1) {
        char b;
        drain(m, &b, 1, 1); /* consume the probe */
        return 0;
    }
    return e == EAGAIN ? 1 : -1;
}

static int wait_state(int want)
{
    long end = now_ms() + 3000;
    int st;
    while ((st = stopped_now()) != want && now_ms() < end)
        usleep(2000);
    return st;
}

int main(void)
{
    if (pty_pair(&m, &s) < 0)
        return 1;
    struct termios t;
    tcgetattr(s, &t);
    t.c_lflag &= ~(ICANON | ECHO);
    t.c_cc[VMIN] = 1;
    tcsetattr(s, TCSANOW, &t);
    printf("IXON at first: %d\n", !!(t.c_iflag & IXON));

    printf("stopped before ^S: %d\n", stopped_now());
    put(m, "\x13");
    printf("stopped after ^S: %d\n", wait_state(1));
    inq("slave (^S is not input)", s);
    /* a blocking writer waits until ^Q */
    int done[2];
    pipe(done);
    pid_t c = fork();
    if (c == 0) {
        ssize_t w = write(s, "blocked\n", 8);
        printf("blocked writer wrote %zd\n", w);
        send_msg(done[1], 'd');
        _exit(0);
    }
    printf("writer finished while stopped: %s\n", wait_msg(done[0], 300) == 'd' ? "yes" : "no");
    put(m, "\x11");
    printf("writer finished after ^Q: %s\n", wait_msg(done[0], 5000) == 'd' ? "yes" : "no");
    wait_child("writer", c);
    show_drain("master reads", m, 9);
    printf("stopped after ^Q: %d\n", wait_state(0));
    inq("slave (^Q is not input)", s);

    /* ^S twice, one ^Q resumes; ^Q when running is swallowed too */
    put(m, "\x13\x13");
    printf("stopped after ^S^S: %d\n", wait_state(1));
    put(m, "\x11");
    printf("stopped after ^Q: %d\n", wait_state(0));
    put(m, "\x11");
    usleep(0);
    show_drain("slave after a stray ^Q", s, 0);

    /* IXANY: any character restarts output (and is input) */
    iflags(s, IXANY, 0);
    put(m, "\x13");
    printf("IXANY stopped after ^S: %d\n", wait_state(1));
    put(m, "k");
    printf("IXANY stopped after k: %d\n", wait_state(0));
    show_drain("slave reads", s, 1);
    iflags(s, 0, IXANY);

    /* custom VSTOP/VSTART */
    set_cc(s, VSTOP, 'S');
    set_cc(s, VSTART, 'Q');
    put(m, "\x13S");
    printf("custom VSTOP stopped: %d\n", wait_state(1));
    put(m, "Q");
    printf("custom VSTART: stopped %d\n", wait_state(0));
    show_drain("slave reads (old ^S is data now)", s, 1);
    set_cc(s, VSTOP, 0x13);
    set_cc(s, VSTART, 0x11);

    /* IXON off: the characters are data */
    iflags(s, 0, IXON);
    put(m, "\x13\x11");
    show_drain("IXON off, slave reads", s, 2);
    printf("stopped: %d\n", stopped_now());
    iflags(s, IXON, 0);

    /* TCXONC on the slave */
    CHECK(ioctl(s, TCXONC, TCOOFF));
    printf("stopped after TCOOFF: %d\n", stopped_now());
    CHECK(ioctl(s, TCXONC, TCOON));
    printf("stopped after TCOON: %d\n", stopped_now());
    /* TCIOFF/TCION write VSTOP/VSTART towards the master */
    CHECK(ioctl(s, TCXONC, TCIOFF));
    CHECK(ioctl(s, TCXONC, TCION));
    show_drain("master reads after TCIOFF/TCION", m, 2);
    CHECK(ioctl(s, TCXONC, 9));
    /* ^S while stopped by TCOOFF, then ^Q: running */
    CHECK(tcflow(s, TCOOFF));
    put(m, "\x11x");
    show_drain("slave reads (the ^Q is swallowed)", s, 1);
    printf("stopped after TCOOFF then ^Q: %d\n", stopped_now());
    CHECK(tcflow(s, TCOON));
    printf("stopped after TCOON: %d\n", stopped_now());
    return 0;
}
