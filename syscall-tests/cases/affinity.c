/* sched_setaffinity/getaffinity: the set is kept, inherited by fork, visible in /proc/self/status; errors. A thread
 * pinned to a CPU finds itself there (getcpu, and glibc's sched_getcpu, which reads rseq's cpu_id). */
#include "common.h"
#include <sched.h>
#include <sys/wait.h>
#include <signal.h>

/* Whether /proc/self/status lists exactly CPU cpu as allowed. */
static int status_lists(int cpu)
{
    slurp("/proc/self/status");
    char *line = strstr(buf, "Cpus_allowed_list:");
    if (!line) return 0;
    *strchr(line, '\n') = 0;
    char want[64];
    snprintf(want, sizeof want, "Cpus_allowed_list:\t%d", cpu);
    return strcmp(line, want) == 0;
}

int main(void)
{
    cpu_set_t all, one, got;
    CHECK_OK(sched_getaffinity(0, sizeof all, &all));
    int n = CPU_COUNT(&all);
    SHOW(n >= 1);
    int first = 0;
    while (!CPU_ISSET(first, &all)) first++;   /* the runner may not have CPU 0 */
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    CHECK(sched_setaffinity(0, sizeof one, &one));
    CHECK_OK(sched_getaffinity(0, sizeof got, &got));
    SHOW(CPU_COUNT(&got) == 1 && CPU_ISSET(first, &got));
    SHOW(status_lists(first));

    pid_t c = fork();
    if (c == 0) {
        cpu_set_t in;
        sched_getaffinity(0, sizeof in, &in);
        _exit(CPU_COUNT(&in) == 1 && CPU_ISSET(first, &in) ? 0 : 1);
    }
    int st;
    waitpid(c, &st, 0);
    SHOW(WEXITSTATUS(st) == 0);

    /* another process's set, by pid */
    c = fork();
    if (c == 0) { pause(); _exit(0); }
    CHECK(sched_setaffinity(c, sizeof all, &all));
    CHECK_OK(sched_getaffinity(c, sizeof got, &got));
    SHOW(CPU_COUNT(&got) == n);
    kill(c, SIGKILL);
    waitpid(c, &st, 0);

    /* errors: an empty set, a missing pid, a size too small */
    cpu_set_t none;
    CPU_ZERO(&none);
    CHECK(sched_setaffinity(0, sizeof none, &none));
    CHECK(sched_getaffinity(999999, sizeof got, &got));
    CHECK(syscall(SYS_sched_getaffinity, 0, 4, &got));
    /* the sizes are checked before the pid, and a negative pid names no process */
    CHECK(sched_getaffinity(-1, sizeof got, &got));
    CHECK(syscall(SYS_sched_getaffinity, -1, 4, &got));
    CHECK(syscall(SYS_sched_getaffinity, 0, 12, &got));
    CHECK(syscall(SYS_sched_getaffinity, 0, 8, &got));
    CHECK(sched_setaffinity(-1, sizeof all, &all));
    CHECK(syscall(SYS_sched_setaffinity, 0, sizeof all, (void *)8));
    CHECK(sched_setaffinity(0, sizeof all, &all));

    /* pinned to each CPU in turn (the machine has at least two) */
    for (int cpu = 0; cpu < 2; cpu++) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        CHECK(sched_setaffinity(0, sizeof one, &one));
        unsigned int got_cpu = 99, node = 99;
        long r = syscall(SYS_getcpu, &got_cpu, &node, NULL);
        printf("pinned to %d: getcpu %ld cpu %u node %u, sched_getcpu %d\n", cpu, r, got_cpu, node, sched_getcpu());
    }
    CHECK(sched_setaffinity(0, sizeof all, &all));
    return 0;
}
