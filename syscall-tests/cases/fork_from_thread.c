/* A child forked by a thread that then exits lives on (its parent is the process, not the thread), and the
 * process reaps it; a grandchild whose parent exits first goes on too and is reaped by pid 1's side. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

static pid_t child;

static void *forker(void *arg)
{
    (void)arg;
    child = fork();
    if (child == 0) {
        usleep(300000);   /* outlive the thread that forked us */
        _exit(7);
    }
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, forker, NULL);
    pthread_join(t, NULL);
    int st = 0;
    SHOW(waitpid(child, &st, 0) == child);
    printf("child: exited %d status %d signalled %d\n", WIFEXITED(st), WEXITSTATUS(st), WIFSIGNALED(st));

    /* an orphan: the middle process exits at once, its child reports through a pipe after that */
    int p[2];
    pipe(p);
    pid_t mid = fork();
    if (mid == 0) {
        if (fork() == 0) {
            usleep(200000);
            write(p[1], "orphan ran", 10);
            _exit(0);
        }
        _exit(0);
    }
    close(p[1]);
    waitpid(mid, &st, 0);
    char buf[32] = {0};
    read(p[0], buf, sizeof buf - 1);
    printf("%s\n", buf);
    return 0;
}
