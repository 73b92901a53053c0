/* Signal permission (Linux's check_kill_permission): a process that dropped root may signal only processes whose
 * real or saved uid is its real or effective uid (SIGCONT within its session aside); kill, tgkill, tkill,
 * rt_sigqueueinfo and rt_tgsigqueueinfo all answer EPERM otherwise, and the target gets nothing. */
#include "common.h"
#include <signal.h>
#include <sys/wait.h>

#define NOBODY 65534

static volatile sig_atomic_t got_usr1;
static void on_usr1(int s) { (void)s; got_usr1++; }

int main(void)
{
    if (geteuid() != 0) {
        printf("needs root\n");
        return 0;
    }
    signal(SIGUSR1, on_usr1);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    int sync[2];
    CHECK(pipe(sync));
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        close(sync[0]);
        CHECK(setresgid(NOBODY, NOBODY, NOBODY));
        CHECK(setresuid(NOBODY, NOBODY, NOBODY));
        CHECK(kill(parent, 0));
        CHECK(kill(parent, SIGUSR1));
        CHECK(kill(parent, SIGKILL));
        CHECK(syscall(SYS_tgkill, parent, parent, SIGKILL));
        CHECK(syscall(SYS_tkill, parent, SIGUSR1));
        siginfo_t si;
        memset(&si, 0, sizeof si);
        si.si_code = SI_QUEUE;
        CHECK(syscall(SYS_rt_sigqueueinfo, parent, SIGKILL, &si));
        CHECK(syscall(SYS_rt_tgsigqueueinfo, parent, parent, SIGKILL, &si));
        /* a process group holding only root's processes and ourselves: we may signal ourselves */
        CHECK(kill(0, 0));
        /* SIGCONT within the session is allowed */
        CHECK(kill(parent, SIGCONT));
        /* ourselves, always */
        CHECK(kill(getpid(), 0));
        /* an unknown pid is still ESRCH */
        CHECK(kill(999999, 0));
        write(sync[1], "x", 1);
        _exit(0);
    }
    close(sync[1]);
    char c;
    CHECK(read(sync[0], &c, 1));
    int st;
    CHECK(waitpid(child, &st, 0) == child);
    SHOW(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    SHOW(got_usr1 == 0);

    /* A process with the same real uid may be signalled, whatever its effective uid. */
    int ready[2];
    CHECK(pipe(ready));
    pid_t target = fork();
    if (target == 0) {
        CHECK(setresuid(NOBODY, 0, 0));
        write(ready[1], "x", 1);
        for (;;)
            pause();
    }
    CHECK(read(ready[0], &c, 1));
    pid_t sender = fork();
    if (sender == 0) {
        CHECK(setresuid(NOBODY, NOBODY, NOBODY));
        CHECK(kill(target, SIGTERM));
        _exit(0);
    }
    CHECK(waitpid(sender, &st, 0) == sender);
    CHECK(waitpid(target, &st, 0) == target);
    SHOW(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    return 0;
}
