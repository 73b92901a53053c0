/* Shared helpers for the pty_*.c cases (pseudo-terminals, issue 11).
 *
 * Each case makes its own pair with posix_openpt/grantpt/unlockpt/ptsname
 * (the build has no -lutil).  Data written to one side of a pty reaches the
 * other asynchronously on Linux (a work queue moves it into the line
 * discipline), so readers never assume data is there at once: drain() waits
 * (poll, bounded) for the bytes it expects and then a short while for any
 * extra byte, and prints what it got.  No pts numbers, pids or times are
 * printed.
 */
#ifndef PTY_COMMON_H
#define PTY_COMMON_H

#include "common.h"
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <sys/uio.h>

/* A sandbox's init leads its session (as a container's does), so an open of a
 * pty without O_NOCTTY would make it the controlling terminal and a hangup
 * would send it SIGHUP; natively the case is no session leader.  So a session
 * leader runs the case in a child, which is not one, and exits with its status:
 * both runs then start from the same place. */
__attribute__((constructor)) static void pty_not_session_leader(void)
{
    if (getsid(0) != getpid()) return;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) return;
    int st = 0;
    while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* pty_pair: a new master (O_RDWR|O_NOCTTY|mflags) and its slave opened with
 * O_RDWR|O_NOCTTY|sflags.  Prints and returns -1 on failure. */
__attribute__((unused)) static int pty_pair_flags(int *m, int *s, int mflags, int sflags)
{
    *m = posix_openpt(O_RDWR | O_NOCTTY | mflags);
    if (*m < 0) {
        printf("posix_openpt: %s\n", errname(errno));
        return -1;
    }
    if (grantpt(*m) < 0 || unlockpt(*m) < 0) {
        printf("grantpt/unlockpt: %s\n", errname(errno));
        return -1;
    }
    char *name = ptsname(*m);
    if (!name) {
        printf("ptsname: %s\n", errname(errno));
        return -1;
    }
    *s = open(name, O_RDWR | O_NOCTTY | sflags);
    if (*s < 0) {
        printf("open slave: %s\n", errname(errno));
        return -1;
    }
    return 0;
}

__attribute__((unused)) static int pty_pair(int *m, int *s)
{
    return pty_pair_flags(m, s, 0, 0);
}

__attribute__((unused)) static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* drain(fd, out, cap, expect): reads until `expect` bytes arrived (waiting at
 * most 5 s in all), then until nothing more arrives for 100 ms (or for
 * 300 ms when expect is 0).  Returns the count; stops at EOF or an error
 * (which is left in *err if err is not NULL: 0 for EOF, errno otherwise,
 * -1 if neither happened). */
__attribute__((unused)) static int drain_e(int fd, char *out, int cap, int expect, int *err)
{
    int n = 0;
    long deadline = now_ms() + 5000;
    if (err)
        *err = -1;
    for (;;) {
        int wait;
        if (n >= expect)
            wait = expect == 0 ? 300 : 100;
        else {
            wait = (int)(deadline - now_ms());
            if (wait < 0)
                wait = 0;
        }
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, wait);
        if (r <= 0)
            break;
        if (n >= cap)
            break;
        ssize_t k = read(fd, out + n, cap - n);
        if (k <= 0) {
            if (err)
                *err = k == 0 ? 0 : errno;
            break;
        }
        n += k;
    }
    return n;
}

__attribute__((unused)) static int drain(int fd, char *out, int cap, int expect)
{
    return drain_e(fd, out, cap, expect, NULL);
}

