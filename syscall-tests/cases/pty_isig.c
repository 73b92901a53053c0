/* pty: signals from special characters — VINTR/VQUIT/VSUSP send
 * SIGINT/SIGQUIT/SIGTSTP to every process of the foreground process group
 * of the slave's session (leader L and member F here; B in a background
 * group gets nothing), input is flushed unless NOFLSH, the echo is ^C,
 * ISIG off makes them data, a changed VINTR, and after tcsetpgrp the
 * other group gets them. */
#include "pty_common.h"

static int m, s, cmd[2];

static void inq(const char *label)
{
    int n = -1;
    ioctl(s, FIONREAD, &n);
    printf("%s: slave FIONREAD %d\n", label, n);
}

static void settle_inq(int want)
{
    long end = now_ms() + 5000;
    int n = -1;
    while (now_ms() < end) {
        ioctl(s, FIONREAD, &n);
        if (n >= want)
            return;
        usleep(1000);
    }
}

static void leader(void)
{
    sig_tag = 'L';
    setsid();
    if (ioctl(s, TIOCSCTTY, 0) < 0)
        tell('E');
    catch_sig(SIGINT, 1);
    catch_sig(SIGQUIT, 1);
    catch_sig(SIGTSTP, 1);
    pid_t f, b;
    int life_w = start_groups(&f, &b);
    tell('r');
    for (;;) {
        char c;
        ssize_t k = read(cmd[0], &c, 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        if (c == 'f') {
            tell(tcsetpgrp(s, b) == 0 ? 'k' : 'e');
        } else if (c == 'g') {
            sigset_t set, old;
            sigemptyset(&set);
            sigaddset(&set, SIGTTOU);
            sigprocmask(SIG_BLOCK, &set, &old);
            tell(tcsetpgrp(s, getpgrp()) == 0 ? 'k' : 'e');
            sigprocmask(SIG_SETMASK, &old, NULL);
        }
    }
    close(life_w);
    waitpid(f, NULL, 0);
    waitpid(b, NULL, 0);
    _exit(0);
}

static void key(const char *label, const char *k, int n)
{
    put(m, k);
    expect_events(label, n, 3000);
}

int main(void)
{
    if (pty_pair(&m, &s) < 0)
        return 1;
    pipe(sig_pipe);
    pipe(cmd);
    pid_t l = fork();
    if (l == 0) {
        close(cmd[1]);
        leader();
    }
    close(cmd[0]);
    expect_events("ready", 3, 5000);

    key("^C", "\x03", 2);
    key("^\\", "\x1c", 2);
    key("^Z", "\x1a", 2);
    show_drain("echo", m, 6);

    /* input is flushed */
    put(m, "abc\n");
    settle_inq(4);
    inq("before ^C");
    show_drain("echo of line", m, 5);
    key("^C with a line queued", "\x03", 2);
    inq("after ^C");
    show_drain("echo", m, 2);
    /* NOFLSH keeps it */
    lflags(s, NOFLSH, 0);
    put(m, "def\n");
    settle_inq(4);
    key("^C with NOFLSH", "\x03", 2);
    inq("after ^C with NOFLSH");
    show_drain("echo", m, 7);
    show_drain("slave reads", s, 4);
    lflags(s, 0, NOFLSH);
    /* ISIG off: data */
    lflags(s, 0, ISIG);
    key("^C without ISIG", "\x03\x1c\x1a\n", 0);
    show_drain("slave reads", s, 4);
    show_drain("echo", m, 8);
    lflags(s, ISIG, 0);
    /* a changed VINTR */
    set_cc(s, VINTR, 'q');
    key("q as VINTR", "q", 2);
    key("^C is data now", "\x03\n", 0);
    show_drain("slave reads", s, 2);
    set_cc(s, VINTR, 3);
    /* VSUSP disabled */
    set_cc(s, VSUSP, 0);
    key("^Z with VSUSP disabled", "\x1a\n", 0);
    set_cc(s, VSUSP, 0x1a);
    tcflush(s, TCIOFLUSH);
    drain(m, NULL, 0, 0);

    /* the background group in front */
    send_msg(cmd[1], 'f');
    expect_events("tcsetpgrp(B)", 1, 3000);
    key("^C, B in front", "\x03", 1);
    send_msg(cmd[1], 'g');
    expect_events("tcsetpgrp(back)", 1, 3000);
    key("^C, L's group in front", "\x03", 2);

    close(cmd[1]);
    wait_child("leader", l);
    return 0;
}
