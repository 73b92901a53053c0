/* Event stops: PTRACE_O_TRACEFORK (the new child is traced and starts with a SIGSTOP stop; GETEVENTMSG is its
 * pid), TRACEEXEC (message: the thread id), TRACEEXIT (message: the wait status); a traced child's exit is seen
 * by the tracer by thread id; without TRACEEXEC an exec stops with SIGTRAP; and TRACECLONE for a thread. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

static void *thread_fn(void *a)
{
    return a;
}

static const char *what(int st)
{
    static char b[64];
    if (WIFEXITED(st))
        snprintf(b, sizeof b, "exited %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(b, sizeof b, "killed %d", WTERMSIG(st));
    else
        snprintf(b, sizeof b, "stopped sig %d event %d", WSTOPSIG(st), st >> 16);
    return b;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        if (strcmp(argv[1], "thread") == 0) {
            pthread_t th;
            pthread_create(&th, 0, thread_fn, 0);
            pthread_join(th, 0);
        }
        return 4;
    }
    char clog[2048] = "", glog[2048] = "", line[160];
    pid_t c = fork();
    if (c == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        pid_t g = fork();
        if (g == 0)
            _exit(3);
        int st;
        waitpid(g, &st, 0);
        printf("child: grandchild %s\n", what(st));
        execl("/proc/self/exe", "ptrace_events", "again", (char *)0);
        _exit(99);
    }
    int st;
    waitpid(c, &st, 0);
    printf("first: %s\n", what(st));
    CHECK(ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACEFORK | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT));
    CHECK(ptrace(PTRACE_CONT, c, 0, 0));
    pid_t other = 0, forkmsg = 0;
    for (;;) {
        pid_t w = waitpid(-1, &st, __WALL);
        if (w < 0)
            break;
        unsigned long msg = 0;
        if (WIFSTOPPED(st))
            ptrace(PTRACE_GETEVENTMSG, w, 0, &msg);
        int ev = st >> 16;
        if (ev == PTRACE_EVENT_FORK)
            forkmsg = msg;
        if (w != c)
            other = w;
        snprintf(line, sizeof line, "%s%s%s%s\n", what(st),
                 ev == PTRACE_EVENT_FORK ? (msg > 0 ? ", new child" : ", no pid") : "",
                 ev == PTRACE_EVENT_EXEC ? (msg == (unsigned long)c ? ", msg: own tid" : ", msg: other") : "",
                 ev == PTRACE_EVENT_EXIT ? (WIFEXITED((int)msg) ? ", msg: exit status" : ", msg: other") : "");
        strcat(w == c ? clog : glog, line); /* a new child may stop before its parent's fork event */
        if (WIFSTOPPED(st))
            ptrace(PTRACE_CONT, w, 0, ev == 0 && WSTOPSIG(st) == SIGSTOP ? 0 : 0);
        if (!WIFSTOPPED(st) && w == c)
            break;
    }
    printf("traced child:\n%sgrandchild:\n%s", clog, glog);
    SHOW(forkmsg == other);

    /* Without PTRACE_O_TRACEEXEC: SIGTRAP after the exec. TRACECLONE: the new thread. */
    c = fork();
    if (c == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        execl("/proc/self/exe", "ptrace_events", "thread", (char *)0);
        _exit(99);
    }
    waitpid(c, &st, 0);
    printf("exec: %s\n", what(st));
    CHECK(ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACECLONE));
    CHECK(ptrace(PTRACE_CONT, c, 0, 0));
    clog[0] = glog[0] = 0;
    for (;;) {
        pid_t w = waitpid(-1, &st, __WALL);
        if (w < 0)
            break;
        int ev = st >> 16;
        /* A thread reaped after its group's exit reports the group's code (wait_task_zombie): only "exited". */
        snprintf(line, sizeof line, "%s\n", w != c && WIFEXITED(st) ? "exited" : what(st));
        strcat(w == c ? clog : glog, line);
        if (WIFSTOPPED(st))
            ptrace(PTRACE_CONT, w, 0, 0);
        /* until ECHILD: both reports are collected whichever comes first (Linux holds the process's back until its
         * traced thread is reaped; the Sentry does not, so the order is not compared) */
    }
    printf("process:\n%sthread:\n%s", clog, glog);
    return 0;
}
