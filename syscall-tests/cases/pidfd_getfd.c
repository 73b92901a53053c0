/* pidfd_getfd: a close-on-exec copy of another process's open file (sharing its offset), the argument checks
 * (flags EINVAL, a non-pidfd EBADF, a closed target fd EBADF), a process without ptrace permission over the
 * target (EPERM), and a target that has exited (ESRCH, a zombie or reaped). */
#include "common.h"
#include <signal.h>
#include <sys/wait.h>

static int pidfd_open(pid_t pid) { return syscall(SYS_pidfd_open, pid, 0); }
static int getfd(int pidfd, int fd, unsigned flags) { return syscall(SYS_pidfd_getfd, pidfd, fd, flags); }

int main(void)
{
    int ready[2];
    CHECK(pipe(ready));
    pid_t c = fork();
    if (c == 0) {
        int fd = open("/etc/passwd", O_RDONLY);
        dup2(fd, 50);
        write(ready[1], "r", 1);
        pause();
        _exit(0);
    }
    char x;
    read(ready[0], &x, 1);
    int pfd = pidfd_open(c);
    SHOW(pfd >= 0);
    CHECK(getfd(pfd, 50, 1));
    CHECK(getfd(ready[0], 50, 0));
    CHECK(getfd(-1, 50, 0));
    CHECK(getfd(pfd, 99, 0));
    int fd = getfd(pfd, 50, 0);
    SHOW(fd >= 0);
    SHOW((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    char line[5] = { 0 };
    CHECK(read(fd, line, 4));
    printf("read \"%s\", offset now %ld\n", line, (long)lseek(fd, 0, SEEK_CUR));
    int again = getfd(pfd, 50, 0);
    printf("a second copy shares the offset: %ld\n", (long)lseek(again, 0, SEEK_CUR));

    /* A process that gave up root may not take its root parent's fds. */
    pid_t d = fork();
    if (d == 0) {
        int self = pidfd_open(getppid());
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) _exit(9);
        int r = getfd(self, 0, 0);
        printf("unprivileged child: %d %s\n", r, errname(errno));
        _exit(0);
    }
    waitpid(d, NULL, 0);

    kill(c, SIGKILL);
    siginfo_t si;
    waitid(P_PID, c, &si, WEXITED | WNOWAIT);
    int r = getfd(pfd, 50, 0);
    printf("zombie: %d %s\n", r, errname(errno));
    waitpid(c, NULL, 0);
    r = getfd(pfd, 50, 0);
    printf("reaped: %d %s\n", r, errname(errno));
    return 0;
}
