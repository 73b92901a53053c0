/* fork, vfork, wait4/waitid, pipes between processes, exec in a child, orphans. */
#include "common.h"
#include <sys/wait.h>
#include <sys/types.h>
#include <sys/prctl.h>
#include <signal.h>

int main(void)
{
    /* exit status through wait4 */
    pid_t c = fork();
    if (c == 0) _exit(3);
    SHOW(c > 0);
    int st = 0;
    SHOW(waitpid(c, &st, 0) == c);
    SHOW(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    CHECK(waitpid(-1, &st, WNOHANG));            /* no children: ECHILD */

    /* the child gets a copy of memory: its writes stay its own */
    static int value = 1;
    c = fork();
    if (c == 0) { value = 2; _exit(value); }
    waitpid(c, &st, 0);
    SHOW(WEXITSTATUS(st) == 2 && value == 1);

    /* getppid in the child is our pid */
    int p[2];
    CHECK(pipe(p));
    c = fork();
    if (c == 0) {
        close(p[0]);
        char ok = getppid() == getpid() ? 'n' : (getppid() > 0 ? 'y' : 'n');
        write(p[1], &ok, 1);
        write(p[1], "through a pipe", 14);
        _exit(0);
    }
    close(p[1]);
    char buf[64] = {0};
    ssize_t n, total = 0;
    while ((n = read(p[0], buf + total, sizeof buf - 1 - total)) > 0) total += n;
    printf("from child: %s (%zd bytes, then EOF)\n", buf, total);
    close(p[0]);
    waitpid(c, &st, 0);

    /* WNOHANG on a running child returns 0, then the blocking wait reaps it */
    CHECK(pipe(p));
    c = fork();
    if (c == 0) { char x; close(p[1]); read(p[0], &x, 1); _exit(5); }
    close(p[0]);
    CHECK(waitpid(c, &st, WNOHANG));
    write(p[1], "x", 1);
    close(p[1]);
    SHOW(waitpid(c, &st, 0) == c && WEXITSTATUS(st) == 5);

    /* waitid */
    c = fork();
    if (c == 0) _exit(9);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, c, &si, WEXITED));
    SHOW(si.si_pid == c && si.si_signo == SIGCHLD && si.si_code == CLD_EXITED && si.si_status == 9);
    CHECK(waitid(P_ALL, 0, &si, 0));             /* no WEXITED etc.: EINVAL */
    /* only a zombie child: waiting for stops (no WEXITED) is ECHILD, not a wait; the zombie stays for WEXITED */
    c = fork();
    if (c == 0) _exit(3);
    CHECK(waitid(P_PID, c, &si, WEXITED | WNOWAIT));
    CHECK(waitid(P_ALL, 0, &si, WSTOPPED));
    CHECK(waitid(P_PID, c, &si, WSTOPPED | WCONTINUED));
    CHECK(waitpid(c, &st, WUNTRACED | WNOHANG) == c);

    /* a child killed by a signal */
    c = fork();
    if (c == 0) { *(volatile int *)8 = 1; _exit(0); }
    waitpid(c, &st, 0);
    SHOW(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);

    /* vfork + exec */
    c = vfork();
    if (c == 0) { execl("/bin/sh", "sh", "-c", "exit 4", (char *)0); _exit(127); }
    waitpid(c, &st, 0);
    SHOW(WEXITSTATUS(st) == 4);

    /* an orphaned grandchild comes to the nearest subreaper: us (in the sandbox we are pid 1 anyway) */
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    c = fork();
    if (c == 0) {
        if (fork() == 0) _exit(0);
        _exit(0);
    }
    waitpid(c, &st, 0);
    SHOW(waitpid(-1, &st, 0) > 0 && WEXITSTATUS(st) == 0); /* the grandchild */
    CHECK(waitpid(-1, &st, 0));
    return 0;
}
