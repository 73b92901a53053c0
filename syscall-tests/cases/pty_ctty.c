/* pty: controlling terminal — a session leader acquires one by opening a tty
 * without O_NOCTTY (not with it) or by TIOCSCTTY (not a non-leader, not a
 * second one, stealing needs arg 1 and CAP_SYS_ADMIN); TIOCGSID/TIOCGPGRP
 * (ENOTTY when not our ctty; the master answers for the slave);
 * TIOCSPGRP (EPERM for a group of another session, ESRCH, EINVAL, ENOTTY);
 * /dev/tty (ENXIO without a ctty, reaches the pty with one); TIOCNOTTY by
 * the leader (SIGHUP+SIGCONT to the foreground group, the whole session
 * loses it) and by a member (only itself); the leader's exit. */
#include "pty_common.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>

static int m, s;
static char name[64];

static void sid(const char *label, int fd)
{
    pid_t r;
    errno = 0;
    if (ioctl(fd, TIOCGSID, &r) < 0)
        printf("%s TIOCGSID: %s\n", label, errname(errno));
    else
        printf("%s TIOCGSID: %s\n", label, r == getsid(0) ? "our session" : "another session");
}

static void pgrp(const char *label, int fd)
{
    pid_t r = -2;
    if (ioctl(fd, TIOCGPGRP, &r) < 0)
        printf("%s TIOCGPGRP: %s\n", label, errname(errno));
    else
        printf("%s TIOCGPGRP: %s\n", label,
               r == getpgrp() ? "our group" : r == 0 ? "0" : "another group");
}

static void devtty(const char *label)
{
    int fd = open("/dev/tty", O_RDWR);
    if (fd < 0) {
        printf("%s open /dev/tty: %s\n", label, errname(errno));
        return;
    }
    printf("%s open /dev/tty: ok\n", label);
    close(fd);
}

static pid_t child(void)
{
    pid_t p = fork();
    if (p < 0)
        printf("fork: %s\n", errname(errno));
    return p;
}

static void run(const char *title, void (*fn)(void))
{
    printf("-- %s\n", title);
    pid_t p = child();
    if (p == 0) {
        fn();
        _exit(0);
    }
    wait_child(title, p);
}

static void no_ctty(void)
{
    setsid();
    devtty("no ctty:");
    sid("no ctty: slave", s);
    sid("no ctty: master", m);
    pgrp("no ctty: slave", s);
    pgrp("no ctty: master", m);
    CHECK(ioctl(s, TIOCNOTTY));
    CHECK(tcgetsid(s) >= 0 ? 0 : -1);
    CHECK(tcsetpgrp(s, getpgrp()));
    /* O_NOCTTY: still none */
    int fd = CHECK_OK(open(name, O_RDWR | O_NOCTTY));
    devtty("after O_NOCTTY open:");
    close(fd);
    /* the master is never a controlling terminal by open */
    fd = CHECK_OK(open("/dev/ptmx", O_RDWR));
    devtty("after opening /dev/ptmx:");
    close(fd);
}

static void by_open(void)
{
    setsid();
    int fd = CHECK_OK(open(name, O_RDWR));
    devtty("after open:");
    sid("slave", s);
    sid("master", m);
    pgrp("slave", s);
    pgrp("master", m);
    CHECK(tcgetsid(fd) == getsid(0) ? 0 : -1);
    /* /dev/tty is the pty */
    int t = CHECK_OK(open("/dev/tty", O_RDWR));
    struct stat st;
    CHECK(fstat(t, &st));
    printf("/dev/tty fd: major=%u minor=%u\n", major(st.st_rdev), minor(st.st_rdev));
    CHECK(write(t, "via /dev/tty\n", 13));
    show_drain("master reads", m, 14);
    put(m, "typed\n");
    char b[32];
    int n = drain(t, b, sizeof b, 6);
    show("/dev/tty reads", b, n);
    drain(m, b, sizeof b, 7); /* echo */
    struct termios tio;
    CHECK(tcgetattr(t, &tio));
    unsigned pn;
    CHECK(ioctl(t, TIOCGPTN, &pn));
    char tn[64];
    CHECK(ttyname_r(t, tn, sizeof tn));
    printf("ttyname of the /dev/tty fd: %s\n", tn);
    /* TIOCSCTTY on our own ctty is fine; another tty is EPERM */
    CHECK(ioctl(s, TIOCSCTTY, 0));
    int m2, s2;
    pty_pair(&m2, &s2);
    CHECK(ioctl(s2, TIOCSCTTY, 0));
    /* opening another slave without O_NOCTTY does not switch */
    int s3 = open(ptsname(m2), O_RDWR);
    sid("second pty", s3);
    sid("first pty", s);
}

static void by_ioctl(void)
{
    setsid();
    devtty("before TIOCSCTTY:");
    /* a non-leader cannot */
    pid_t g = child();
    if (g == 0) {
        CHECK(ioctl(s, TIOCSCTTY, 0));
        _exit(0);
    }
    waitpid(g, NULL, 0);
    CHECK(ioctl(s, TIOCSCTTY, 0));
    devtty("after TIOCSCTTY:");
    sid("slave", s);
    /* TIOCSCTTY through the master acts on the slave: ours already */
    CHECK(ioctl(m, TIOCSCTTY, 0));
    /* a member of the session that is not the leader sees the ctty too */
    g = child();
    if (g == 0) {
        devtty("member:");
        sid("member", s);
        pgrp("member", s);
        _exit(0);
    }
    waitpid(g, NULL, 0);
}

