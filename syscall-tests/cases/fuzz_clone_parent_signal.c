/* clone(CLONE_PARENT | sig): the new process is its grandparent's child, and Linux tells that parent
 * with the caller's own exit signal (SIGCHLD), never the one asked for (found by fuzz/sysfuzz: the
 * fuzzer's harness got signal 50 from a grandchild). */
#include "common.h"
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

static volatile sig_atomic_t got_usr1, got_chld;
static void on_usr1(int s) { (void)s; got_usr1++; }
static void on_chld(int s) { (void)s; got_chld++; }

int main(void)
{
    signal(SIGUSR1, on_usr1);
    signal(SIGCHLD, on_chld);
    pid_t mid = fork();
    if (mid == 0) {
        /* The middle process makes a sibling that exits at once, asking for SIGUSR1 as its exit signal. */
        long r = syscall(SYS_clone, CLONE_PARENT | SIGUSR1, 0, 0, 0, 0);
        if (r == 0) _exit(7);
        _exit(r > 0 ? 0 : 1);
    }
    int st;
    CHECK(waitpid(mid, &st, 0) == mid);
    printf("middle exit %d\n", WEXITSTATUS(st));
    /* The sibling is ours now: plain waitpid (no __WCLONE) finds it because its exit signal is SIGCHLD. */
    pid_t sib = waitpid(-1, &st, 0);
    SHOW(sib > 0);
    if (sib > 0) printf("sibling exit %d\n", WEXITSTATUS(st));
    printf("SIGUSR1 received: %d\n", (int)got_usr1);
    SHOW(got_chld >= 1);
    return 0;
}
