/* pty: job control — a background process group of the terminal's session
 * gets SIGTTIN on read (EINTR with a handler, EIO if SIGTTIN is ignored or
 * blocked, a stop by default that SIGCONT after tcsetpgrp resumes), SIGTTOU
 * on write only with TOSTOP (not when SIGTTOU is ignored), SIGTTOU on
 * tcsetattr/TCFLSH/tcsetpgrp whatever TOSTOP says, no signal for
 * tcgetattr/TIOCGWINSZ; an orphaned background group gets EIO instead. */
#include "pty_common.h"
#include <sys/prctl.h>

static int m, s;

static void disp(int sig, int how) /* 0 default, 1 ignore, 2 catch (no SA_RESTART), 3 block */
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    if (how == 3) {
        sa.sa_handler = SIG_DFL;
        sigaction(sig, &sa, NULL);
        sigprocmask(SIG_BLOCK, &set, NULL);
        return;
    }
    if (how == 2) {
        catch_sig(sig, 0);
        return;
    }
    sa.sa_handler = how ? SIG_IGN : SIG_DFL;
    sigaction(sig, &sa, NULL);
}

static void sigs(const char *label)
{
    expect_events(label, 0, 0);
}

static void tostop(int on)
{
    struct termios t;
    tcgetattr(s, &t);
    if (on)
        t.c_lflag |= TOSTOP;
    else
        t.c_lflag &= ~TOSTOP;
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTTOU);
    sigprocmask(SIG_BLOCK, &set, &old);
    tcsetattr(s, TCSANOW, &t);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static void bg_body(void)
{
    char b[16];
    disp(SIGTTIN, 2);
    CHECK(read(s, b, sizeof b));
    sigs("read, SIGTTIN caught");
    disp(SIGTTIN, 1);
    CHECK(read(s, b, sizeof b));
    sigs("read, SIGTTIN ignored");
    disp(SIGTTIN, 3);
    CHECK(read(s, b, sizeof b));
    sigs("read, SIGTTIN blocked");
    disp(SIGTTIN, 2);
    /* an empty read still checks */
    CHECK(read(s, b, 0));
    sigs("read of 0 bytes");

    disp(SIGTTOU, 2);
    tostop(0);
    CHECK(write(s, "bg1\n", 4));
    sigs("write, no TOSTOP");
    show_drain("master reads", m, 5);
    tostop(1);
    CHECK(write(s, "bg2\n", 4));
    sigs("write, TOSTOP, SIGTTOU caught");
    disp(SIGTTOU, 1);
    CHECK(write(s, "bg3\n", 4));
    sigs("write, TOSTOP, SIGTTOU ignored");
    show_drain("master reads", m, 5);
    disp(SIGTTOU, 3);
    CHECK(write(s, "bg4\n", 4));
    sigs("write, TOSTOP, SIGTTOU blocked");
    show_drain("master reads", m, 5);
    tostop(0);

    disp(SIGTTOU, 2);
    struct termios t;
    CHECK(tcgetattr(s, &t));
    CHECK(tcsetattr(s, TCSANOW, &t));
    sigs("tcsetattr, SIGTTOU caught");
    CHECK(ioctl(s, TCFLSH, TCIFLUSH));
    sigs("TCFLSH");
    CHECK(tcsetpgrp(s, getpgrp()));
    sigs("tcsetpgrp");
    struct winsize ws;
    CHECK(ioctl(s, TIOCGWINSZ, &ws));
    pid_t pg;
    CHECK(ioctl(s, TIOCGPGRP, &pg) == 0 && pg != getpgrp() ? 0 : -1);
    sigs("tcgetattr, TIOCGWINSZ, TIOCGPGRP");
    disp(SIGTTOU, 1);
    CHECK(tcsetattr(s, TCSANOW, &t));
    sigs("tcsetattr, SIGTTOU ignored");
    /* through the master: no job control there */
    CHECK(ioctl(m, TCSETS, &t));
    sigs("TCSETS on the master");
}