static void spgrp(void)
{
    setsid();
    ioctl(s, TIOCSCTTY, 0);
    int go[2];
    pipe(go);
    pid_t g = child();
    if (g == 0) {
        setpgid(0, 0);
        char c;
        read(go[0], &c, 1);
        _exit(0);
    }
    setpgid(g, g);
    CHECK(tcsetpgrp(s, g));
    pid_t r;
    ioctl(s, TIOCGPGRP, &r);
    printf("TIOCGPGRP after tcsetpgrp(g): %s\n", r == g ? "g" : "other");
    ioctl(m, TIOCGPGRP, &r);
    printf("master TIOCGPGRP: %s\n", r == g ? "g" : "other");
    /* back to our group: we are in the background now, block SIGTTOU */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTTOU);
    sigprocmask(SIG_BLOCK, &set, NULL);
    CHECK(tcsetpgrp(s, getpgrp()));
    /* through the master */
    CHECK(ioctl(m, TIOCSPGRP, &g));
    CHECK(tcsetpgrp(s, getpgrp()));
    /* errors */
    pid_t other = getppid(); /* the test's group, another session */
    pid_t other_pg = getpgid(other);
    CHECK(ioctl(s, TIOCSPGRP, &other_pg));
    pid_t none = 0x3ffffff0;
    CHECK(ioctl(s, TIOCSPGRP, &none));
    pid_t neg = -5;
    CHECK(ioctl(s, TIOCSPGRP, &neg));
    CHECK(ioctl(s, TIOCSPGRP, (void *)8));
    int m2, s2;
    pty_pair(&m2, &s2);
    CHECK(ioctl(s2, TIOCSPGRP, &g));
    pgrp("other pty", s2);
    write(go[1], "x", 1);
    waitpid(g, NULL, 0);
    /* a group that has ended */
    CHECK(ioctl(s, TIOCSPGRP, &g));
}

static void steal(void)
{
    int hold[2], rel[2];
    pipe(hold);
    pipe(rel);
    pid_t x = child();
    if (x == 0) {
        setsid();
        ioctl(s, TIOCSCTTY, 0);
        send_msg(hold[1], 'h');
        wait_msg(rel[0], 10000);
        devtty("first session after the steal:");
        sid("first session", s);
        _exit(0);
    }
    wait_msg(hold[0], 10000);
    setsid();
    CHECK(ioctl(s, TIOCSCTTY, 0));
    CHECK(ioctl(s, TIOCSCTTY, 1));
    sid("second session", s);
    devtty("second session:");
    send_msg(rel[1], 'r');
    wait_child("first session", x);
}

static void notty_leader(void)
{
    pipe(sig_pipe);
    sig_tag = 'L';
    setsid();
    ioctl(s, TIOCSCTTY, 0);
    catch_sig(SIGHUP, 1);
    catch_sig(SIGCONT, 1);
    int go[2], done[2];
    pipe(go);
    pipe(done);
    pid_t f = child();
    if (f == 0) {
        sig_tag = 'F';
        tell('r');
        wait_msg(go[0], 10000);
        devtty("member after the leader's TIOCNOTTY:");
        sid("member", s);
        send_msg(done[1], 'd');
        _exit(0);
    }
    expect_events("member ready", 1, 5000);
    CHECK(ioctl(s, TIOCNOTTY));
    expect_events("signals after TIOCNOTTY", 4, 3000);
    devtty("leader after TIOCNOTTY:");
    sid("leader", s);
    sid("master", m);
    send_msg(go[1], 'g');
    wait_msg(done[0], 5000);
    waitpid(f, NULL, 0);
}

static void notty_member(void)
{
    setsid();
    ioctl(s, TIOCSCTTY, 0);
    pid_t f = child();
    if (f == 0) {
        pipe(sig_pipe);
        sig_tag = 'F';
        catch_sig(SIGHUP, 1);
        catch_sig(SIGCONT, 1);
        CHECK(ioctl(s, TIOCNOTTY));
        expect_events("member's signals", 0, 0);
        devtty("member after its TIOCNOTTY:");
        _exit(0);
    }
    waitpid(f, NULL, 0);
    devtty("leader:");
    sid("leader", s);
}

static void leader_exit(void)
{
    /* the leader exits: the foreground group gets SIGHUP, the tty has no
     * session any more */
    pipe(sig_pipe);
    int go[2], ready[2], lx[2];
    pipe(go);
    pipe(ready);
    pipe(lx);
    pid_t l = child();
    if (l == 0) {
        setsid();
        ioctl(s, TIOCSCTTY, 0);
        pid_t f = child();
        if (f == 0) {
            sig_tag = 'F';
            catch_sig(SIGHUP, 1);
            catch_sig(SIGCONT, 1);
            tell('r');
            send_msg(ready[1], 'r');
            wait_msg(go[0], 10000);
            devtty("member after the leader's exit:");
            _exit(0);
        }
        wait_msg(ready[0], 10000);
        wait_msg(lx[0], 10000);
        _exit(0);
    }
    expect_events("member ready", 1, 5000);
    send_msg(lx[1], 'x');
    waitpid(l, NULL, 0);
    expect_events("signals after the leader's exit", 1, 3000);
    sid("master", m);
    pgrp("master", m);
    send_msg(go[1], 'g');
    /* the member is not our child: wait for its end through the pipe */
    close(go[1]);
    char c;
    close(sig_pipe[1]);
    while (read(sig_pipe[0], &c, 1) > 0)
        ;
}

int main(void)
{
    if (pty_pair(&m, &s) < 0)
        return 1;
    strcpy(name, ptsname(m));
    run("no ctty", no_ctty);
    run("acquired by open", by_open);
    run("acquired by TIOCSCTTY", by_ioctl);
    run("TIOCSPGRP", spgrp);
    run("stealing", steal);
    run("TIOCNOTTY by the leader", notty_leader);
    run("TIOCNOTTY by a member", notty_member);
    run("leader exits", leader_exit);
    return 0;
}
