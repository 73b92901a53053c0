/* A process that shares its fd table (clone with CLONE_FILES) gets its own copy at execve (Linux's unshare_files):
 * close-on-exec then closes only the exec'ing process's fds, not its partner's. Without exec the table stays
 * shared (a close is seen by both), and a sharer that exits leaves the fds open for the other. */
#include "common.h"
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

static pid_t clone_files(void)
{
    return syscall(SYS_clone, SIGCHLD | CLONE_VFORK | CLONE_FILES, 0, 0, 0, 0);
}

int main(void)
{
    int cloexec = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int plain = open("/dev/null", O_RDONLY);
    int st;

    /* exec in the sharing child: the parent's close-on-exec fd stays open */
    pid_t c = clone_files();
    if (c == 0) {
        char *argv[] = {"true", NULL}, *envp[] = {NULL};
        execve("/bin/true", argv, envp);
        _exit(127);
    }
    CHECK(waitpid(c, &st, 0) == c);
    SHOW(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(fcntl(cloexec, F_GETFD));
    CHECK(fcntl(plain, F_GETFD));

    /* no exec: a close in the child is a close in the parent (one table) */
    c = clone_files();
    if (c == 0) {
        close(plain);
        _exit(0);
    }
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(fcntl(plain, F_GETFD));
    SHOW(errno == EBADF);

    /* a sharer that exits does not take the fds with it */
    c = clone_files();
    if (c == 0)
        _exit(0);
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(fcntl(cloexec, F_GETFD));

    /* an fd opened by the child before it execs is the parent's too (it was opened in the shared table) */
    c = clone_files();
    if (c == 0) {
        int fd = open("/dev/null", O_RDONLY);
        char *argv[] = {"true", NULL}, *envp[] = {NULL};
        if (fd != plain)
            _exit(3);
        execve("/bin/true", argv, envp);
        _exit(127);
    }
    CHECK(waitpid(c, &st, 0) == c);
    SHOW(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(fcntl(plain, F_GETFD));
    CHECK(fcntl(cloexec, F_GETFD));
    return 0;
}
