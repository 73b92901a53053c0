/* Helpers for the seccomp cases: a filter is per process (and cannot be removed), so each case runs in a fork. */
#ifndef SECCOMP_COMMON_H
#define SECCOMP_COMMON_H
#include "common.h"
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define NR_OFF offsetof(struct seccomp_data, nr)
#define ARCH_OFF offsetof(struct seccomp_data, arch)
#define ARG0_OFF offsetof(struct seccomp_data, args[0])
#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
/* if nr == NR return V, else allow */
#define ON_NR(NR, V) LD(NR_OFF), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (NR), 0, 1), RET(V), RET(SECCOMP_RET_ALLOW)

static long sc(unsigned op, unsigned flags, void *args) { return syscall(SYS_seccomp, op, flags, args); }

static long install_flags(struct sock_filter *f, unsigned short n, unsigned flags)
{
    struct sock_fprog p = { n, f };
    return sc(SECCOMP_SET_MODE_FILTER, flags, &p);
}
#define INSTALL(...) ({ struct sock_filter _f[] = { __VA_ARGS__ }; install_flags(_f, sizeof _f / sizeof _f[0], 0); })

static void report(const char *what, int st)
{
    if (WIFEXITED(st)) printf("%s: exit %d\n", what, WEXITSTATUS(st));
    else printf("%s: signal %s\n", what, sigabbrev_np(WTERMSIG(st)));
}

/* Runs fn in a child process (no_new_privs set) and reports how it ended. */
static void in_child(const char *what, void (*fn)(void))
{
    printf("-- %s\n", what);
    pid_t p = fork();
    if (p == 0) {
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        fn();
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    report(what, st);
}
#endif
