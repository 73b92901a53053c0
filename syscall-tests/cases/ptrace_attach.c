/* PTRACE_ATTACH (a SIGSTOP stop), PTRACE_SEIZE (no stop; INTERRUPT makes a PTRACE_EVENT_STOP), group stops of
 * a seized tracee and PTRACE_LISTEN, DETACH; and the errors: EPERM attaching to oneself or to a traced process,
 * ESRCH for a tracee that is not stopped or not ours, EIO for an unknown request or INTERRUPT without SEIZE. */
#include "common.h"
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

static void stopinfo(const char *what, int st)
{
    if (WIFSTOPPED(st))
        printf("%s: stopped sig %d event %d\n", what, WSTOPSIG(st), st >> 16);
    else if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed %d\n", what, WTERMSIG(st));
}

static char state(pid_t p)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", p);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(buf, sizeof buf, f))
        return '?';
    fclose(f);
    char *e = strrchr(buf, ')');
    return e ? e[2] : '?';
}

static pid_t sleeper(void)
{
    pid_t c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    return c;
}

int main(void)
{
    int st;
    struct user_regs_struct r;
    CHECK(ptrace(PTRACE_ATTACH, getpid(), 0, 0));
    CHECK(ptrace(PTRACE_ATTACH, 999999, 0, 0));

    pid_t c = sleeper();
    CHECK(ptrace(PTRACE_GETREGS, c, 0, &r)); /* not traced */
    CHECK(ptrace(PTRACE_INTERRUPT, c, 0, 0));
    CHECK(ptrace(PTRACE_ATTACH, c, 0, 0));
    CHECK(ptrace(PTRACE_ATTACH, c, 0, 0)); /* already traced */
    SHOW(waitpid(c, &st, 0) == c);
    stopinfo("attach", st);
    CHECK(ptrace(PTRACE_GETREGS, c, 0, &r));
    CHECK(ptrace(12345, c, 0, 0));
    CHECK(ptrace(PTRACE_INTERRUPT, c, 0, 0)); /* not seized */
    CHECK(ptrace(PTRACE_LISTEN, c, 0, 0));
    CHECK(ptrace(PTRACE_CONT, c, 0, 0));
    CHECK(ptrace(PTRACE_GETREGS, c, 0, &r)); /* running */
    CHECK(ptrace(PTRACE_DETACH, c, 0, 0));  /* running: ESRCH too */
    kill(c, SIGUSR1);
    SHOW(waitpid(c, &st, 0) == c);
    stopinfo("signal", st);
    CHECK(ptrace(PTRACE_DETACH, c, 0, 0));
    CHECK(ptrace(PTRACE_GETREGS, c, 0, &r));
    SHOW(waitpid(c, &st, WNOHANG) == 0);
    kill(c, SIGKILL);
    SHOW(waitpid(c, &st, 0) == c);
    stopinfo("end", st);

    c = sleeper();
    CHECK(ptrace(PTRACE_SEIZE, c, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
    CHECK(ptrace(PTRACE_SEIZE, c, 0, 0));
    CHECK(ptrace(PTRACE_SETOPTIONS, c, 0, 0x80000000));
    SHOW(waitpid(c, &st, WNOHANG) == 0); /* no stop */
    CHECK(ptrace(PTRACE_INTERRUPT, c, 0, 0));
    SHOW(waitpid(c, &st, 0) == c);
    stopinfo("interrupt", st);
    CHECK(ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_EXITKILL | 0x80000000));
    CHECK(ptrace(PTRACE_CONT, c, 0, 0));
    kill(c, SIGSTOP);
    SHOW(waitpid(c, &st, 0) == c);
    stopinfo("sigstop", st);
    CHECK(ptrace(PTRACE_CONT, c, 0, SIGSTOP));
    SHOW(waitpid(c, &st, 0) == c);
    stopinfo("group stop", st);
    CHECK(ptrace(PTRACE_LISTEN, c, 0, 0));
    SHOW(waitpid(c, &st, WNOHANG) == 0);
    kill(c, SIGCONT);
    SHOW(waitpid(c, &st, 0) == c);
    stopinfo("after SIGCONT", st);
    CHECK(ptrace(PTRACE_CONT, c, 0, 0));
    SHOW(waitpid(c, &st, 0) == c);
    stopinfo("SIGCONT delivery", st);
    CHECK(ptrace(PTRACE_CONT, c, 0, 0));
    CHECK(ptrace(PTRACE_KILL, c, 0, 0));
    SHOW(waitpid(c, &st, 0) == c);
    stopinfo("kill", st);

    /* Detached in a group stop: the process stays stopped until SIGCONT. */
    c = sleeper();
    CHECK(ptrace(PTRACE_ATTACH, c, 0, 0));
    SHOW(waitpid(c, &st, 0) == c);
    CHECK(ptrace(PTRACE_CONT, c, 0, SIGSTOP));
    SHOW(waitpid(c, &st, 0) == c);
    stopinfo("group stop", st);
    CHECK(ptrace(PTRACE_DETACH, c, 0, 0));
    usleep(100000);
    printf("state after detach: %c\n", state(c));
    kill(c, SIGCONT);
    usleep(100000);
    printf("state after SIGCONT: %c\n", state(c));
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    return 0;
}
