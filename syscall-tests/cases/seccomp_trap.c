/* seccomp RET_TRAP: SIGSYS with si_code SYS_SECCOMP, si_errno = the data, si_syscall, si_arch, si_call_addr (the
 * resume address); the handler sees the call's registers with rax rolled back to the number and may set the
 * result; a blocked or ignored SIGSYS kills the process; and RET_KILL_THREAD in a threaded process ends only
 * the thread. */
#include "seccomp_common.h"
#include <pthread.h>
#include <ucontext.h>

static volatile int hits;

static void on_sys(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    hits++;
    printf("  signal %s code %d errno %d syscall %s arch ok %d\n", sigabbrev_np(sig), si->si_code, si->si_errno,
           si->si_syscall == SYS_getppid ? "getppid" : si->si_syscall == SYS_dup ? "dup" : "?", si->si_arch == AUDIT_ARCH_X86_64);
    printf("  call_addr is the resume address: %d\n", si->si_call_addr == (void *)uc->uc_mcontext.gregs[REG_RIP]);
    printf("  rax rolled back to the number: %d, rdi %lld\n", uc->uc_mcontext.gregs[REG_RAX] == si->si_syscall,
           uc->uc_mcontext.gregs[REG_RDI]);
    uc->uc_mcontext.gregs[REG_RAX] = 4242; /* the result the call returns */
}

static void trap(void)
{
    struct sigaction sa = { .sa_sigaction = on_sys, .sa_flags = SA_SIGINFO };
    sigaction(SIGSYS, &sa, NULL);
    CHECK(INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_TRAP | 77)));
    CHECK(syscall(SYS_getppid, 7));
    CHECK(INSTALL(ON_NR(SYS_dup, SECCOMP_RET_TRAP | 0xffff)));
    CHECK(syscall(SYS_dup, 12345));
    printf("hits %d\n", hits);
    /* a more restrictive filter installed later still wins over ERRNO */
    CHECK(INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_ERRNO | 1)));
    CHECK(syscall(SYS_getppid, 7));
}

static void trap_blocked(void)
{
    struct sigaction sa = { .sa_sigaction = on_sys, .sa_flags = SA_SIGINFO };
    sigaction(SIGSYS, &sa, NULL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGSYS);
    sigprocmask(SIG_BLOCK, &s, NULL);
    INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_TRAP));
    syscall(SYS_getppid);
    printf("not reached\n");
}

static void trap_ignored(void)
{
    signal(SIGSYS, SIG_IGN);
    INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_TRAP));
    syscall(SYS_getppid);
    printf("not reached\n");
}

static void trap_default(void)
{
    INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_TRAP));
    syscall(SYS_getppid);
    printf("not reached\n");
}

static void *killed_thread(void *a)
{
    (void)a;
    syscall(SYS_getppid);
    printf("not reached\n");
    return NULL;
}

static void kill_thread(void)
{
    CHECK(INSTALL(ON_NR(SYS_getppid, SECCOMP_RET_KILL_THREAD)));
    pthread_t th;
    pthread_create(&th, NULL, killed_thread, NULL);
    pthread_join(th, NULL);
    printf("the process goes on after its thread was killed\n");
}

int main(void)
{
    in_child("trap", trap);
    in_child("trap blocked", trap_blocked);
    in_child("trap ignored", trap_ignored);
    in_child("trap default", trap_default);
    in_child("kill thread", kill_thread);
    return 0;
}
