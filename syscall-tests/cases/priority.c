/* getpriority/setpriority: the nice value of a thread, a process group, a user; clamping, inheritance, errors.
 * Values are printed relative to the nice value the test started with (the runner's). */
#include "common.h"
#include <sys/resource.h>
#include <sys/wait.h>

int main(void)
{
    errno = 0;
    int n0 = getpriority(PRIO_PROCESS, 0);
    SHOW(errno == 0);
    int base = n0 > 10 ? 10 : n0;   /* room to go up by 5 */
    CHECK(setpriority(PRIO_PROCESS, 0, base + 5));
    SHOW(getpriority(PRIO_PROCESS, 0) == base + 5);
    SHOW(getpriority(PRIO_PROCESS, getpid()) == base + 5);
    SHOW(getpriority(PRIO_PGRP, 0) <= base + 5);

    /* a child inherits it, and may raise it for itself only */
    pid_t c = fork();
    if (c == 0) {
        int ok = getpriority(PRIO_PROCESS, 0) == base + 5;
        setpriority(PRIO_PROCESS, 0, base + 7);
        _exit(ok && getpriority(PRIO_PROCESS, 0) == base + 7 ? 0 : 1);
    }
    int st;
    waitpid(c, &st, 0);
    SHOW(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    SHOW(getpriority(PRIO_PROCESS, 0) == base + 5);

    /* clamped to 19; root may lower it again */
    CHECK(setpriority(PRIO_PROCESS, 0, 100));
    SHOW(getpriority(PRIO_PROCESS, 0) == 19);
    SHOW(geteuid() != 0 || setpriority(PRIO_PROCESS, 0, n0) == 0);

    /* errors */
    CHECK(setpriority(7, 0, 0));
    CHECK(getpriority(PRIO_PROCESS, 999999));
    CHECK(setpriority(PRIO_PGRP, 999999, 0));
    return 0;
}
