/* pty: hangup — closing the master hangs the slave up (a blocked reader
 * returns, then reads give 0, writes and ioctls EIO, poll says HUP); the
 * session leader whose ctty it was gets SIGHUP and SIGCONT; closing the
 * slave makes the master read the pending data and then EIO, poll HUP;
 * opening the slave again restores the master. */
#include "pty_common.h"

static void slave_side(const char *label, int s)
{
    char b[16];
    printf("%s revents: %s\n", label, pollbits(poll_now(s, 0)));
    ssize_t k = read(s, b, sizeof b);
    if (k < 0)
        printf("%s read: %s\n", label, errname(errno));
    else
        show("read", b, (int)k);
    CHECK(write(s, "x", 1));
    struct termios t;
    CHECK(tcgetattr(s, &t));
    struct winsize ws;
    CHECK(ioctl(s, TIOCGWINSZ, &ws));
    int n;
    CHECK(ioctl(s, FIONREAD, &n));
}

static void master_closed(void)
{
    int m, s;
    if (pty_pair(&m, &s) < 0)
        return;
    int go[2], done[2];
    pipe(go);
    pipe(done);
    pid_t c = fork();
    if (c == 0) {
        close(m);
        send_msg(go[1], 'r');
        char b[16];
        ssize_t k = read(s, b, sizeof b);
        if (k < 0)
            printf("blocked reader: %s\n", errname(errno));
        else
            show("blocked reader", b, (int)k);
        send_msg(done[1], 'd');
        _exit(0);
    }
    wait_msg(go[0], 5000);
    printf("reader returned before the close: %s\n", wait_msg(done[0], 200) == 'd' ? "yes" : "no");
    int rc = close(m);
    printf("reader returned after it: %s\n", wait_msg(done[0], 5000) == 'd' ? "yes" : "no");
    printf("close(m) = %d\n", rc);
    wait_child("reader", c);
    slave_side("hung-up slave", s);
    close(s);
}

static void master_closed_pending(void)
{
    int m, s;
    if (pty_pair(&m, &s) < 0)
        return;
    put(m, "pending\n");
    long end = now_ms() + 5000;
    int n = 0;
    while (n < 8 && now_ms() < end) {
        ioctl(s, FIONREAD, &n);
        usleep(1000);
    }
    printf("slave FIONREAD before: %d\n", n);
    CHECK(close(m));
    slave_side("slave with pending input", s);
    close(s);
}

static void leader_signals(void)
{
    int m, s;
    if (pty_pair(&m, &s) < 0)
        return;
    pipe(sig_pipe);
    int life[2];
    pipe(life);
    pid_t l = fork();
    if (l == 0) {
        close(m);
        close(life[1]);
        sig_tag = 'L';
        setsid();
        ioctl(s, TIOCSCTTY, 0);
        catch_sig(SIGHUP, 1);
        catch_sig(SIGCONT, 1);
        pid_t f = fork();
        if (f == 0) {
            sig_tag = 'F';
            tell('r');
            char c;
            while (read(life[0], &c, 1) != 0)
                ;
            _exit(0);
        }
        pid_t b = fork();
        if (b == 0) {
            sig_tag = 'B';
            setpgid(0, 0);
            tell('r');
            char c;
            while (read(life[0], &c, 1) != 0)
                ;
            _exit(0);
        }
        setpgid(b, b);
        tell('r');
        char c;
        while (read(life[0], &c, 1) != 0)
            ;
        pid_t r;
        if (ioctl(s, TIOCGSID, &r) < 0)
            printf("leader TIOCGSID after the hangup: %s\n", errname(errno));
        int fd = open("/dev/tty", O_RDWR);
        printf("leader open /dev/tty after the hangup: %s\n", fd < 0 ? errname(errno) : "ok");
        waitpid(f, NULL, 0);
        waitpid(b, NULL, 0);
        _exit(0);
    }
    close(life[0]);
    expect_events("ready", 3, 5000);
    CHECK(close(m));
    expect_events("signals after closing the master", 2, 3000);
    close(life[1]);
    wait_child("leader", l);
    close(s);
}

static void slave_closed(void)
{
    int m, s;
    if (pty_pair(&m, &s) < 0)
        return;
    printf("master revents, slave open: %s\n", pollbits(poll_now(m, 0)));
    put(s, "bye\n");
    CHECK(close(s));
    printf("master revents: %s\n", pollbits(poll_now(m, 1000)));
    char b[16];
    int err;
    int n = drain_e(m, b, sizeof b, 5, &err);
    show("master reads", b, n);
    printf("then: %s\n", err > 0 ? errname(err) : err == 0 ? "EOF" : "nothing");
    CHECK(read(m, b, sizeof b));
    /* reopen the slave: the master works again */
    int s2 = CHECK_OK(open(ptsname(m), O_RDWR | O_NOCTTY));
    printf("master revents after reopening: %s\n", pollbits(poll_now(m, 0)));
    put(s2, "back\n");
    show_drain("master reads", m, 6);
    /* a blocked master reader gets EIO when the slave closes */
    int go[2];
    pipe(go);
    pid_t c = fork();
    if (c == 0) {
        close(s2);
        send_msg(go[1], 'r');
        ssize_t k = read(m, b, sizeof b);
        if (k < 0)
            printf("blocked master reader: %s\n", errname(errno));
        else
            show("blocked master reader", b, (int)k);
        _exit(0);
    }
    wait_msg(go[0], 5000);
    usleep(50000);
    /* Said before the close: the woken reader may print before close returns. */
    printf("closing the last slave fd\n");
    fflush(stdout);
    if (close(s2) != 0)
        printf("close(s2): %s\n", errname(errno));
    wait_child("master reader", c);
    close(m);
}

int main(void)
{
    printf("-- master closed, reader blocked\n");
    master_closed();
    printf("-- master closed, input pending\n");
    master_closed_pending();
    printf("-- master closed: the session\n");
    leader_signals();
    printf("-- slave closed\n");
    slave_closed();
    return 0;
}
