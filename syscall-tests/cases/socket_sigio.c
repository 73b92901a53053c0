/* O_ASYNC on Unix sockets: FIOSETOWN/SIOCSPGRP set the owner as F_SETOWN (FIOGETOWN/SIOCGPGRP read it), data
 * arriving sends the owner SIGIO (or F_SETSIG's signal with si_code POLL_IN and si_fd), an owner of 0 sends
 * nothing, and a socket without O_ASYNC sends nothing. */
#include "common.h"
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static volatile int hits, last_code, last_fd;
static void on_io(int sig, siginfo_t *si, void *u)
{
    (void)sig;
    (void)u;
    hits++;
    last_code = si->si_code;
    last_fd = si->si_fd;
}

static void one(int type, const char *name)
{
    printf("-- %s\n", name);
    int sv[2];
    CHECK(socketpair(AF_UNIX, type, 0, sv));
    int on = 1, pid = getpid(), got = 0;
    CHECK(ioctl(sv[1], FIOASYNC, &on));
    CHECK(ioctl(sv[1], FIOSETOWN, &pid));
    CHECK(ioctl(sv[1], FIOGETOWN, &got));
    printf("owner is us: %s\n", got == pid ? "yes" : "no");
    hits = 0;
    CHECK(write(sv[0], "abc", 3));
    printf("SIGIOs after one write: %d\n", hits);
    CHECK(fcntl(sv[1], F_SETSIG, SIGRTMIN + 1));
    hits = 0;
    CHECK(write(sv[0], "def", 3));
    printf("F_SETSIG signals: %d, code POLL_IN %s, fd right %s\n", hits, last_code == POLL_IN ? "yes" : "no",
           last_fd == sv[1] ? "yes" : "no");
    int zero = 0;
    CHECK(ioctl(sv[1], FIOSETOWN, &zero));
    hits = 0;
    CHECK(write(sv[0], "ghi", 3));
    printf("signals with no owner: %d\n", hits);
    CHECK(ioctl(sv[0], FIOSETOWN, &pid)); /* the writer's side has no O_ASYNC */
    hits = 0;
    CHECK(write(sv[1], "x", 1));
    printf("signals to a socket without O_ASYNC: %d\n", hits);
    int pg = -getpgrp();
    CHECK(ioctl(sv[1], SIOCSPGRP, &pg));
    CHECK(ioctl(sv[1], SIOCGPGRP, &got));
    printf("group owner read back: %s\n", got == pg ? "yes" : "no");
    CHECK(ioctl(sv[1], FIOSETOWN, &pid)); /* not the group: natively it holds the test runner too */
    hits = 0;
    last_code = 0;
    close(sv[0]);
    printf("signals when the peer closes: %d, code POLL_HUP %s\n", hits, last_code == POLL_HUP ? "yes" : "no");
    close(sv[1]);
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_io;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGIO, &sa, NULL);
    sigaction(SIGRTMIN + 1, &sa, NULL);
    one(SOCK_STREAM, "stream");
    one(SOCK_SEQPACKET, "seqpacket");
    one(SOCK_DGRAM, "datagram");
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int bad = 0x7fffffff;
    CHECK(ioctl(sv[0], FIOSETOWN, &bad));
    CHECK(ioctl(sv[0], FIOSETOWN, (void *)8));
    return 0;
}
