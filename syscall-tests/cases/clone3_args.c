/* clone3's argument rules (Linux's copy_clone_args_from_user and clone3_args_valid): unknown flags, CSIGNAL bits and
 * CLONE_DETACHED as flags, CLONE_CLEAR_SIGHAND with CLONE_SIGHAND, an exit signal with CLONE_PARENT or CLONE_THREAD,
 * sizes, set_tid's size and values (EINVAL), a number in use (EEXIST), unprivileged (EPERM), a free one chosen in a
 * new PID namespace; CLONE_CLEAR_SIGHAND resets handlers but not SIG_IGN; CLONE_PARENT makes a sibling. */
#include "common.h"
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>

#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

struct args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

static long clone3_(struct args *a, size_t size) { return syscall(SYS_clone3, a, size); }

static void reap(long pid, const char *what)
{
    int st;
    if (pid <= 0)
        return;
    waitpid((pid_t)pid, &st, 0);
    printf("%s: child exit %d\n", what, WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
}

#define TRY(what, ...)                                                                                                  \
    do {                                                                                                                \
        struct args a = {__VA_ARGS__};                                                                                  \
        long r = clone3_(&a, sizeof a);                                                                                 \
        if (r == 0)                                                                                                     \
            _exit(0);                                                                                                   \
        printf("%s: %s\n", what, r < 0 ? errname(errno) : "ok");                                                        \
        reap(r, what);                                                                                                  \
    } while (0)

static void handler(int s) { (void)s; }

int main(void)
{
    TRY("flag bit 63", .flags = 1ULL << 63, .exit_signal = SIGCHLD);
    TRY("flag bit 34", .flags = 1ULL << 34, .exit_signal = SIGCHLD);
    TRY("CSIGNAL bits as flags", .flags = SIGCHLD, .exit_signal = SIGCHLD);
    TRY("CLONE_DETACHED", .flags = 0x400000, .exit_signal = SIGCHLD);
    TRY("exit signal 65", .exit_signal = 65);
    TRY("exit signal high bits", .exit_signal = SIGCHLD | (1ULL << 40));
    TRY("CLONE_PARENT with an exit signal", .flags = CLONE_PARENT, .exit_signal = SIGCHLD);
    TRY("CLONE_THREAD with an exit signal", .flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, .exit_signal = SIGCHLD);
    TRY("CLEAR_SIGHAND with SIGHAND", .flags = CLONE_CLEAR_SIGHAND | CLONE_SIGHAND | CLONE_VM, .exit_signal = SIGCHLD);
    TRY("stack without size", .stack = 4096, .exit_signal = SIGCHLD);
    TRY("set_tid_size without set_tid", .set_tid_size = 1, .exit_signal = SIGCHLD);
    pid_t tids[40] = {0};
    TRY("set_tid without size", .set_tid = (uintptr_t)tids, .exit_signal = SIGCHLD);
    TRY("set_tid_size 33", .set_tid = (uintptr_t)tids, .set_tid_size = 33, .exit_signal = SIGCHLD);
    TRY("set_tid_size 2 at level 0", .set_tid = (uintptr_t)tids, .set_tid_size = 2, .exit_signal = SIGCHLD);
    tids[0] = 0;
    TRY("set_tid 0", .set_tid = (uintptr_t)tids, .set_tid_size = 1, .exit_signal = SIGCHLD);
    tids[0] = 4194304;
    TRY("set_tid pid_max", .set_tid = (uintptr_t)tids, .set_tid_size = 1, .exit_signal = SIGCHLD);
    tids[0] = getpid();
    TRY("set_tid of a live process", .set_tid = (uintptr_t)tids, .set_tid_size = 1, .exit_signal = SIGCHLD);
    TRY("set_tid unreadable", .set_tid = 8, .set_tid_size = 1, .exit_signal = SIGCHLD);
    TRY("CLONE_INTO_CGROUP with a huge fd", .flags = CLONE_INTO_CGROUP, .cgroup = 1ULL << 32, .exit_signal = SIGCHLD);
    {
        struct args a = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD};
        long r = clone3_(&a, 64);
        if (r == 0)
            _exit(0);
        printf("CLONE_INTO_CGROUP with a VER0 struct: %s\n", r < 0 ? errname(errno) : "ok");
        reap(r, "VER0");
    }
    {
        struct args a = {.exit_signal = SIGCHLD};
        long r = clone3_(&a, 8192);
        printf("size 8192: %s\n", r < 0 ? errname(errno) : "ok");
        reap(r, "8192");
        r = clone3_(&a, 32);
        printf("size 32: %s\n", r < 0 ? errname(errno) : "ok");
        reap(r, "32");
    }

    /* set_tid in a new PID namespace: the init must be 1, and then is */
    tids[0] = 5;
    TRY("NEWPID set_tid 5 (no init yet)", .flags = CLONE_NEWPID, .set_tid = (uintptr_t)tids, .set_tid_size = 1,
        .exit_signal = SIGCHLD);
    {
        tids[0] = 1;
        struct args a = {.flags = CLONE_NEWPID, .set_tid = (uintptr_t)tids, .set_tid_size = 1, .exit_signal = SIGCHLD};
        int go[2]; /* the parent's line first, then the child's: their order is not left to the scheduler */
        pipe(go);
        long r = clone3_(&a, sizeof a);
        if (r == 0) {
            char g;
            read(go[0], &g, 1);
            printf("init sees itself as %d\n", getpid());
            /* inside: choose 7, then 7 again while it lives (EEXIST) */
            pid_t in[1] = {7};
            struct args b = {.set_tid = (uintptr_t)in, .set_tid_size = 1, .exit_signal = SIGCHLD};
            int p[2];
            pipe(p);
            long c = clone3_(&b, sizeof b);
            if (c == 0) {
                char x;
                read(p[0], &x, 1);
                printf("  chosen child sees itself as %d\n", getpid());
                _exit(0);
            }
            printf("  clone3 set_tid 7 = %ld\n", c);
            long c2 = clone3_(&b, sizeof b);
            if (c2 == 0)
                _exit(0);
            printf("  again while it lives: %s\n", c2 < 0 ? errname(errno) : "ok");
            write(p[1], "x", 1);
            int st;
            waitpid((pid_t)c, &st, 0);
            /* a pid past the ones given: the next ordinary child skips nothing below it */
            pid_t o = fork();
            if (o == 0)
                _exit(0);
            printf("  next fork's pid %d\n", o);
            waitpid(o, &st, 0);
            _exit(0);
        }
        printf("NEWPID set_tid 1: %s\n", r < 0 ? errname(errno) : "ok");
        write(go[1], "g", 1);
        close(go[0]);
        close(go[1]);
        reap(r, "namespace init");
    }

    /* CLONE_CLEAR_SIGHAND */
    signal(SIGUSR1, handler);
    signal(SIGUSR2, SIG_IGN);
    {
        struct args a = {.flags = CLONE_CLEAR_SIGHAND, .exit_signal = SIGCHLD};
        long r = clone3_(&a, sizeof a);
        if (r == 0) {
            struct sigaction s1, s2;
            sigaction(SIGUSR1, NULL, &s1);
            sigaction(SIGUSR2, NULL, &s2);
            printf("child: SIGUSR1 %s, SIGUSR2 %s\n", s1.sa_handler == SIG_DFL ? "SIG_DFL" : "handler",
                   s2.sa_handler == SIG_IGN ? "SIG_IGN" : "other");
            _exit(0);
        }
        reap(r, "CLEAR_SIGHAND");
        struct sigaction s1;
        sigaction(SIGUSR1, NULL, &s1);
        SHOW(s1.sa_handler == handler);
    }

    /* unprivileged: set_tid is EPERM */
    pid_t u = fork();
    if (u == 0) {
        if (setuid(65534) != 0)
            _exit(1);
        tids[0] = 300; /* below any pid_max */
        TRY("unprivileged set_tid", .set_tid = (uintptr_t)tids, .set_tid_size = 1, .exit_signal = SIGCHLD);
        _exit(0);
    }
    reap(u, "unprivileged");

    /* CLONE_PARENT: the child is our sibling, so our parent (a middle process here) reaps it, not us */
    pid_t mid = fork();
    if (mid == 0) {
        pid_t kid = fork();
        if (kid == 0) {
            struct args a = {.flags = CLONE_PARENT};
            long r = clone3_(&a, sizeof a);
            if (r == 0)
                _exit(5);
            printf("CLONE_PARENT sibling: %s\n", r < 0 ? errname(errno) : "ok");
            int st;
            printf("the caller waits for it: %s\n", waitpid((pid_t)r, &st, __WALL) < 0 ? errname(errno) : "reaped");
            _exit(0);
        }
        int st, n = 0;
        pid_t w;
        while ((w = waitpid(-1, &st, __WALL)) > 0)
            n++;
        printf("the middle process reaped %d children\n", n);
        _exit(0);
    }
    reap(mid, "middle");
    return 0;
}
