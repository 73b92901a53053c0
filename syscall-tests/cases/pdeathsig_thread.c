/* PR_SET_PDEATHSIG is tied to the parent *thread*: a child made by a thread that then exits gets its signal while
 * the parent process lives on. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static pid_t child;

static void *maker(void *arg)
{
    (void)arg;
    int p[2];
    CHECK(pipe(p));
    child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        write(p[1], "r", 1);
        for (;;) pause();
    }
    char c;
    read(p[0], &c, 1);
    return NULL; /* this thread ends: the child is told */
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, maker, NULL);
    pthread_join(t, NULL);
    int st;
    CHECK(waitpid(child, &st, 0) == child);
    printf("child: signaled %d sig %d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return 0;
}
