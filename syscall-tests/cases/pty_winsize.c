/* pty: window size — TIOCSWINSZ/TIOCGWINSZ on master and slave share one
 * size; SIGWINCH goes to the foreground process group (leader L and member
 * F, not B in the background) only when the size changes, whichever side
 * sets it; after tcsetpgrp the other group gets it. */
#include "pty_common.h"

static int m, s, cmd[2];

static void leader(void)
{
    sig_tag = 'L';
    close(cmd[1]);
    setsid();
    ioctl(s, TIOCSCTTY, 0);
    catch_sig(SIGWINCH, 1);
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
        if (c == 'f')
            tell(tcsetpgrp(s, b) == 0 ? 'k' : 'e');
    }
    close(life_w);
    waitpid(f, NULL, 0);
    waitpid(b, NULL, 0);
    _exit(0);
}

static void setws(const char *label, int fd, int rows, int cols, int nsig)
{
    struct winsize ws = {rows, cols, rows * 10, cols * 8};
    if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
        printf("%s: TIOCSWINSZ %s\n", label, errname(errno));
    expect_events(label, nsig, 3000);
    struct winsize a, b;
    ioctl(m, TIOCGWINSZ, &a);
    ioctl(s, TIOCGWINSZ, &b);
    printf("  master %ux%u (%ux%u px), slave %ux%u (%ux%u px)\n", a.ws_row, a.ws_col, a.ws_xpixel,
           a.ws_ypixel, b.ws_row, b.ws_col, b.ws_xpixel, b.ws_ypixel);
}

int main(void)
{
    if (pty_pair(&m, &s) < 0)
        return 1;
    pipe(sig_pipe);
    /* no session yet: no signal, the size is kept */
    setws("no session, master sets 24x80", m, 24, 80, 0);
    pipe(cmd);
    pid_t l = fork();
    if (l == 0)
        leader();
    close(cmd[0]);
    expect_events("ready", 3, 5000);

    setws("master sets 25x80", m, 25, 80, 2);
    setws("master sets 25x80 again", m, 25, 80, 0);
    setws("slave sets 25x81", s, 25, 81, 2);
    /* only the pixel size changes: still a change */
    struct winsize ws = {25, 81, 1, 1};
    CHECK(ioctl(m, TIOCSWINSZ, &ws));
    expect_events("pixels change", 2, 3000);
    setws("zero size", m, 0, 0, 2);
    CHECK(ioctl(m, TIOCSWINSZ, (void *)8));
    CHECK(ioctl(s, TIOCGWINSZ, (void *)8));
    send_msg(cmd[1], 'f');
    expect_events("tcsetpgrp(B)", 1, 3000);
    setws("B in front, 30x100", m, 30, 100, 1);
    close(cmd[1]);
    wait_child("leader", l);
    return 0;
}
