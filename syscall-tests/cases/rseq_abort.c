/* rseq critical sections interrupted by a signal handler (deterministic natively, unlike a preemption): inside the
 * section the handler returns to abort_ip and rseq_cs is cleared; outside it rseq_cs is cleared and the code goes on;
 * a wrong signature before abort_ip, an abort_ip inside the section, a section with flags, a bad version or an
 * unreadable rseq_cs is a SIGSEGV. Each case runs in a child with glibc's registration replaced by one of its own. */
#include "common.h"
#include <signal.h>
#include <stdint.h>
#include <sys/rseq.h>
#include <sys/time.h>
#include <sys/wait.h>

#define SIG 0x53053053

/* cs_loop(&r->rseq_cs, cs): sets rseq_cs, then spins in [cs_start, cs_post) until aborted to cs_abort. */
extern char cs_start[], cs_inner[], cs_post[], cs_abort[];
void cs_loop(uint64_t *slot, struct rseq_cs *cs);
__asm__(".text\n"
        ".globl cs_loop, cs_start, cs_inner, cs_post, cs_abort\n"
        "cs_loop:\n"
        "  movq %rsi, (%rdi)\n"
        "cs_start:\n"
        "  jmp cs_start\n"
        "cs_inner:\n"
        "  nop\n"
        "cs_post:\n"
        "  .long 0x53053053\n"
        "cs_abort:\n"
        "  ret\n");

static struct rseq area __attribute__((aligned(32)));
static volatile int handled;

static void on_alarm(int sig) { handled++; }

static long rseq(void *r, unsigned len, int flags, unsigned sig) { return syscall(SYS_rseq, r, len, flags, sig); }

static void own_registration(unsigned sig)
{
    struct rseq *g = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
    if (rseq(g, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) != 0 || rseq(&area, sizeof area, 0, sig) != 0) {
        printf("registration failed: %s\n", errname(errno));
        _exit(9);
    }
}

static void every_10ms(void)
{
    struct sigaction sa = { .sa_handler = on_alarm };
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

static void stop_timer(void)
{
    struct itimerval it = { 0 };
    setitimer(ITIMER_REAL, &it, NULL);
}

static struct rseq_cs section(char *abort_ip)
{
    return (struct rseq_cs){ .start_ip = (uintptr_t)cs_start, .post_commit_offset = cs_post - cs_start,
                             .abort_ip = (uintptr_t)abort_ip };
}

static void run(const char *name, void (*body)(void))
{
    pid_t c = fork();
    if (c == 0) {
        body();
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    if (WIFSIGNALED(st)) printf("%s: killed by %s\n", name, sigabbrev_np(WTERMSIG(st)));
    else printf("%s: exit %d\n", name, WEXITSTATUS(st));
}

static void aborts(void)
{
    own_registration(SIG);
    struct rseq_cs cs = section(cs_abort);
    every_10ms();
    cs_loop((uint64_t *)&area.rseq_cs, &cs);
    stop_timer();
    /* Natively a preemption may come before the timer: either aborts, so whether the handler ran is not shown. */
    printf("aborted, rseq_cs cleared: %s\n", area.rseq_cs == 0 ? "yes" : "no");
    /* Again: a section can be entered anew. */
    every_10ms();
    cs_loop((uint64_t *)&area.rseq_cs, &cs);
    stop_timer();
    printf("aborted twice\n");
}

static void outside(void)
{
    own_registration(SIG);
    struct rseq_cs cs = section(cs_abort);
    area.rseq_cs = (uintptr_t)&cs;
    every_10ms();
    while (*(volatile uint64_t *)&area.rseq_cs != 0) {
    }
    stop_timer();
    printf("outside the section: rseq_cs cleared\n");
}

static void bad_signature(void)
{
    own_registration(SIG + 1);
    struct rseq_cs cs = section(cs_abort);
    every_10ms();
    cs_loop((uint64_t *)&area.rseq_cs, &cs);
    printf("not reached\n");
}

static void abort_inside(void)
{
    own_registration(SIG);
    struct rseq_cs cs = section(cs_inner);
    every_10ms();
    cs_loop((uint64_t *)&area.rseq_cs, &cs);
    printf("not reached\n");
}

static void with_flags(void)
{
    own_registration(SIG);
    struct rseq_cs cs = section(cs_abort);
    cs.flags = RSEQ_CS_FLAG_NO_RESTART_ON_SIGNAL;
    every_10ms();
    cs_loop((uint64_t *)&area.rseq_cs, &cs);
    printf("not reached\n");
}

static void bad_version(void)
{
    own_registration(SIG);
    struct rseq_cs cs = section(cs_abort);
    cs.version = 1;
    every_10ms();
    cs_loop((uint64_t *)&area.rseq_cs, &cs);
    printf("not reached\n");
}

static void unreadable_cs(void)
{
    own_registration(SIG);
    every_10ms();
    cs_loop((uint64_t *)&area.rseq_cs, (struct rseq_cs *)16);
    printf("not reached\n");
}

int main(void)
{
    run("abort in the section", aborts);
    run("signal outside the section", outside);
    run("wrong signature", bad_signature);
    run("abort_ip inside", abort_inside);
    run("flags in rseq_cs", with_flags);
    run("version 1", bad_version);
    run("unreadable rseq_cs", unreadable_cs);
    return 0;
}
