/* The init of a PID namespace: orphans of the namespace go to it (or to a subreaper inside); signals without a
 * handler are ignored (from inside SIGKILL included; from the parent namespace all but SIGKILL), a handler runs;
 * when it exits every other process of the namespace is killed (a sleeper whose parent is outside shows SIGKILL to that parent, a deeper grandchild's pipe reaches EOF) and a later fork into the namespace is
 * ENOMEM. All in forked children. */
#define _GNU_SOURCE
#include "common.h"
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static volatile sig_atomic_t got_usr1;
static void on_usr1(int s) { (void)s; got_usr1 = 1; }

/* Waits until getppid() is no longer old (up to 5 s). */
static pid_t ppid_change(pid_t old)
{
    for (int i = 0; i < 500 && getppid() == old; i++) usleep(10000);
    return getppid();
}

static void orphans_in_init(void)
{
    fflush(stdout);
    pid_t a = fork();
    if (a == 0)
    {
        pid_t b = fork();
        if (b == 0)
        {
            pid_t pp = ppid_change(2);
            printf("orphan: pid %d new parent %d\n", getpid(), pp);
            fflush(stdout);
            _exit(7);
        }
        _exit(6);
    }
    int st, n = 0;
    pid_t w;
    int sum = 0;
    while ((w = waitpid(-1, &st, 0)) > 0) { n++; sum += w * 100 + WEXITSTATUS(st); }
    printf("init reaped %d children, sum %d\n", n, sum);

    /* A subreaper inside the namespace takes its descendants' orphans instead. */
    fflush(stdout);
    pid_t s = fork();
    if (s == 0)
    {
        CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1));
        pid_t me = getpid();
        fflush(stdout);
        pid_t x = fork();
        if (x == 0)
        {
            pid_t y = fork();
            if (y == 0)
            {
                pid_t pp = ppid_change(getppid());
                printf("orphan under subreaper: new parent is subreaper %d\n", pp == me);
                fflush(stdout);
                _exit(0);
            }
            _exit(0);
        }
        while (wait(NULL) > 0) { }
        _exit(0);
    }
    waitpid(s, NULL, 0);
}

static void signals_in_init(void)
{
    signal(SIGUSR1, on_usr1);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
    {
        CHECK(kill(1, SIGTERM));
        CHECK(kill(1, SIGKILL));
        CHECK(kill(1, SIGSTOP));
        CHECK(kill(1, SIGUSR1));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    CHECK(raise(SIGTERM));
    CHECK(kill(1, SIGINT));
    for (int i = 0; i < 500 && !got_usr1; i++) usleep(10000);
    printf("init alive, handler ran %d\n", (int)got_usr1);
}

static void run_ns(void (*body)(void))
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0)
    {
        if (unshare(CLONE_NEWPID) != 0) { printf("unshare: %s\n", errname(errno)); _exit(1); }
        fflush(stdout);
        pid_t i = fork();
        if (i == 0) { body(); fflush(stdout); _exit(0); }
        int st = 0;
        waitpid(i, &st, 0);
        printf("init status %#x\n", st);
        _exit(0);
    }
    waitpid(p, NULL, 0);
}

/* The init exits: the namespace goes down. */
static void init_death(void)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0)
    {
        CHECK(unshare(CLONE_NEWPID));
        int go[2], eof[2];
        pipe(go);
        pipe(eof);
        fflush(stdout);
        pid_t init = fork();
        if (init == 0)
        {
            close(go[1]);
            close(eof[0]);
            /* A grandchild holding the pipe's write end, under a child that waits for it. */
            pid_t k = fork();
            if (k == 0)
            {
                if (fork() == 0) { for (;;) pause(); }
                close(eof[1]);
                wait(NULL);
                _exit(0);
            }
            close(eof[1]);
            char b;
            read(go[0], &b, 1);
            _exit(5);
        }
        close(go[0]);
        close(eof[1]);
        /* A second child of ours: in the namespace, with its parent outside it. */
        pid_t g = fork();
        if (g == 0) { close(go[1]); for (;;) pause(); }
        /* Even from the parent namespace only SIGKILL and SIGSTOP get past an init without a handler. */
        CHECK(kill(init, SIGTERM));
        usleep(50000);
        CHECK(kill(init, 0));
        close(go[1]);
        int st = 0;
        waitpid(g, &st, 0);
        printf("sibling in the namespace: signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
        char b;
        printf("grandchild pipe read: %zd\n", read(eof[0], &b, 1));
        waitpid(init, &st, 0);
        printf("init: signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
        CHECK(fork());
        CHECK(fork());
        _exit(0);
    }
    waitpid(p, NULL, 0);
}

/* SIGKILL from the parent namespace kills an init. */
static void ancestor_kill(void)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0)
    {
        CHECK(unshare(CLONE_NEWPID));
        fflush(stdout);
        pid_t init = fork();
        if (init == 0) { for (;;) pause(); }
        CHECK(kill(init, SIGKILL));
        int st = 0;
        waitpid(init, &st, 0);
        printf("init killed from outside: signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
        _exit(0);
    }
    waitpid(p, NULL, 0);
}

int main(void)
{
    run_ns(orphans_in_init);
    run_ns(signals_in_init);
    init_death();
    ancestor_kill();
    return 0;
}
