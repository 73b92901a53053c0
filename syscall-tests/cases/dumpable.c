/* PR_GET/SET_DUMPABLE as Linux keeps it: per address space, inherited by fork; set*id calls that change the
 * effective or fs ids clear it (fs.suid_dumpable 0), plain re-sets of the same ids do not; exec makes it 1 again,
 * except a set-user-ID exec that changes the effective uid, or of a file the caller cannot read. */
#include "common.h"
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char *copy_path;

/* A process sharing its fs context (CLONE_FS) with another gains nothing from a set-user-ID exec (LSM_UNSAFE_SHARE). */
static int shared_fs_exec(void *arg)
{
    (void)arg;
    if (setresuid(1000, 1000, 1000) != 0)
        _exit(98);
    execl(copy_path, copy_path, "set-user-ID, fs shared", (char *)NULL);
    _exit(99);
}

static void show(const char *what) { printf("%s: dumpable %d\n", what, prctl(PR_GET_DUMPABLE)); }

int main(int argc, char **argv)
{
    if (argc > 1) {
        printf("after exec (%s): dumpable %d, euid %s\n", argv[1], prctl(PR_GET_DUMPABLE),
               geteuid() == getuid() ? "= uid" : "!= uid");
        return 0;
    }
    show("start");
    CHECK(prctl(PR_SET_DUMPABLE, 2));
    CHECK(prctl(PR_SET_DUMPABLE, 0));
    show("set 0");
    pid_t c = fork();
    if (c == 0) {
        show("fork child");
        _exit(0);
    }
    waitpid(c, NULL, 0);
    CHECK(prctl(PR_SET_DUMPABLE, 1));
    CHECK(setuid(0)); /* no change */
    show("setuid to the same id");
    CHECK(setresgid(-1, 12345, -1));
    show("setresgid changes egid");
    CHECK(setresgid(-1, 0, -1));
    CHECK(prctl(PR_SET_DUMPABLE, 1));
    CHECK(setfsuid(777) >= 0);
    show("setfsuid");
    setfsuid(0);

    /* a copy of this program, set-user-ID root, run by an unprivileged user */
    const char *copy = scratch_path("dumpable");
    int in = open("/proc/self/exe", O_RDONLY), out = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    char b[65536];
    long n;
    while ((n = read(in, b, sizeof b)) > 0)
        write(out, b, n);
    close(in);
    close(out);
    chmod(copy, 04755);
    c = fork();
    if (c == 0) {
        CHECK(setresuid(1000, 1000, 1000));
        show("after setresuid to 1000");
        CHECK(prctl(PR_SET_DUMPABLE, 1));
        execl(copy, copy, "set-user-ID", (char *)NULL);
        _exit(99);
    }
    int st;
    waitpid(c, &st, 0);
    copy_path = copy;
    static char stack[1 << 16];
    c = clone(shared_fs_exec, stack + sizeof stack, CLONE_FS | SIGCHLD, NULL);
    waitpid(c, &st, 0);
    chmod(copy, 0711); /* executable, not readable by others */
    c = fork();
    if (c == 0) {
        setresuid(1000, 1000, 1000);
        execl(copy, copy, "unreadable", (char *)NULL);
        _exit(99);
    }
    waitpid(c, &st, 0);
    chmod(copy, 0755);
    c = fork();
    if (c == 0) {
        setresuid(1000, 1000, 1000);
        execl(copy, copy, "plain", (char *)NULL);
        _exit(99);
    }
    waitpid(c, &st, 0);
    unlink(copy);
    return 0;
}
