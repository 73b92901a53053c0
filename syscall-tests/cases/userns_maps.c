/* uid_map and gid_map written from the parent namespace and read from both sides: the parent (CAP_SETUID and
 * CAP_SETGID in the parent namespace) may map any ids, many extents, gid_map without setgroups "deny"; the second
 * column is in the reader's namespace (the parent's for a reader inside); bad lines, overlapping extents, more
 * than 340 lines, a write past offset 0 or of a page are EINVAL; the initial namespace's maps are EPERM. */
#include "userns_common.h"

/* A child that makes a user namespace, says so on ready, waits for go, then runs fn. */
struct waiter { pid_t pid; int go; };

static struct waiter spawn(void (*fn)(void))
{
    int ready[2], go[2];
    pipe(ready);
    pipe(go);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
    {
        close(ready[0]);
        close(go[1]);
        char b = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
        write(ready[1], &b, 1);
        read(go[0], &b, 1);
        if (fn) fn();
        _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    char b = 0;
    read(ready[0], &b, 1);
    close(ready[0]);
    if (b != 'y') printf("child unshare failed\n");
    return (struct waiter){ c, go[1] };
}

static void finish(struct waiter w)
{
    char b = 'g';
    fflush(stdout);
    write(w.go, &b, 1);
    close(w.go);
    int st = 0;
    waitpid(w.pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) printf("child status %#x\n", st);
}

static const char *pp(pid_t p, const char *file)
{
    static char path[8][64];
    static int i;
    char *b = path[i++ % 8];
    snprintf(b, 64, "/proc/%d/%s", (int)p, file);
    return b;
}

static void inside(void)
{
    printf("inside: getuid %d getgid %d\n", (int)getuid(), (int)getgid());
    printf("inside uid_map: %s", contents("/proc/self/uid_map"));
    printf("inside gid_map: %s", contents("/proc/self/gid_map"));
    printf("parent's uid_map from inside: %s", contents(pp(getppid(), "uid_map")));
    printf("%s\n", status_line("Uid:"));
    printf("setgroups: %s", contents("/proc/self/setgroups"));
    CHECK(setgroups(0, NULL));
}

int main(void)
{
    printf("initial: %s", contents("/proc/self/uid_map"));
    printf("initial: %s", contents("/proc/self/gid_map"));
    PUT("/proc/self/uid_map", "0 0 1");
    PUT("/proc/self/gid_map", "0 0 1");

    struct waiter a = spawn(inside);
    PUT(pp(a.pid, "uid_map"), "0 1000 1\n");
    PUT(pp(a.pid, "gid_map"), "0 1000 1\n");
    printf("outside uid_map: %s", contents(pp(a.pid, "uid_map")));
    printf("outside gid_map: %s", contents(pp(a.pid, "gid_map")));
    finish(a);

    struct waiter b = spawn(NULL);
    const char *m = pp(b.pid, "uid_map");
    PUT(m, "\n");
    PUT(m, "0 0");
    PUT(m, "0 0 1 x");
    PUT(m, "0 0 1x");
    PUT(m, "x 0 1");
    PUT(m, "0 0 0");
    PUT(m, "4294967295 0 1");
    PUT(m, "0 4294967295 1");
    PUT(m, "4294967290 0 10");
    PUT(m, "0 0 1\n0 5 1");
    PUT(m, "0 0 1\n5 0 1");
    PUT(m, "0 0 10\n5 20 10");
    PUT(m, "0 0 1\n\n");
    PUT(m, "0 0 1\n\n1 1 1");
    int fd = open(m, O_WRONLY);
    CHECK(pwrite(fd, "0 0 1", 5, 1));
    static char page[4096];
    memset(page, ' ', sizeof page);
    memcpy(page, "0 0 1", 5);
    CHECK(write(fd, page, sizeof page));
    printf("still unset: [%s]\n", contents(m));
    CHECK(write(fd, page, sizeof page - 1));
    close(fd);
    printf("%s", contents(m));
    PUT(m, "20 200 1");
    finish(b);

    struct waiter d = spawn(NULL);
    PUT(pp(d.pid, "uid_map"), "  0   0   1  \n 10 100 5\n");
    printf("%s", contents(pp(d.pid, "uid_map")));
    PUT(pp(d.pid, "setgroups"), "deny\n");
    PUT(pp(d.pid, "setgroups"), "deny  ");
    PUT(pp(d.pid, "setgroups"), "deny x");
    PUT(pp(d.pid, "setgroups"), "denyallow");
    PUT(pp(d.pid, "setgroups"), "allow");
    printf("setgroups: %s", contents(pp(d.pid, "setgroups")));
    finish(d);

    struct waiter c = spawn(NULL);
    static char many[8192];
    int n = 0;
    for (int i = 0; i < 341; i++) n += snprintf(many + n, sizeof many - n, "%d %d 1\n", i * 2, i * 3);
    CHECK(put(pp(c.pid, "uid_map"), many) > 0);
    n = 0;
    for (int i = 0; i < 340; i++) n += snprintf(many + n, sizeof many - n, "%d %d 1\n", i * 2, i * 3);
    CHECK(put(pp(c.pid, "uid_map"), many) > 0);
    const char *got = contents(pp(c.pid, "uid_map"));
    int lines = 0;
    for (const char *p = got; *p; p++) lines += *p == '\n';
    const char *last = strrchr(got, '\n');
    while (last > got && last[-1] != '\n') last--;
    printf("lines %d, last: %s", lines, last);
    finish(c);

    /* A map file keeps its opener's credentials: opened by root, written after dropping to uid 1000. */
    struct waiter f = spawn(NULL);
    fflush(stdout);
    pid_t dropper = fork();
    if (dropper == 0)
    {
        int fd = open(pp(f.pid, "uid_map"), O_WRONLY);
        if (setresuid(1000, 1000, 1000) != 0) _exit(1);
        CHECK(write(fd, "0 0 2", 5));
        CHECK(write(fd, "0 0 1", 5));
        _exit(0);
    }
    waitpid(dropper, NULL, 0);
    printf("%s", contents(pp(f.pid, "uid_map")));
    finish(f);

    /* A longer map reads back sorted by first id; a short one in the order written. */
    struct waiter e = spawn(NULL);
    PUT(pp(e.pid, "uid_map"), "50 50 1\n40 40 1\n30 30 1\n20 20 1\n10 10 1\n0 0 1\n");
    printf("%s", contents(pp(e.pid, "uid_map")));
    PUT(pp(e.pid, "gid_map"), "50 50 1\n40 40 1\n0 0 1\n");
    printf("%s", contents(pp(e.pid, "gid_map")));
    finish(e);
    return 0;
}
