/* Process group, session and subreaper belong to the process: what one thread sets, every thread sees. */
#include "common.h"
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static void *setter(void *arg)
{
    (void)arg;
    setpgid(0, 0);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    return NULL;
}

static void *reader(void *arg)
{
    int *out = arg;
    out[0] = getpgid(0) == getpid();
    int r = -1;
    prctl(PR_GET_CHILD_SUBREAPER, &r);
    out[1] = r;
    return NULL;
}

int main(void)
{
    pid_t c = fork();
    if (c == 0) {
        pthread_t a, b;
        int seen[2] = {0, 0};
        pthread_create(&a, NULL, setter, NULL);
        pthread_join(a, NULL);
        pthread_create(&b, NULL, reader, seen);
        pthread_join(b, NULL);
        int mine = getpgid(0) == getpid();
        printf("main thread sees the new group: %d, another thread: %d, subreaper there: %d\n", mine, seen[0], seen[1]);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);

    /* setsid from a thread: the whole process leads the new session */
    c = fork();
    if (c == 0) {
        pthread_t a;
        pthread_create(&a, NULL, (void *(*)(void *))setsid, NULL);
        pthread_join(a, NULL);
        printf("session leader: %d, group leader: %d\n", getsid(0) == getpid(), getpgid(0) == getpid());
        _exit(0);
    }
    waitpid(c, &st, 0);
    return 0;
}
