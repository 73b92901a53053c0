/* Edges of clocks, timers and file times: which clocks clock_nanosleep sleeps on (not the raw, coarse or calling
 * thread's CPU clocks; a process's CPU clock until its CPU time gets there); timer_create with a raw SIGEV_THREAD (it
 * signals the process) and on the CPU clock libc names; futimesat and utimensat with no path and no fd. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>

static volatile int done;
static void *burn(void *arg)
{
    while (!done) {
    }
    return arg;
}

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void)
{
    struct timespec tiny = {0, 1000};
    int clocks[] = {3, 4, 5, 6, 10, 11, 12, -4, -3, -1};
    for (int i = 0; i < 10; i++)
        printf("clock_nanosleep(%d): %s\n", clocks[i], errname(clock_nanosleep(clocks[i], 0, &tiny, NULL)));
    CHECK(syscall(SYS_clock_nanosleep, 3, 0, &tiny, NULL));
    CHECK(syscall(SYS_clock_nanosleep, 4, 0, &tiny, NULL));

    /* a process's CPU clock: another thread burns CPU while this one sleeps on it */
    pthread_t th;
    pthread_create(&th, NULL, burn, NULL);
    struct timespec before, after, req = {0, 200000000};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &before);
    printf("raw CPU sleep: %s\n", errname(syscall(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, 0, &req, NULL) ? errno : 0));
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &after);
    printf("CPU time moved at least 0.2 s: %d\n", ns(after) - ns(before) >= 200000000LL);
    struct timespec until;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &until);
    until.tv_nsec += 100000000;
    if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
    printf("absolute CPU sleep: %s\n", errname(clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &until, NULL)));
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &after);
    printf("reached: %d\n", ns(after) >= ns(until));
    done = 1;
    pthread_join(th, NULL);

    /* timers */
    timer_t id;
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_THREAD;
    sev.sigev_signo = SIGUSR1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    CHECK(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id));
    struct itimerspec its = {{0, 0}, {0, 1000000}};
    CHECK(syscall(SYS_timer_settime, id, 0, &its, NULL));
    siginfo_t si;
    printf("raw SIGEV_THREAD timer signals: %d\n", sigwaitinfo(&set, &si) == SIGUSR1 && si.si_code == SI_TIMER);
    sev.sigev_signo = 0;
    CHECK(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id));
    timer_t cpu;
    CHECK(timer_create(CLOCK_PROCESS_CPUTIME_ID, NULL, &cpu));
    its.it_interval.tv_nsec = -2;
    CHECK(timer_settime(cpu, 0, &its, NULL));
    CHECK(timer_delete(cpu));

    /* file times with neither a path nor an fd */
    struct timeval tv[2] = {{1, 0}, {2, 0}};
    CHECK(syscall(SYS_futimesat, AT_FDCWD, NULL, tv));
    CHECK(syscall(SYS_utimensat, AT_FDCWD, NULL, NULL, 0));
    return 0;
}
