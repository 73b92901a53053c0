/* The fair scheduling policies are kept per task: sched_setscheduler/sched_getscheduler, SCHED_RESET_ON_FORK,
 * sched_setparam keeping the policy, sched_getattr showing it; argument checks in Linux's order. */
#define _GNU_SOURCE
#include "common.h"
#include <sched.h>
#include <sys/wait.h>

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

int main(void)
{
    struct sched_param param = { 0 };
    CHECK(sched_getscheduler(0));
    CHECK(sched_setscheduler(0, SCHED_BATCH, &param));
    CHECK(sched_getscheduler(0));
    CHECK(sched_setparam(0, &param));
    CHECK(sched_getscheduler(0));
    struct sched_param bad = { 1 };
    CHECK(sched_setparam(0, &bad));
    CHECK(sched_setscheduler(0, SCHED_IDLE, &bad));
    CHECK(sched_setscheduler(0, -1, &param));
    CHECK(sched_setscheduler(0, 4, &param));
    CHECK(sched_setscheduler(0, SCHED_BATCH, NULL));
    CHECK(sched_setscheduler(-1, -1, NULL));
    CHECK(sched_setscheduler(0, SCHED_BATCH, (struct sched_param *)8));
    CHECK(sched_getparam(0, NULL));
    CHECK(sched_getparam(-1, &param));

    /* a child keeps the policy, unless SCHED_RESET_ON_FORK */
    pid_t c = fork();
    if (c == 0) _exit(sched_getscheduler(0));
    int st;
    waitpid(c, &st, 0);
    printf("child's policy: %d\n", WEXITSTATUS(st));
    CHECK(sched_setscheduler(0, SCHED_IDLE | SCHED_RESET_ON_FORK, &param));
    CHECK(sched_getscheduler(0) == (SCHED_IDLE | SCHED_RESET_ON_FORK));
    c = fork();
    if (c == 0) _exit(sched_getscheduler(0));
    waitpid(c, &st, 0);
    printf("child's policy after RESET_ON_FORK: %d\n", WEXITSTATUS(st));

    unsigned int attr[14] = { 0 };
    CHECK(syscall(SYS_sched_getattr, 0, attr, sizeof attr, 0));
    printf("sched_getattr: policy %u flags %u\n", attr[1], attr[2]);
    return 0;
}