/* a background child of the leader */
static pid_t bg(void (*fn)(void))
{
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        sig_tag = 'B';
        fn();
        _exit(0);
    }
    setpgid(c, c);
    return c;
}

static void stopper(void)
{
    char b[16];
    ssize_t k = read(s, b, sizeof b); /* stops with SIGTTIN, resumes in front */
    if (k < 0)
        printf("stopper read: %s\n", errname(errno));
    else
        show("stopper read after SIGCONT", b, (int)k);
}

static int orph_done[2];

static void orphan(void)
{
    /* in its own group whose parent (O1) exits: reparented to the
     * subreaper outside the session, the group is orphaned */
    pid_t o1 = getpid();
    pid_t o2 = fork();
    if (o2 == 0) {
        setpgid(0, 0);
        long end = now_ms() + 5000;
        while (getppid() == o1 && now_ms() < end)
            usleep(1000);
        char b[8];
        disp(SIGTTIN, 0);
        disp(SIGTTOU, 0);
        CHECK(read(s, b, sizeof b));
        tostop(1);
        CHECK(write(s, "o\n", 2));
        struct termios t;
        tcgetattr(s, &t);
        CHECK(tcsetattr(s, TCSANOW, &t));
        disp(SIGTTOU, 1);
        CHECK(tcsetattr(s, TCSANOW, &t));
        tostop(0);
        send_msg(orph_done[1], 'd');
        _exit(0);
    }
    _exit(0);
}

static void leader(void)
{
    setsid();
    ioctl(s, TIOCSCTTY, 0);
    lflags(s, 0, ECHO);
    printf("-- background group\n");
    pid_t b = bg(bg_body);
    wait_child("background", b);

    printf("-- default SIGTTIN stops\n");
    b = bg(stopper);
    int st;
    waitpid(b, &st, WUNTRACED);
    printf("stopper: stopped=%d by %s\n", WIFSTOPPED(st),
           WIFSTOPPED(st) ? sigabbrev_np(WSTOPSIG(st)) : "-");
    CHECK(tcsetpgrp(s, b));
    put(m, "fg now\n");
    /* Said before the kill: once continued, the stopper prints too, and the order must not depend on scheduling. */
    printf("SIGCONT to the stopper\n");
    if (kill(b, SIGCONT) != 0) printf("kill: %s\n", errname(errno));
    wait_child("stopper", b);
    disp(SIGTTOU, 3);
    CHECK(tcsetpgrp(s, getpgrp()));
    disp(SIGTTOU, 0);

    printf("-- default SIGTTOU stops a TOSTOP writer\n");
    tostop(1);
    b = fork();
    if (b == 0) {
        setpgid(0, 0);
        ssize_t w = write(s, "late\n", 5);
        printf("writer wrote %zd after SIGCONT\n", w);
        _exit(0);
    }
    setpgid(b, b);
    waitpid(b, &st, WUNTRACED);
    printf("writer: stopped=%d by %s\n", WIFSTOPPED(st),
           WIFSTOPPED(st) ? sigabbrev_np(WSTOPSIG(st)) : "-");
    CHECK(tcsetpgrp(s, b));
    printf("SIGCONT to the writer\n");
    if (kill(b, SIGCONT) != 0) printf("kill: %s\n", errname(errno));
    wait_child("writer", b);
    show_drain("master reads", m, 6);
    disp(SIGTTOU, 3);
    CHECK(tcsetpgrp(s, getpgrp()));
    disp(SIGTTOU, 0);
    tostop(0);

    printf("-- orphaned background group\n");
    pipe(orph_done);
    pid_t o1 = fork();
    if (o1 == 0)
        orphan();
    waitpid(o1, NULL, 0);
    printf("orphan done: %s\n", wait_msg(orph_done[0], 10000) == 'd' ? "yes" : "no");
}

int main(void)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (pty_pair(&m, &s) < 0)
        return 1;
    pipe(sig_pipe);
    pid_t l = fork();
    if (l == 0) {
        leader();
        _exit(0);
    }
    wait_child("leader", l);
    while (wait(NULL) > 0) /* the orphan, reparented to us */
        ;
    return 0;
}
