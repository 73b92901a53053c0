/* ioprio_get/ioprio_set: none set reads 0; a best-effort or idle priority
 * reads back; a child and a thread inherit it; the class checks (EINVAL; a
 * best-effort level past 7 is left out: kernels from 6.5 read high bits as hints);
 * a process group's best; ESRCH and EINVAL for which/who. */
#include "common.h"
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define WHO_PROCESS 1
#define WHO_PGRP 2
#define WHO_USER 3
#define PRIO(cls, data) (((cls) << 13) | (data))

static long get(int which, int who) { return syscall(SYS_ioprio_get, which, who); }
static long set(int which, int who, int prio) { return syscall(SYS_ioprio_set, which, who, prio); }

static void *thread_get(void *arg)
{
    (void)arg;
    printf("thread inherits: 0x%lx\n", get(WHO_PROCESS, 0));
    return NULL;
}

int main(void)
{
    printf("initial: 0x%lx\n", get(WHO_PROCESS, 0));
    CHECK(set(WHO_PROCESS, 0, PRIO(2, 7)));
    printf("after BE/7: 0x%lx\n", get(WHO_PROCESS, getpid()));
    pid_t c = fork();
    if (c == 0) {
        printf("child inherits: 0x%lx\n", get(WHO_PROCESS, 0));
        CHECK(set(WHO_PROCESS, 0, PRIO(3, 0)));
        printf("child idle: 0x%lx\n", get(WHO_PROCESS, 0));
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    pthread_t th;
    pthread_create(&th, NULL, thread_get, NULL);
    pthread_join(th, NULL);
    CHECK(set(WHO_PROCESS, 0, PRIO(0, 1)));
    CHECK(set(WHO_PROCESS, 0, PRIO(5, 0)));
    CHECK(set(WHO_PROCESS, 0, PRIO(0, 0)));
    printf("reset: 0x%lx\n", get(WHO_PROCESS, 0));
    CHECK(set(WHO_PROCESS, 0, PRIO(2, 2)));
    printf("own group's best: 0x%lx\n", get(WHO_PGRP, 0));
    CHECK(get(9, 0));
    CHECK(get(WHO_PROCESS, 999999));
    CHECK(set(WHO_PROCESS, 999999, PRIO(2, 0)));
    CHECK(set(WHO_PROCESS, 0, PRIO(0, 0)));
    return 0;
}
