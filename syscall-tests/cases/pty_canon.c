/* pty: canonical input — a line at a time, short reads of a line, VEOF
 * (with and without data), VERASE, VKILL, VWERASE, VLNEXT, VREPRINT, VEOL,
 * VEOL2, ICRNL/INLCR/IGNCR, IEXTEN off, a pending partial line is not
 * readable.  Echo is off here (pty_echo covers it). */
#include "pty_common.h"

static int m, s;

/* feed(in, expect): master writes `in`; the slave reads lines until it has
 * `expect` bytes (each read() shown separately). */
static void feed(const char *label, const char *in, int nreads)
{
    putn(m, in, strlen(in));
    for (int i = 0; i < nreads; i++) {
        char b[256];
        struct pollfd p = {s, POLLIN, 0};
        if (poll(&p, 1, 5000) != 1) {
            printf("%s: read %d: nothing\n", label, i);
            continue;
        }
        ssize_t k = read(s, b, sizeof b);
        if (k < 0)
            printf("%s: read %d: %s\n", label, i, errname(errno));
        else {
            char l[64];
            snprintf(l, sizeof l, "%s: read %d", label, i);
            show(l, b, (int)k);
        }
    }
    /* nothing else is readable */
    struct pollfd p = {s, POLLIN, 0};
    int r = poll(&p, 1, 100);
    if (r != 0)
        printf("%s: more readable (%d)\n", label, r);
}

int main(void)
{
    if (pty_pair(&m, &s) < 0)
        return 1;
    lflags(s, 0, ECHO);

    feed("one line", "hello\n", 1);
    feed("two lines", "ab\ncd\n", 2);
    /* a partial line is not readable; it becomes readable with the newline */
    put(m, "part");
    struct pollfd p = {s, POLLIN, 0};
    CHECK(poll(&p, 1, 200));
    int n = -1;
    CHECK(ioctl(s, FIONREAD, &n));
    printf("FIONREAD with a partial line: %d\n", n);
    feed("rest of line", "ial\n", 1);

    /* a short read takes part of a line; the rest comes next */
    put(m, "abcdef\n");
    char b[16];
    drain(s, b, 0, 0);
    struct pollfd q = {s, POLLIN, 0};
    poll(&q, 1, 5000);
    ssize_t k = read(s, b, 3);
    show("short read", b, (int)k);
    k = read(s, b, sizeof b);
    show("rest", b, (int)k);

    /* VEOF: ends the line without itself; alone it reads as end of file */
    feed("VEOF after data", "xy\x04", 1);
    feed("VEOF alone", "\x04", 1);
    feed("VEOF then line", "\x04z\n", 2);
    /* VERASE and VKILL */
    feed("VERASE", "abx\x7f" "c\n", 1);
    feed("VERASE past start", "\x7f\x7fq\n", 1);
    feed("VKILL", "garbage\x15ok\n", 1);
    /* VWERASE erases a word (and the blanks after it) */
    feed("VWERASE", "one two  \x17three\n", 1);
    /* VLNEXT quotes the next character */
    feed("VLNEXT", "a\x16\x15" "b\x16\x7f\n", 1);
    feed("VLNEXT newline", "c\x16\nd\n", 1);
    /* VREPRINT acts only with ECHO (pty_echo): here it is an ordinary byte */
    feed("VREPRINT without ECHO", "re\x12" "p\n", 1);
    /* VEOL and VEOL2 */
    set_cc(s, VEOL, ';');
    set_cc(s, VEOL2, '#');
    feed("VEOL/VEOL2", "a;b#c\n", 3);
    set_cc(s, VEOL, 0);
    set_cc(s, VEOL2, 0);
    /* a _POSIX_VDISABLE (0) character is ordinary */
    set_cc(s, VKILL, 0);
    feed("VKILL disabled", "k\x15" "l\n", 1);
    set_cc(s, VKILL, 0x15);
    /* IEXTEN off: VWERASE and VLNEXT are ordinary */
    lflags(s, 0, IEXTEN);
    feed("no IEXTEN", "w x\x17y\x16\x7f" "z\n", 1);
    lflags(s, IEXTEN, 0);

    /* input mapping */
    feed("ICRNL", "cr\r", 1);
    iflags(s, INLCR, ICRNL);
    set_cc(s, VEOL, '\r');
    feed("INLCR", "nl\n", 1);
    set_cc(s, VEOL, 0);
    iflags(s, IGNCR, INLCR);
    feed("IGNCR", "a\rb\n", 1);
    iflags(s, 0, IGNCR);
    feed("no mapping", "a\rb\n", 1);
    iflags(s, ICRNL, 0);
    /* ISTRIP */
    iflags(s, ISTRIP, 0);
    feed("ISTRIP", "\xe1\xe2\n", 1);
    iflags(s, 0, ISTRIP);
    /* IUCLC (Linux: with IEXTEN) */
    iflags(s, IUCLC, 0);
    feed("IUCLC", "AbC\n", 1);
    iflags(s, 0, IUCLC);

    /* switching to non-canonical makes the partial line readable */
    put(m, "pending");
    CHECK(poll(&p, 1, 200));
    lflags(s, 0, ICANON);
    show_drain("after ICANON off", s, 7);
    /* and back: data typed in raw mode becomes a readable line once canonical */
    set_cc(s, VMIN, 1);
    put(m, "raw");
    drain(s, b, 0, 0); /* let it arrive; cap 0 reads nothing */
    lflags(s, ICANON, 0);
    k = -1;
    CHECK(poll(&p, 1, 200));
    CHECK(ioctl(s, FIONREAD, &n));
    printf("FIONREAD after ICANON on: %d\n", n);
    put(m, "\n");
    show_drain("after newline", s, 4);
    return 0;
}
