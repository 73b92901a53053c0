/* execve of set-user-ID and set-group-ID files: the effective (and saved, and fs) ids become the file's owner and
 * group, the real ones stay, AT_SECURE is set; a set-group-ID file without group execute gives nothing; under
 * no_new_privs the bits are ignored. A copy of this program, made with each mode, runs as uid 2000. */
#include "common.h"
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char copy[64];

static void report(void)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    printf("  uids %u %u %u gids %u %u %u secure %lu\n", r, e, s, gr, ge, gs, getauxval(AT_SECURE));
}

static void run_as_2000(const char *what, mode_t mode, int nnp)
{
    printf("%s (mode %o%s):\n", what, mode, nnp ? ", no_new_privs" : "");
    chown(copy, 1234, 4321);
    chmod(copy, mode);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        if (setgid(3000) != 0 || setuid(2000) != 0) _exit(1);
        if (nnp) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        char *argv[] = { copy, "report", NULL };
        execv(copy, argv);
        printf("  exec: %s\n", errname(errno));
        _exit(1);
    }
    waitpid(c, NULL, 0);
}

int main(int argc, char **argv)
{
    if (argc > 1) { report(); return 0; }
    snprintf(copy, sizeof copy, "/tmp/exec_setid.%d", (int)getpid());
    int in = open("/proc/self/exe", O_RDONLY), out = open(copy, O_WRONLY | O_CREAT | O_EXCL, 0755);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) write(out, buf, n);
    close(in);
    close(out);
    run_as_2000("plain", 0755, 0);
    run_as_2000("set-user-ID", 04755, 0);
    run_as_2000("set-group-ID", 02755, 0);
    run_as_2000("set-group-ID without group execute", 02745, 0);
    run_as_2000("both", 06755, 0);
    run_as_2000("both", 06755, 1);
    unlink(copy);
    return 0;
}
