/* peek_traced(warm, code, seen, len): a forked child runs warm() (syscalls the sandbox may patch the sites of),
 * then waits; this process attaches to it as a debugger does (PTRACE_SEIZE + PTRACE_INTERRUPT), reads len bytes
 * (a multiple of 8) of its code at code into seen, and kills it. The sandbox puts its patched sites back when a
 * tracer attaches: seen is then the library's own code. */
#ifndef SYSCALL_TESTS_PEEK_TRACED_H
#define SYSCALL_TESTS_PEEK_TRACED_H

#include "common.h"
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

__attribute__((unused)) static void peek_traced(void (*warm)(void), const unsigned char *code, unsigned char *seen, int len)
{
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(p[0]);
        warm();
        write(p[1], "r", 1);
        for (;;) pause();
    }
    close(p[1]);
    char b;
    read(p[0], &b, 1);
    close(p[0]);
    CHECK(ptrace(PTRACE_SEIZE, c, 0, 0));
    CHECK(ptrace(PTRACE_INTERRUPT, c, 0, 0));
    int st;
    waitpid(c, &st, 0);
    for (int i = 0; i < len; i += 8) {
        long word = ptrace(PTRACE_PEEKTEXT, c, code + i, 0);
        memcpy(seen + i, &word, 8);
    }
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    printf("traced child killed: %s\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? "yes" : "no");
}

#endif
