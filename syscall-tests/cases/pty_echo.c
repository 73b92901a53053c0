/* pty: echo as read from the master — ECHO (with ONLCR), ECHOE, ECHOK and
 * ECHOKE, ECHONL, ECHOCTL, ECHOPRT, VWERASE and VREPRINT echo, tabs, echo of
 * VEOF, ECHO off; what the slave reads each time. */
#include "pty_common.h"

static int m, s;

/* type(in, echo_expect): master writes `in`, prints the echo read from the
 * master and then the lines the slave can read. */
static void type(const char *label, const char *in, int echo_expect)
{
    char b[512];
    putn(m, in, strlen(in));
    int n = drain(m, b, sizeof b, echo_expect);
    char l[80];
    snprintf(l, sizeof l, "%s echo", label);
    show(l, b, n);
    fcntl(s, F_SETFL, O_NONBLOCK);
    n = 0;
    for (;;) {
        ssize_t k = read(s, b + n, sizeof b - n);
        if (k <= 0)
            break;
        n += k;
    }
    fcntl(s, F_SETFL, 0);
    snprintf(l, sizeof l, "%s slave reads", label);
    show(l, b, n);
}

int main(void)
{
    if (pty_pair(&m, &s) < 0)
        return 1;
    struct termios t0;
    tcgetattr(s, &t0);

    type("plain", "hi\n", 4);
    type("ECHOE erase", "abc\x7f\x7f" "d\n", 11);
    lflags(s, 0, ECHOE);
    type("no ECHOE erase", "ab\x7f\n", 6);
    lflags(s, ECHOE, 0);
    type("ECHOKE kill", "xyz\x15" "k\n", 15);
    lflags(s, ECHOK, ECHOKE);
    type("ECHOK kill", "xyz\x15" "k\n", 9);
    lflags(s, 0, ECHOK);
    type("no ECHOK kill", "xyz\x15" "k\n", 8);
    lflags(s, ECHOKE | ECHOK, 0);
    type("ECHOCTL", "a\x01\x1b" "b\n", 8);
    lflags(s, 0, ECHOCTL);
    type("no ECHOCTL", "a\x01" "b\n", 5);
    lflags(s, ECHOCTL, 0);
    type("tab erase", "a\tb\x7f\x7f" "c\n", 12);
    type("VWERASE", "one two\x17" "x\n", 14);
    type("VREPRINT", "re\x12" "p\n", 11);
    type("VEOF", "e\x04", 1);
    type("VEOF alone", "\x04", 0);
    type("VLNEXT", "a\x16\x03" "b\n", 8);
    lflags(s, ECHOPRT, ECHOE);
    type("ECHOPRT", "abc\x7f\x7f" "d\n", 10);
    lflags(s, ECHOE, ECHOPRT);
    lflags(s, ECHONL, ECHO);
    type("ECHONL without ECHO", "quiet\n", 2);
    lflags(s, 0, ECHONL);
    type("no echo", "quiet\n", 0);
    lflags(s, ECHO, 0);
    /* echo with output processing off on the slave: no CR added */
    oflags(s, 0, OPOST);
    type("echo without OPOST", "raw\n", 4);
    oflags(s, OPOST, 0);
    /* non-canonical echo: each byte, including control bytes as ^X */
    lflags(s, 0, ICANON | ISIG);
    type("non-canonical", "q\x7f\x03", 5);
    /* with the slave's own output interleaved: echo appears after it */
    tcsetattr(s, TCSANOW, &t0);
    put(s, "prompt> ");
    type("after output", "ls\n", 12);
    return 0;
}
