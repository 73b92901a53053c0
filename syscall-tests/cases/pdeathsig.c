/* PR_SET_PDEATHSIG: a child is sent its chosen signal when its parent ends; fork clears the setting. */
#include "common.h"
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static volatile sig_atomic_t got;
static void on_usr1(int s) { (void)s; got = 1; }

int main(void)
{
    int p[2];
    pipe(p);
    pid_t mid = fork();
    if (mid == 0) {
        /* the middle process forks a grandchild that asks for SIGUSR1 at its parent's death, then exits */
        pid_t g = fork();
        if (g == 0) {
            signal(SIGUSR1, on_usr1);
            CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR1));
            int sig = 0;
            prctl(PR_GET_PDEATHSIG, &sig);
            printf("grandchild pdeathsig %d\n", sig);
            write(p[1], "r", 1);
            for (int i = 0; i < 200 && !got; i++) usleep(10000);
            char c = got ? 'y' : 'n';
            write(p[1], &c, 1);
            _exit(0);
        }
        char r;
        read(p[0], &r, 1);
        _exit(0);
    }
    close(p[1]);
    int st;
    waitpid(mid, &st, 0);
    char c = '?';
    read(p[0], &c, 1);
    printf("grandchild got SIGUSR1 after its parent ended: %c\n", c);

    /* fork clears it */
    CHECK(prctl(PR_SET_PDEATHSIG, SIGTERM));
    pid_t k = fork();
    if (k == 0) {
        int sig = -1;
        prctl(PR_GET_PDEATHSIG, &sig);
        _exit(sig);
    }
    waitpid(k, &st, 0);
    printf("child of a process with pdeathsig: %d\n", WEXITSTATUS(st));
    CHECK(prctl(PR_SET_PDEATHSIG, 65));
    return 0;
}