/* show(label, b, n): prints the bytes C-escaped. */
__attribute__((unused)) static void show(const char *label, const char *b, int n)
{
    printf("%s: %d \"", label, n);
    for (int i = 0; i < n; i++) {
        unsigned char c = b[i];
        if (c == '\n')
            printf("\\n");
        else if (c == '\r')
            printf("\\r");
        else if (c == '\t')
            printf("\\t");
        else if (c == '\b')
            printf("\\b");
        else if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf("\"\n");
}

/* show_drain(label, fd, expect): drain and show. */
__attribute__((unused)) static void show_drain(const char *label, int fd, int expect)
{
    char b[8192];
    int n = drain(fd, b, sizeof b, expect);
    show(label, b, n);
}

/* put(fd, s): writes the whole string (a short write is printed). */
__attribute__((unused)) static void put(int fd, const char *s)
{
    size_t len = strlen(s);
    ssize_t w = write(fd, s, len);
    if (w != (ssize_t)len)
        printf("write %zu bytes: %zd %s\n", len, w, w < 0 ? errname(errno) : "");
}

__attribute__((unused)) static void putn(int fd, const char *s, size_t len)
{
    ssize_t w = write(fd, s, len);
    if (w != (ssize_t)len)
        printf("write %zu bytes: %zd %s\n", len, w, w < 0 ? errname(errno) : "");
}

/* wait_msg(fd, ms): one byte from a pipe within ms, or -1 on timeout, -2 on EOF/error. */
__attribute__((unused)) static int wait_msg(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    int r;
    do
        r = poll(&p, 1, ms);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return -1;
    unsigned char c;
    ssize_t k;
    do
        k = read(fd, &c, 1);
    while (k < 0 && errno == EINTR);
    return k == 1 ? c : -2;
}

__attribute__((unused)) static void send_msg(int fd, char c)
{
    while (write(fd, &c, 1) < 0 && errno == EINTR)
        ;
}

/* termios helpers (on the slave; the master's TCGETS/TCSETS act on the
 * slave's termios too). */
__attribute__((unused)) static void lflags(int fd, tcflag_t on, tcflag_t off)
{
    struct termios t;
    if (tcgetattr(fd, &t) < 0) {
        printf("tcgetattr: %s\n", errname(errno));
        return;
    }
    t.c_lflag = (t.c_lflag | on) & ~off;
    if (tcsetattr(fd, TCSANOW, &t) < 0)
        printf("tcsetattr: %s\n", errname(errno));
}

__attribute__((unused)) static void iflags(int fd, tcflag_t on, tcflag_t off)
{
    struct termios t;
    tcgetattr(fd, &t);
    t.c_iflag = (t.c_iflag | on) & ~off;
    if (tcsetattr(fd, TCSANOW, &t) < 0)
        printf("tcsetattr: %s\n", errname(errno));
}

__attribute__((unused)) static void oflags(int fd, tcflag_t on, tcflag_t off)
{
    struct termios t;
    tcgetattr(fd, &t);
    t.c_oflag = (t.c_oflag | on) & ~off;
    if (tcsetattr(fd, TCSANOW, &t) < 0)
        printf("tcsetattr: %s\n", errname(errno));
}

__attribute__((unused)) static void set_raw(int fd)
{
    struct termios t;
    tcgetattr(fd, &t);
    cfmakeraw(&t);
    if (tcsetattr(fd, TCSANOW, &t) < 0)
        printf("tcsetattr raw: %s\n", errname(errno));
}

__attribute__((unused)) static void set_cc(int fd, int idx, cc_t v)
{
    struct termios t;
    tcgetattr(fd, &t);
    t.c_cc[idx] = v;
    if (tcsetattr(fd, TCSANOW, &t) < 0)
        printf("tcsetattr cc: %s\n", errname(errno));
}

/* revents(fd, events): poll with timeout 0 and print the result bits. */
__attribute__((unused)) static const char *pollbits(short r)
{
    static char b[128];
    b[0] = 0;
    if (r & POLLIN)
        strcat(b, "IN|");
    if (r & POLLPRI)
        strcat(b, "PRI|");
    if (r & POLLOUT)
        strcat(b, "OUT|");
    if (r & POLLERR)
        strcat(b, "ERR|");
    if (r & POLLHUP)
        strcat(b, "HUP|");
    if (r & POLLNVAL)
        strcat(b, "NVAL|");
    if (r & POLLRDHUP)
        strcat(b, "RDHUP|");
    size_t l = strlen(b);
    if (l)
        b[l - 1] = 0;
    else
        strcpy(b, "0");
    return b;
}

__attribute__((unused)) static short poll_now(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLPRI | POLLRDHUP, 0};
    int r = poll(&p, 1, ms);
    if (r < 0)
        return -1;
    return p.revents;
}

/* signal recording: a handler writes two bytes per signal to sig_pipe[1]:
 * the process's tag (sig_tag, set by each process) and a letter for the
 * signal.  A pipe write of 2 bytes is atomic, so several processes can
 * share the pipe. */
__attribute__((unused)) static int sig_pipe[2] = {-1, -1};
__attribute__((unused)) static char sig_tag = '?';

__attribute__((unused)) static char sig_letter(int sig)
{
    switch (sig) {
    case SIGINT: return 'I';
    case SIGQUIT: return 'Q';
    case SIGTSTP: return 'Z';
    case SIGHUP: return 'H';
    case SIGCONT: return 'C';
    case SIGWINCH: return 'W';
    case SIGTTIN: return 'i';
    case SIGTTOU: return 'o';
    case SIGIO: return 'O';
    default: return '?';
    }
}

