/* eventfd (counter and semaphore mode) and epoll (level, edge, one-shot) over pipes and eventfds. */
#include "common.h"
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

int main(void)
{
    int e = CHECK_OK(eventfd(3, EFD_NONBLOCK));
    uint64_t v = 0;
    CHECK(read(e, &v, sizeof v));
    printf("read %llu\n", (unsigned long long)v);
    CHECK(read(e, &v, sizeof v));                       /* EAGAIN: counter is 0 */
    v = 5;
    CHECK(write(e, &v, sizeof v));
    CHECK(read(e, &v, 4));                              /* EINVAL: short buffer */
    v = UINT64_MAX;
    CHECK(write(e, &v, sizeof v));                      /* EINVAL */
    int s = CHECK_OK(eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK));
    CHECK(read(s, &v, sizeof v)); printf("sem %llu\n", (unsigned long long)v);
    CHECK(read(s, &v, sizeof v)); printf("sem %llu\n", (unsigned long long)v);
    CHECK(read(s, &v, sizeof v));                       /* EAGAIN */
    CHECK(eventfd(0, 0x1234));                          /* EINVAL */

    int ep = CHECK_OK(epoll_create1(EPOLL_CLOEXEC));
    int p[2];
    CHECK(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));     /* EEXIST */
    ev.events = EPOLLIN; ev.data.u64 = 9;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev));        /* eventfd: counter 5, readable */
    struct epoll_event out[8];
    int n = epoll_wait(ep, out, 8, 0);
    printf("ready %d: data %llu\n", n, n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
    CHECK(write(p[1], "ab", 2));
    n = epoll_wait(ep, out, 8, 1000);
    printf("ready %d\n", n);
    /* level-triggered: still readable, reported again */
    CHECK(epoll_wait(ep, out, 8, 0));
    /* edge-triggered on the pipe: reported once until new data */
    ev.events = EPOLLIN | EPOLLET; ev.data.u64 = 7;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL));
    CHECK(epoll_wait(ep, out, 8, 0));
    CHECK(epoll_wait(ep, out, 8, 0));                   /* nothing new */
    /* one-shot: one report, then nothing until MOD */
    ev.events = EPOLLIN | EPOLLONESHOT;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    CHECK(epoll_wait(ep, out, 8, 0));
    CHECK(epoll_wait(ep, out, 8, 0));
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    CHECK(epoll_wait(ep, out, 8, 0));
    /* a timeout with nothing ready */
    char buf[4];
    read(p[0], buf, sizeof buf);
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    CHECK(epoll_wait(ep, out, 8, 50));
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));    /* ENOENT */
    CHECK(epoll_wait(ep, out, 0, 0));                   /* EINVAL */
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));       /* EINVAL: itself */

    /* epoll_pwait2: a timespec timeout (or none), and its check */
    struct timespec ts = {0, 20 * 1000 * 1000};
    ev.events = EPOLLIN;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    CHECK(syscall(SYS_epoll_pwait2, ep, out, 8, &ts, NULL, 8));   /* times out: 0 */
    write(p[1], "w", 1);
    CHECK(syscall(SYS_epoll_pwait2, ep, out, 8, NULL, NULL, 8));
    ts.tv_nsec = 1000000000;
    CHECK(syscall(SYS_epoll_pwait2, ep, out, 8, &ts, NULL, 8));   /* EINVAL */
    return 0;
}
