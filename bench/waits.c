// Wait-and-wake costs, timed inside the guest (bench/run.sh: futexring, pollmany, epollmany).
//   waits futexring N   32 threads pass a baton round a ring, each on its own futex: ns per hand-off
//   waits pollmany N    poll() of 1,000 idle pipe fds plus one a partner thread writes: ns per round trip
//   waits epollmany N   the same with one epoll instance holding all 1,001 fds
#define _GNU_SOURCE
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { RING = 32, IDLE_PIPES = 500 };

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long futex(atomic_int *addr, int op, int val)
{
    return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

// ---- futexring: slot i's futex holds 1 when thread i has the baton.
static atomic_int slots[RING];
static long rounds;

static void *ring_thread(void *arg)
{
    int i = (int)(long)arg, next = (i + 1) % RING;
    for (long r = 0; r < rounds; r++) {
        while (atomic_load(&slots[i]) == 0) futex(&slots[i], FUTEX_WAIT_PRIVATE, 0);
        atomic_store(&slots[i], 0);
        atomic_store(&slots[next], 1);
        futex(&slots[next], FUTEX_WAKE_PRIVATE, 1);
    }
    return NULL;
}

static double futexring(long n)
{
    rounds = n / RING > 0 ? n / RING : 1;
    pthread_t th[RING];
    for (int i = 0; i < RING; i++) pthread_create(&th[i], NULL, ring_thread, (void *)(long)i);
    double t0 = now_ns();
    atomic_store(&slots[0], 1);
    futex(&slots[0], FUTEX_WAKE_PRIVATE, 1);
    for (int i = 0; i < RING; i++) pthread_join(th[i], NULL);
    return (now_ns() - t0) / (rounds * RING);
}

// ---- pollmany / epollmany: main sends on `ping`, the partner answers on `pong`; main waits for the answer
// among 1,000 idle fds.
static int ping[2], pong[2];

static void *partner(void *arg)
{
    long n = (long)arg;
    char c;
    for (long i = 0; i < n; i++) {
        if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1) { perror("partner"); exit(1); }
    }
    return NULL;
}

static double waitmany(long n, int use_epoll)
{
    static struct pollfd fds[2 * IDLE_PIPES + 1];
    int idle[IDLE_PIPES][2];
    for (int i = 0; i < IDLE_PIPES; i++) {
        if (pipe(idle[i]) != 0) { perror("pipe"); exit(1); }
        fds[i] = (struct pollfd){ .fd = idle[i][0], .events = POLLIN };
    }
    if (pipe(ping) != 0 || pipe(pong) != 0) { perror("pipe"); exit(1); }
    int nfds = IDLE_PIPES + 1;
    fds[IDLE_PIPES] = (struct pollfd){ .fd = pong[0], .events = POLLIN };
    int ep = -1;
    if (use_epoll) {
        ep = epoll_create1(0);
        for (int i = 0; i < nfds; i++) {
            struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i].fd };
            if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i].fd, &ev) != 0) { perror("epoll_ctl"); exit(1); }
        }
    }
    pthread_t th;
    pthread_create(&th, NULL, partner, (void *)n);
    double t0 = now_ns();
    char c = 'x';
    for (long i = 0; i < n; i++) {
        if (write(ping[1], &c, 1) != 1) { perror("write"); exit(1); }
        if (use_epoll) {
            struct epoll_event ev;
            if (epoll_wait(ep, &ev, 1, -1) != 1 || ev.data.fd != pong[0]) { fprintf(stderr, "epoll_wait\n"); exit(1); }
        } else {
            if (poll(fds, nfds, -1) != 1 || !(fds[IDLE_PIPES].revents & POLLIN)) { fprintf(stderr, "poll\n"); exit(1); }
        }
        if (read(pong[0], &c, 1) != 1) { perror("read"); exit(1); }
    }
    double per = (now_ns() - t0) / n;
    pthread_join(th, NULL);
    return per;
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: waits futexring|pollmany|epollmany N\n"); return 2; }
    long n = atol(argv[2]);
    double per;
    if (!strcmp(argv[1], "futexring")) per = futexring(n);
    else if (!strcmp(argv[1], "pollmany")) per = waitmany(n, 0);
    else if (!strcmp(argv[1], "epollmany")) per = waitmany(n, 1);
    else { fprintf(stderr, "unknown mode %s\n", argv[1]); return 2; }
    printf("%s: N=%ld, %.1f ns/op\n", argv[1], n, per);
    return 0;
}