__attribute__((unused)) static void sig_record(int sig)
{
    int e = errno;
    char c[2] = {sig_tag, sig_letter(sig)};
    if (write(sig_pipe[1], c, 2) < 0) {
    }
    errno = e;
}

/* tell(msg): a process reports a one-letter event (tag + letter) */
__attribute__((unused)) static void tell(char what)
{
    char c[2] = {sig_tag, what};
    while (write(sig_pipe[1], c, 2) < 0 && errno == EINTR)
        ;
}

/* catch_sig(sig, restart): records sig through sig_record. */
__attribute__((unused)) static void catch_sig(int sig, int restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sig_record;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(sig, &sa, NULL);
}

/* block_on(fd): waits until every writer of fd is gone (read gives EOF). */
__attribute__((unused)) static void block_on(int fd)
{
    char c;
    while (read(fd, &c, 1) != 0)
        ;
}

/* start_groups(fg, bg): the session leader's two other processes, each tells
 * 'r' once ready and lives until the returned fd is closed: F (*fg) in the
 * leader's (foreground) group and B (*bg) in a background group of its own. */
__attribute__((unused)) static int start_groups(pid_t *fg, pid_t *bg)
{
    int life[2];
    if (pipe(life) < 0)
        return -1;
    pid_t f = fork();
    if (f == 0) {
        sig_tag = 'F';
        close(life[1]);
        tell('r');
        block_on(life[0]);
        _exit(0);
    }
    pid_t b = fork();
    if (b == 0) {
        sig_tag = 'B';
        setpgid(0, 0);
        close(life[1]);
        tell('r');
        block_on(life[0]);
        _exit(0);
    }
    setpgid(b, b);
    close(life[0]);
    *fg = f;
    *bg = b;
    return life[1];
}

static int cmp_pair(const void *a, const void *b)
{
    return memcmp(a, b, 2);
}

/* events(first_ms, settle_ms): the tag+letter pairs recorded on sig_pipe
 * within first_ms, then until none arrives for settle_ms; sorted (the order
 * between processes is not fixed), e.g. "L:I F:I", or "none".  Static buffer. */
__attribute__((unused)) static const char *events(int first_ms, int settle_ms)
{
    static char pairs[32][2];
    static char out[160];
    int n = 0;
    int wait = first_ms;
    while (n < 32) {
        int a = wait_msg(sig_pipe[0], wait);
        if (a < 0)
            break;
        int b = wait_msg(sig_pipe[0], 1000);
        if (b < 0)
            break;
        pairs[n][0] = (char)a;
        pairs[n][1] = (char)b;
        n++;
        wait = settle_ms;
    }
    if (n == 0)
        return "none";
    qsort(pairs, n, 2, cmp_pair);
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        char t[8];
        snprintf(t, sizeof t, "%s%c:%c", i ? " " : "", pairs[i][0], pairs[i][1]);
        strcat(out, t);
    }
    return out;
}

/* expect_events(label, n, first_ms): waits for exactly n pairs (or first_ms
 * in all), then 100 ms for extra ones; prints them sorted. */
__attribute__((unused)) static void expect_events(const char *label, int n, int ms)
{
    static char pairs[32][2];
    int k = 0;
    long end = now_ms() + ms;
    while (k < 32) {
        int left = k < n ? (int)(end - now_ms()) : 100;
        if (left < 0)
            left = 0;
        int a = wait_msg(sig_pipe[0], left);
        if (a < 0)
            break;
        int b = wait_msg(sig_pipe[0], 1000);
        if (b < 0)
            break;
        pairs[k][0] = (char)a;
        pairs[k][1] = (char)b;
        k++;
    }
    qsort(pairs, k, 2, cmp_pair);
    printf("%s:", label);
    if (k == 0)
        printf(" none");
    for (int i = 0; i < k; i++)
        printf(" %c:%c", pairs[i][0], pairs[i][1]);
    printf("\n");
}

/* wait_child(pid): prints how a child ended (exit status or signal). */
__attribute__((unused)) static void wait_child(const char *label, pid_t pid)
{
    int st;
    pid_t r;
    do
        r = waitpid(pid, &st, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        printf("%s: waitpid %s\n", label, errname(errno));
    else if (WIFEXITED(st))
        printf("%s: exit %d\n", label, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %s\n", label, sigabbrev_np(WTERMSIG(st)));
    else
        printf("%s: status 0x%x\n", label, st);
}

#endif
