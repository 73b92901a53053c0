/* A tracer hears of each traced thread's exit before its process's: the leader's zombie is held back until the
 * tracer has waited for the threads that ended before it (Linux's delay_group_leader). gdb prints its thread and
 * process exits in this order. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

static void *worker(void *arg)
{
    (void)arg;
    return NULL;
}

int main(void)
{
    pid_t child = fork();
    if (child == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        pthread_t th;
        pthread_create(&th, NULL, worker, NULL);
        pthread_join(th, NULL);
        _exit(7);
    }
    int st;
    waitpid(child, &st, 0);
    printf("first stop: SIGSTOP %d\n", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_TRACECLONE);
    ptrace(PTRACE_CONT, child, 0, 0);
    int thread_exits = 0, clone_events = 0, thread_stops = 0;
    for (;;) {
        /* a slow tracer: by the time it waits, the thread and the whole process have ended */
        usleep(150000);
        pid_t w = waitpid(-1, &st, __WALL);
        if (w < 0) {
            printf("waitpid: %s\n", errname(errno));
            break;
        }
        if (w == child && WIFEXITED(st)) {
            printf("process exit %d after %d thread exits\n", WEXITSTATUS(st), thread_exits);
            break;
        }
        if (WIFEXITED(st) || WIFSIGNALED(st)) {
            thread_exits++;
            continue;
        }
        if (WIFSTOPPED(st)) {
            if (w == child && st >> 8 == (SIGTRAP | PTRACE_EVENT_CLONE << 8)) clone_events++;
            else if (w != child) thread_stops++;
            ptrace(PTRACE_CONT, w, 0, 0);
        }
    }
    printf("clone events %d, new threads stopped %d\n", clone_events, thread_stops);
    printf("no child left: %s\n", waitpid(-1, &st, __WALL | WNOHANG) < 0 ? errname(errno) : "child");
    return 0;
}
