/* Edges of readiness and timeouts that differed from Linux: pipe sizing (rounding, pipe-max-size) and POLLOUT with
 * no reader, select/poll argument checks and select writing back the time left, timerfd armed in the past or
 * disarmed after expiring, and epoll_ctl's EPOLLEXCLUSIVE rules. */
#include "common.h"
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>

static void pollshow(const char *what, int fd, short ev)
{
    struct pollfd p = { fd, ev, 0 };
    int r = poll(&p, 1, 0);
    printf("%s: r=%d revents=%#x\n", what, r, p.revents);
}

int main(void)
{
    int p[2];
    puts("-- pipes");
    pipe(p);
    pollshow("empty pipe read end", p[0], POLLIN | POLLOUT);
    pollshow("empty pipe write end", p[1], POLLIN | POLLOUT);
    CHECK(fcntl(p[0], F_GETPIPE_SZ));
    CHECK(fcntl(p[1], F_SETPIPE_SZ, 1));
    CHECK(fcntl(p[1], F_GETPIPE_SZ));
    CHECK(fcntl(p[1], F_SETPIPE_SZ, 4097));
    CHECK(fcntl(p[1], F_SETPIPE_SZ, 0));
    CHECK(fcntl(p[1], F_SETPIPE_SZ, 1 << 20));
    CHECK(fcntl(p[1], F_SETPIPE_SZ, (1 << 20) + 1));
    CHECK(fcntl(p[1], F_SETPIPE_SZ, -1));
    fcntl(p[1], F_SETPIPE_SZ, 4096);
    char buf[70000] = { 0 };
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    CHECK(write(p[1], buf, 5000));
    CHECK(write(p[1], buf, 100));
    pollshow("full pipe write end", p[1], POLLOUT);
    CHECK(fcntl(p[1], F_SETPIPE_SZ, 4096));
    CHECK(read(p[0], buf, 100));
    pollshow("after reading 100", p[1], POLLOUT);
    CHECK(read(p[0], buf, 4000));
    pollshow("after reading all", p[1], POLLOUT);
    close(p[1]);
    pollshow("read end, writer gone", p[0], POLLIN);
    close(p[0]);
    pipe(p);
    close(p[0]);
    pollshow("write end, reader gone", p[1], POLLOUT);
    close(p[1]);
    pipe(p);
    CHECK(fcntl(p[0], F_SETPIPE_SZ, 8192));
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    long total = 0, r;
    while ((r = write(p[1], buf, 1000)) > 0) total += r;
    printf("wrote %ld into an 8192 pipe in 1000s\n", total);
    close(p[0]); close(p[1]);

    puts("-- select/poll");
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(100, &rs);
    struct timeval tv = { 0, 0 };
    // select looks only below the fd table's size, which depends on the highest fd ever open: make it known.
    pid_t small = fork();
    if (small == 0) {
        // A forked table is sized by the highest open fd: with none above 63 it has 64 slots, and fd 100 is ignored.
        syscall(SYS_close_range, 3, ~0U, 0);
        pid_t g = fork();
        if (g == 0) {
            CHECK(select(101, &rs, NULL, NULL, &tv));
            CHECK(select(1 << 20, NULL, NULL, NULL, &tv));
            _exit(0);
        }
        waitpid(g, NULL, 0);
        _exit(0);
    }
    waitpid(small, NULL, 0);
    dup2(1, 200);
    close(200);
    CHECK(select(101, &rs, NULL, NULL, &tv));
    struct pollfd pf[2] = { { -1, POLLIN, 5 }, { 100, POLLIN, 0 } };
    CHECK(poll(pf, 2, 0));
    printf("revents %#x %#x\n", pf[0].revents, pf[1].revents);
    CHECK(poll(NULL, 0, 1));
    struct timeval neg = { -1, 0 };
    CHECK(select(0, NULL, NULL, NULL, &neg));
    struct timeval badus = { 0, 1000000 };
    CHECK(select(0, NULL, NULL, NULL, &badus));
    tv.tv_sec = 0; tv.tv_usec = 20000;
    CHECK(select(0, NULL, NULL, NULL, &tv));
    printf("select left %ld %ld\n", (long)tv.tv_sec, (long)tv.tv_usec);
    CHECK(select(-1, NULL, NULL, NULL, &tv));

    puts("-- timerfd");
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct itimerspec its = { { 0, 0 }, { 0, 0 } }, old;
    CHECK(timerfd_settime(tfd, 0, &its, &old));
    its.it_value.tv_nsec = 1000000000;
    CHECK(timerfd_settime(tfd, 0, &its, NULL));
    its.it_value.tv_nsec = 1000000;
    its.it_interval.tv_nsec = 1000000;
    CHECK(timerfd_settime(tfd, 0, &its, NULL));
    usleep(20000);
    unsigned long long ticks = 0;
    CHECK(read(tfd, &ticks, 8));
    SHOW(ticks >= 10);
    CHECK(read(tfd, &ticks, 4));
    its.it_value.tv_sec = 0; its.it_value.tv_nsec = 0;
    CHECK(timerfd_settime(tfd, 0, &its, &old));
    SHOW(old.it_interval.tv_nsec == 1000000);
    CHECK(read(tfd, &ticks, 8));
    CHECK(timerfd_settime(tfd, 4, &its, NULL));
    CHECK(timerfd_create(CLOCK_MONOTONIC, 99));
    CHECK(timerfd_create(99, 0));
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    its.it_value = now;
    its.it_value.tv_sec -= 1;
    its.it_interval.tv_sec = 0; its.it_interval.tv_nsec = 0;
    CHECK(timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL));
    CHECK(read(tfd, &ticks, 8));
    printf("past absolute: %llu\n", ticks);
    CHECK(timerfd_gettime(tfd, &old));
    printf("gettime %ld %ld\n", (long)old.it_value.tv_sec, old.it_value.tv_nsec);

    puts("-- epoll");
    int ep = epoll_create1(0);
    pipe(p);
    struct epoll_event ev = { EPOLLIN | EPOLLONESHOT, { .u32 = 7 } };
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], &ev));
    CHECK(epoll_ctl(ep, 9, p[0], &ev));
    int reg = open("/etc/passwd", O_RDONLY);
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    write(p[1], "x", 1);
    struct epoll_event out[4];
    CHECK(epoll_wait(ep, out, 4, 0));
    CHECK(epoll_wait(ep, out, 4, 0));
    ev.events = EPOLLIN | EPOLLET;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    CHECK(epoll_wait(ep, out, 4, 0));
    CHECK(epoll_wait(ep, out, 4, 0));
    write(p[1], "x", 1);
    CHECK(epoll_wait(ep, out, 4, 0));
    CHECK(epoll_wait(ep, out, 0, 0));
    CHECK(epoll_wait(reg, out, 1, 0));
    close(p[1]);
    CHECK(epoll_wait(ep, out, 4, 0));
    printf("events %#x\n", out[0].events);
    return 0;
}
