/* Job-control signals: SIGSTOP stops a child (WUNTRACED reports it), SIGCONT continues it (WCONTINUED),
 * SIGCHLD reports both unless SA_NOCLDSTOP; waitid with WSTOPPED. */
#include "common.h"
#include <signal.h>
#include <sys/wait.h>

static volatile int chld_codes[8], nchld;
static void on_chld(int s, siginfo_t *si, void *uc) { if (nchld < 8) chld_codes[nchld++] = si->si_code; }

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        char x;
        close(p[1]);
        read(p[0], &x, 1); /* blocks until the parent is done; stopping and continuing do not end it */
        _exit(4);
    }
    close(p[0]);
    int st;
    CHECK(kill(c, SIGSTOP));
    SHOW(waitpid(c, &st, WUNTRACED) == c);
    SHOW(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(waitpid(c, &st, WUNTRACED | WNOHANG));        /* reported once */
    CHECK(kill(c, SIGCONT));
    SHOW(waitpid(c, &st, WCONTINUED) == c);
    SHOW(WIFCONTINUED(st));
    CHECK(kill(c, SIGTSTP));
    siginfo_t si = {0};
    CHECK(waitid(P_PID, c, &si, WSTOPPED));
    SHOW(si.si_code == CLD_STOPPED && si.si_status == SIGTSTP);
    CHECK(kill(c, SIGCONT));
    write(p[1], "x", 1);
    SHOW(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 4);
    /* standard signals merge, so only "at least one SIGCHLD, the first for the stop" is deterministic */
    SHOW(nchld >= 1 && chld_codes[0] == CLD_STOPPED);
    return 0;
}
