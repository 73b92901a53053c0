/* Children belong to the process: a child forked by one thread can be waited
 * for by another, its parent is the process, and it stays waitable after the
 * thread that forked it has exited. */
#include "common.h"
#include <pthread.h>
#include <sys/wait.h>

static pid_t forked;

static void *forker(void *a)
{
    forked = fork();
    if (forked == 0) _exit(getppid() == (pid_t)(long)a ? 6 : 7);
    return NULL;
}

static void *waiter(void *a)
{
    int st;
    pid_t c = (pid_t)(long)a;
    return (void *)(long)(waitpid(c, &st, 0) == c && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
    pthread_t t;
    void *r;
    int st;
    /* A thread forks and exits; the main thread reaps the child. */
    pthread_create(&t, NULL, forker, (void *)(long)getpid());
    pthread_join(t, NULL);
    SHOW(waitpid(forked, &st, 0) == forked && WIFEXITED(st) && WEXITSTATUS(st) == 6);
    /* The main thread forks; another thread reaps the child. */
    pid_t c = fork();
    if (c == 0) _exit(8);
    pthread_create(&t, NULL, waiter, (void *)(long)c);
    pthread_join(t, &r);
    printf("reaped by a thread: %ld\n", (long)r);
    CHECK(waitpid(-1, &st, WNOHANG));
    return 0;
}
