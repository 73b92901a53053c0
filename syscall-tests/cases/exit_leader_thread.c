/* The main thread's exit(2) ends only that thread: the process lives on in its other threads, and reports the
 * leader's code when they end by exit(2) too, or the group's when one of them calls exit_group or dies of a signal
 * (Linux's SIGNAL_GROUP_EXIT); signals sent to the process reach a thread still running. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

static volatile sig_atomic_t got;
static void on_usr1(int sig) { (void)sig; got = 1; }

static void *worker(void *arg)
{
    long how = (long)arg;
    usleep(100000); /* the leader has exited by now */
    if (how == 0) { printf("worker runs after the leader's exit\n"); syscall(SYS_exit, 5); }
    if (how == 1) syscall(SYS_exit_group, 43);
    if (how == 2) {
        while (!got) usleep(1000);
        printf("worker took the process's SIGUSR1\n");
        syscall(SYS_exit, 0);
    }
    for (;;) pause(); /* 3: killed */
    return NULL;
}

static void run(long how)
{
    int p[2];
    CHECK(pipe(p));
    pid_t child = fork();
    if (child == 0) {
        signal(SIGUSR1, on_usr1);
        pthread_t t;
        pthread_create(&t, NULL, worker, (void *)how);
        close(p[0]);
        write(p[1], "r", 1);
        syscall(SYS_exit, 42);
    }
    close(p[1]);
    char c;
    read(p[0], &c, 1);
    close(p[0]);
    if (how >= 2) {
        usleep(200000);
        kill(child, how == 2 ? SIGUSR1 : SIGKILL);
    }
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    printf("case %ld: exited %d code %d signaled %d sig %d\n", how, WIFEXITED(status), WIFEXITED(status) ? WEXITSTATUS(status) : -1,
           WIFSIGNALED(status), WIFSIGNALED(status) ? WTERMSIG(status) : -1);
}

int main(void)
{
    for (long how = 0; how < 4; how++) run(how);
    return 0;
}
