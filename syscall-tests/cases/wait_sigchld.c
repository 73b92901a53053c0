/* Child reaping and SIGCHLD dispositions (SIG_IGN and SA_NOCLDWAIT reap at once, SA_NOCLDSTOP), waitid's options,
 * and process groups across exec (a child that has exec'd cannot be moved: EACCES). */
#include "common.h"
#include <signal.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <time.h>

static volatile int chld;
static siginfo_t last;
static void on_chld(int s, siginfo_t *si, void *u) { (void)s; (void)u; chld++; last = *si; }

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
        /* after exec: the parent made us a group leader before we exec'd; wait until it has tried again */
        char ch;
        read(3, &ch, 1);
        return getpgid(0) == getpid() ? 4 : 3;
    }
    puts("-- SIGCHLD SIG_IGN: children reaped at once, wait gets ECHILD");
    signal(SIGCHLD, SIG_IGN);
    pid_t c = fork();
    if (c == 0) _exit(1);
    int st;
    CHECK(wait(&st));
    c = fork();
    if (c == 0) { usleep(20000); _exit(2); }
    CHECK(waitpid(c, &st, 0));
    signal(SIGCHLD, SIG_DFL);

    puts("-- SA_NOCLDWAIT with a handler: the handler runs, the child is not a zombie");
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_NOCLDWAIT;
    sigaction(SIGCHLD, &sa, NULL);
    c = fork();
    if (c == 0) _exit(4);
    while (!chld) usleep(1000);
    printf("handler: code %d status %d\n", last.si_code, last.si_status);
    CHECK(waitpid(c, &st, 0));

    puts("-- SA_NOCLDSTOP: no SIGCHLD for stop/continue");
    chld = 0;
    sa.sa_flags = SA_SIGINFO | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    c = fork();
    if (c == 0) { for (;;) pause(); }
    usleep(10000);
    kill(c, SIGSTOP);
    CHECK(waitpid(c, &st, WUNTRACED) == c);
    printf("stopped %d sig %d, handler calls %d\n", WIFSTOPPED(st), WSTOPSIG(st), chld);
    kill(c, SIGCONT);
    CHECK(waitpid(c, &st, WCONTINUED) == c);
    printf("continued %d, handler calls %d\n", WIFCONTINUED(st), chld);
    kill(c, SIGKILL);
    CHECK(waitpid(c, &st, 0) == c);
    usleep(10000);
    printf("killed %d, handler calls %d code %d\n", WTERMSIG(st), chld, last.si_code);

    puts("-- without SA_NOCLDSTOP: stop and continue raise SIGCHLD");
    chld = 0;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGCHLD, &sa, NULL);
    c = fork();
    if (c == 0) { for (;;) pause(); }
    usleep(10000);
    kill(c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    for (int i = 0; i < 5000 && chld < 1; i++) usleep(1000); /* the signal may trail the wait on a loaded machine */
    printf("after stop: calls %d code %d status %d\n", chld, last.si_code, last.si_status);
    kill(c, SIGCONT);
    waitpid(c, &st, WCONTINUED);
    for (int i = 0; i < 5000 && chld < 2; i++) usleep(1000);
    printf("after cont: calls %d code %d status %d\n", chld, last.si_code, last.si_status);
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    sa.sa_flags = 0; sa.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &sa, NULL);

    puts("-- waitid options");
    c = fork();
    if (c == 0) _exit(5);
    siginfo_t si = { 0 };
    usleep(20000);
    CHECK(waitid(P_PID, c, &si, WEXITED | WNOWAIT));
    printf("nowait: code %d status %d\n", si.si_code, si.si_status);
    CHECK(waitid(P_PID, c, &si, WEXITED));
    printf("reaped: code %d status %d pid ok %d\n", si.si_code, si.si_status, si.si_pid == c);
    CHECK(waitid(P_PID, c, &si, WEXITED));
    CHECK(waitid(P_ALL, 0, &si, 0));
    CHECK(waitid(7, 0, &si, WEXITED));
    memset(&si, 0x55, sizeof si);
    c = fork();
    if (c == 0) { usleep(50000); _exit(0); }
    CHECK(waitid(P_PID, c, &si, WEXITED | WNOHANG));
    printf("WNOHANG nothing: pid %d signo %d\n", si.si_pid, si.si_signo);
    waitpid(c, &st, 0);
    CHECK(waitpid(-1, &st, WNOHANG));
    CHECK(waitpid(0, &st, 0x40000000));

    puts("-- process groups across exec");
    /* ex's write end closes at the child's exec (O_CLOEXEC); go orders the rest */
    int ex[2], go[2];
    pipe2(ex, O_CLOEXEC);
    pipe(go);
    c = fork();
    if (c == 0) {
        char ch;
        close(ex[0]);
        close(go[1]);
        read(go[0], &ch, 1);
        dup2(go[0], 3);
        execl("/proc/self/exe", "x", "exec-child", NULL);
        _exit(99);
    }
    close(ex[1]);
    close(go[0]);
    CHECK(setpgid(c, c));
    write(go[1], "x", 1);
    char ch;
    CHECK(read(ex[0], &ch, 1));
    CHECK(setpgid(c, getpgrp()));
    close(go[1]);
    close(ex[0]);
    waitpid(c, &st, 0);
    printf("exec child status %d\n", WEXITSTATUS(st));
    CHECK(setpgid(0, 999999));
    CHECK(setpgid(-1, 0));
    CHECK(setpgid(999999, 0));
    CHECK(getpgid(999999));
    CHECK(getsid(999999));
    c = fork();
    if (c == 0) { printf("child setsid: %d\n", setsid() == getpid()); printf("child setsid again: %s\n", setsid() < 0 ? errname(errno) : "ok"); _exit(0); }
    waitpid(c, &st, 0);
    return 0;
}
