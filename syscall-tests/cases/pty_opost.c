/* pty: output processing of what the slave writes, as read from the master —
 * OPOST with ONLCR, OCRNL, ONOCR, ONLRET, OLCUC, TAB3 (tabs to spaces, column
 * tracking), OPOST off; the master's own writes are not processed. */
#include "pty_common.h"

static int m, s;

static void out(const char *label, tcflag_t on, tcflag_t off, const char *text, int expect)
{
    struct termios t;
    tcgetattr(s, &t);
    tcflag_t save = t.c_oflag;
    t.c_oflag = (t.c_oflag | on) & ~off;
    tcsetattr(s, TCSANOW, &t);
    ssize_t w = write(s, text, strlen(text));
    char l[80];
    snprintf(l, sizeof l, "%s (write returned %zd)", label, w);
    show_drain(l, m, expect);
    t.c_oflag = save;
    tcsetattr(s, TCSANOW, &t);
}

int main(void)
{
    if (pty_pair(&m, &s) < 0)
        return 1;
    /* the slave reads raw so the master's writes are visible as they are */
    struct termios t;
    tcgetattr(s, &t);
    t.c_lflag &= ~(ICANON | ECHO | ISIG | IEXTEN);
    t.c_iflag &= ~ICRNL;
    tcsetattr(s, TCSANOW, &t);

    out("ONLCR", 0, 0, "a\nb\n", 6);
    out("OPOST off", 0, OPOST, "a\nb\r", 4);
    out("ONLCR off", 0, ONLCR, "a\nb", 3);
    out("OCRNL", OCRNL, ONLCR, "a\rb", 3);
    out("ONOCR", ONOCR, ONLCR, "\rab\r\r", 3);
    out("ONLRET", ONLRET, ONLCR, "x\n\ry", 3);
    out("OLCUC", OLCUC, 0, "Hello\n", 7);
    out("TAB3", TAB3, 0, "a\tbc\t\n", 19);
    out("TAB3 column after CR", TAB3, ONLCR, "abc\r\tx", 14);
    out("TAB3 after backspace", TAB3, 0, "abc\b\tx", 13);
    out("NL with ONLCR|OCRNL", OCRNL, 0, "\r\n", 3);
    /* one write of many newlines */
    char many[300];
    memset(many, '\n', sizeof many);
    many[sizeof many - 1] = 0;
    {
        ssize_t w = write(s, many, strlen(many));
        char b[1024];
        int n = drain(m, b, sizeof b, 598);
        int crlf = 1;
        for (int i = 0; i + 1 < n; i += 2)
            if (b[i] != '\r' || b[i + 1] != '\n')
                crlf = 0;
        printf("299 newlines: write %zd, master read %d bytes, all CRLF: %d\n", w, n, crlf);
    }
    /* the master's writes reach the slave without output processing */
    put(m, "m\n\t");
    show_drain("slave reads master's write", s, 3);
    /* writev through the slave is processed too */
    struct iovec iov[2] = {{"v\n", 2}, {"w\n", 2}};
    CHECK(writev(s, iov, 2));
    show_drain("writev", m, 6);
    return 0;
}
