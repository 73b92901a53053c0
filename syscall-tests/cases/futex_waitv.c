/* futex_waitv: argument checks, EAGAIN on any mismatch, absolute timeouts on both clocks that never end early,
 * a wake of one of several futexes (the index comes back), shared and private futexes; and timed waits
 * elsewhere (FUTEX_WAIT_BITSET, FUTEX_WAIT, poll, select, epoll_wait, sigtimedwait) that never end early. */
#include "common.h"
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>

#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32 FUTEX_32
#endif
#ifndef FUTEX2_PRIVATE
#define FUTEX2_PRIVATE FUTEX_PRIVATE_FLAG
#endif

static long waitv(struct futex_waitv *w, unsigned n, unsigned flags, struct timespec *ts, int clk)
{
    return syscall(SYS_futex_waitv, w, n, flags, ts, clk);
}

static long long now_ns(int clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec abs_after(int clk, long ns)
{
    long long t = now_ns(clk) + ns;
    return (struct timespec){ t / 1000000000LL, t % 1000000000LL };
}

static uint32_t words[4];
static struct futex_waitv wv[3];

static void *waker(void *arg)
{
    (void)arg;
    usleep(50000);
    words[1] = 1;
    syscall(SYS_futex, &words[1], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    return NULL;
}

int main(void)
{
    for (int i = 0; i < 3; i++)
        wv[i] = (struct futex_waitv){ .val = 0, .uaddr = (uintptr_t)&words[i], .flags = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE };
    struct timespec past = { 0, 0 };

    puts("-- argument checks");
    CHECK(waitv(wv, 3, 1, NULL, 0));
    CHECK(waitv(wv, 0, 0, NULL, 0));
    CHECK(waitv(wv, 129, 0, NULL, 0));
    CHECK(waitv(NULL, 1, 0, NULL, 0));
    CHECK(waitv(wv, 1, 0, &past, 7));
    CHECK(waitv((void *)8, 1, 0, NULL, 0));
    struct futex_waitv bad = wv[0];
    bad.flags = FUTEX2_PRIVATE;
    CHECK(waitv(&bad, 1, 0, &past, CLOCK_MONOTONIC));
    bad = wv[0];
    bad.__reserved = 1;
    CHECK(waitv(&bad, 1, 0, &past, CLOCK_MONOTONIC));
    bad = wv[0];
    bad.uaddr += 2;
    CHECK(waitv(&bad, 1, 0, &past, CLOCK_MONOTONIC));
    bad = wv[0];
    bad.uaddr = 8;
    CHECK(waitv(&bad, 1, 0, &past, CLOCK_MONOTONIC));
    struct timespec badts = { 0, 1000000000 };
    CHECK(waitv(wv, 1, 0, &badts, CLOCK_MONOTONIC));
    CHECK(waitv(wv, 1, 0, (void *)8, CLOCK_MONOTONIC));

    puts("-- a value that differs anywhere is EAGAIN");
    words[2] = 5;
    CHECK(waitv(wv, 3, 0, NULL, 0));
    words[2] = 0;

    puts("-- absolute timeouts never end early");
    int early = 0;
    for (int clk = 0; clk <= 1; clk++)
        for (int i = 0; i < 5; i++)
        {
            struct timespec ts = abs_after(clk, 3000000 + i * 700000);
            long r = waitv(wv, 3, 0, &ts, clk);
            if (r != -1 || errno != ETIMEDOUT || now_ns(clk) < ts.tv_sec * 1000000000LL + ts.tv_nsec) early++;
        }
    CHECK(waitv(wv, 3, 0, &past, CLOCK_REALTIME));
    SHOW(early == 0);

    puts("-- a wake of one futex returns its index");
    pthread_t th;
    pthread_create(&th, NULL, waker, NULL);
    CHECK(waitv(wv, 3, 0, NULL, 0));
    pthread_join(th, NULL);
    words[1] = 0;

    puts("-- shared futexes in a MAP_SHARED page meet across fork");
    uint32_t *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct futex_waitv swv[2] = { { 0, (uintptr_t)&sh[0], FUTEX2_SIZE_U32, 0 }, { 0, (uintptr_t)&sh[1], FUTEX2_SIZE_U32, 0 } };
    pid_t pid = fork();
    if (pid == 0)
    {
        usleep(50000);
        sh[0] = 1;
        syscall(SYS_futex, &sh[0], FUTEX_WAKE, 1, NULL, NULL, 0);
        _exit(0);
    }
    CHECK(waitv(swv, 2, 0, NULL, 0));
    waitpid(pid, NULL, 0);

    puts("-- other timed waits never end early");
    int early2 = 0;
    for (int i = 0; i < 4; i++)
    {
        long ns = 2000000 + i * 900000;
        long long start = now_ns(CLOCK_MONOTONIC);
        struct timespec rel = { 0, ns };
        syscall(SYS_futex, &words[3], FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0);
        if (now_ns(CLOCK_MONOTONIC) - start < ns) early2 |= 1;
        struct timespec abs = abs_after(CLOCK_MONOTONIC, ns);
        syscall(SYS_futex, &words[3], FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
        if (now_ns(CLOCK_MONOTONIC) < abs.tv_sec * 1000000000LL + abs.tv_nsec) early2 |= 2;
        abs = abs_after(CLOCK_REALTIME, ns);
        syscall(SYS_futex, &words[3], FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
        if (now_ns(CLOCK_REALTIME) < abs.tv_sec * 1000000000LL + abs.tv_nsec) early2 |= 4;
        start = now_ns(CLOCK_MONOTONIC);
        ppoll(NULL, 0, &rel, NULL);
        if (now_ns(CLOCK_MONOTONIC) - start < ns) early2 |= 8;
        start = now_ns(CLOCK_MONOTONIC);
        pselect(0, NULL, NULL, NULL, &rel, NULL);
        if (now_ns(CLOCK_MONOTONIC) - start < ns) early2 |= 16;
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, NULL);
        start = now_ns(CLOCK_MONOTONIC);
        sigtimedwait(&set, NULL, &rel);
        if (now_ns(CLOCK_MONOTONIC) - start < ns) early2 |= 32;
    }
    int ep = epoll_create1(0);
    for (int i = 1; i <= 4; i++)
    {
        long long start = now_ns(CLOCK_MONOTONIC);
        struct epoll_event ev;
        epoll_wait(ep, &ev, 1, i);
        if (now_ns(CLOCK_MONOTONIC) - start < i * 1000000LL) early2 |= 64;
    }
    printf("early waits: %d\n", early2);
    return 0;
}
