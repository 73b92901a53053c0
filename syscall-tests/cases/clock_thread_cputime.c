/* CPU-time clocks per thread and per process: CLOCK_THREAD_CPUTIME_ID in every thread counts that thread only,
 * CLOCK_PROCESS_CPUTIME_ID all of them, and the clocks of other threads (pthread_getcpuclockid) and processes
 * (clock_getcpuclockid) read as Linux encodes them; clocks naming nothing, or another process's thread, are EINVAL. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#define NTHREADS 3
#define MS 1000000LL

static long long ns(clockid_t c)
{
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0)
        return -errno;
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Burns CPU until the calling thread's own clock has moved by want ns; false if the clock ever fails or goes back. */
static int burn(long long want)
{
    long long start = ns(CLOCK_THREAD_CPUTIME_ID), last = start;
    if (start < 0)
        return 0;
    volatile unsigned long x = 0;
    while (last - start < want) {
        for (int i = 0; i < 200000; i++)
            x += i;
        long long now = ns(CLOCK_THREAD_CPUTIME_ID);
        if (now < last)
            return 0;
        last = now;
    }
    return 1;
}

static pthread_barrier_t burnt, checked;
static long long own[NTHREADS];
static int ok[NTHREADS];

static void *worker(void *arg)
{
    long i = (long)arg;
    ok[i] = burn((i + 1) * 60 * MS);
    own[i] = ns(CLOCK_THREAD_CPUTIME_ID);
    pthread_barrier_wait(&burnt);
    pthread_barrier_wait(&checked); /* stay alive while the main thread reads our clock */
    return NULL;
}

int main(void)
{
    SHOW(ns(CLOCK_THREAD_CPUTIME_ID) >= 0);
    SHOW(ns(CLOCK_PROCESS_CPUTIME_ID) >= 0);
    struct timespec res;
    CHECK(clock_getres(CLOCK_THREAD_CPUTIME_ID, &res));
    long long main_before = ns(CLOCK_THREAD_CPUTIME_ID);

    pthread_t th[NTHREADS];
    pthread_barrier_init(&burnt, NULL, NTHREADS + 1);
    pthread_barrier_init(&checked, NULL, NTHREADS + 1);
    for (long i = 0; i < NTHREADS; i++)
        pthread_create(&th[i], NULL, worker, (void *)i);
    pthread_barrier_wait(&burnt);

    long long sum = 0;
    for (int i = 0; i < NTHREADS; i++) {
        printf("thread %d: own clock readable and monotonic: %s\n", i, ok[i] ? "yes" : "no");
        printf("thread %d: at least its burn: %s\n", i, own[i] >= (i + 1) * 60 * MS ? "yes" : "no");
        clockid_t cid;
        CHECK(pthread_getcpuclockid(th[i], &cid));
        long long seen = ns(cid);
        printf("thread %d: read from main, at least what it saw itself: %s\n", i, own[i] >= 0 && seen >= own[i] ? "yes" : "no");
        sum += own[i];
    }
    long long main_after = ns(CLOCK_THREAD_CPUTIME_ID);
    /* The main thread only waited: its clock is its own, far below what the workers burnt. */
    SHOW(main_before >= 0 && main_after >= main_before);
    SHOW(main_after - main_before < 60 * MS);
    SHOW(ns(CLOCK_PROCESS_CPUTIME_ID) >= sum);
    clockid_t self;
    CHECK(clock_getcpuclockid(0, &self));
    SHOW(ns(self) >= sum);
    CHECK(clock_getcpuclockid(getpid(), &self));
    SHOW(ns(self) >= sum);
    pthread_barrier_wait(&checked);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);

    /* Another process's CPU clock; its thread clock is not ours to read. */
    int p2c[2], c2p[2];
    CHECK(pipe(p2c));
    CHECK(pipe(c2p));
    pid_t child = fork();
    if (child == 0) {
        char c;
        int good = burn(80 * MS);
        write(c2p[1], &good, 1);
        read(p2c[0], &c, 1);
        _exit(0);
    }
    char good;
    CHECK(read(c2p[0], &good, 1));
    SHOW(good);
    clockid_t cc;
    CHECK(clock_getcpuclockid(child, &cc));
    SHOW(ns(cc) >= 80 * MS);
    /* The same pid as a thread clock: ~pid << 3 | CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED */
    clockid_t thread_of_other = (clockid_t)((~(unsigned)child << 3) | 4 | 2);
    SHOW(ns(thread_of_other) == -EINVAL);
    write(p2c[1], "x", 1);
    /* a zombie's clock still reads (its time at exit) until it is reaped */
    siginfo_t si;
    CHECK(waitid(P_PID, child, &si, WEXITED | WNOWAIT));
    SHOW(ns(cc) >= 80 * MS);
    int st;
    CHECK(waitpid(child, &st, 0) == child);
    SHOW(ns(cc) == -EINVAL);

    /* Clocks naming nothing */
    SHOW(ns((clockid_t)((~(unsigned)999999 << 3) | 2)) == -EINVAL);
    SHOW(ns((clockid_t)((~0u << 3) | 3)) == -EINVAL); /* CPUCLOCK_WHICH 3 does not exist */
    SHOW(ns((clockid_t)((~0u << 3) | 4 | 2)) >= 0);   /* pid 0: the caller's own thread */
    return 0;
}
