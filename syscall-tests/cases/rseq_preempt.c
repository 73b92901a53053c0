/* An rseq critical section that spins with no signal pending is aborted by a preemption alone. Natively the
 * spinner shares one CPU with a second busy thread, so the scheduler switches them within a few ticks; in the
 * sandbox the Sentry's time-slice sampler kicks a thread that ran a whole slice inside a section. Each round runs
 * in a fresh child, whose registration replaces glibc's; a round not aborted within 10 s is killed by SIGALRM.
 * Before each round nothing runs for a while, so the sampler has gone idle: a thread entering guest code must wake it. */
#include "common.h"
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/rseq.h>
#include <sys/wait.h>

#define SIG 0x53053053

extern char ps_start[], ps_post[], ps_abort[];
void ps_loop(uint64_t *slot, struct rseq_cs *cs);
__asm__(".text\n"
        ".globl ps_loop, ps_start, ps_post, ps_abort\n"
        "ps_loop:\n"
        "  movq %rsi, (%rdi)\n"
        "ps_start:\n"
        "  jmp ps_start\n"
        "ps_post:\n"
        "  .long 0x53053053\n"
        "ps_abort:\n"
        "  ret\n");

static struct rseq area __attribute__((aligned(32)));
static volatile int stop;

static void *busy(void *arg)
{
    (void)arg;
    while (!stop) {
    }
    return NULL;
}

static void round_in_child(int n)
{
    /* Nothing runs guest code for a while first: the sampler has gone idle when the spinner starts. */
    usleep(50000);
    pid_t c = fork();
    if (c == 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(0, &one);
        sched_setaffinity(0, sizeof one, &one);
        struct rseq *g = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
        if (syscall(SYS_rseq, g, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) != 0 || syscall(SYS_rseq, &area, sizeof area, 0, SIG) != 0)
            _exit(9);
        pthread_t t;
        pthread_create(&t, NULL, busy, NULL);
        alarm(10);
        struct rseq_cs cs = { .start_ip = (uintptr_t)ps_start, .post_commit_offset = ps_post - ps_start,
                              .abort_ip = (uintptr_t)ps_abort };
        ps_loop((uint64_t *)&area.rseq_cs, &cs);
        alarm(0);
        printf("round %d: aborted, rseq_cs cleared: %s\n", n, area.rseq_cs == 0 ? "yes" : "no");
        fflush(stdout);
        stop = 1;
        pthread_join(t, NULL);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    if (WIFSIGNALED(st)) printf("round %d: killed by %s\n", n, sigabbrev_np(WTERMSIG(st)));
    else if (WEXITSTATUS(st) != 0) printf("round %d: exit %d\n", n, WEXITSTATUS(st));
}

int main(void)
{
    for (int i = 1; i <= 3; i++) round_in_child(i);
    return 0;
}
