/* shutdown(2) on stream and seqpacket pairs: what each end sees (EOF, EPIPE with SIGPIPE, MSG_NOSIGNAL, poll),
 * and close with unread data: ECONNRESET at the peer. */
#include "net_unix_common.h"
#include <poll.h>

static volatile int sigpipes;
static void on_pipe(int s)
{
    (void)s;
    sigpipes++;
}

static void revents(const char *what, int fd)
{
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
    poll(&p, 1, 0);
    printf("%s: revents=%#x\n", what, p.revents);
}

static void one(int type, const char *tname)
{
    char buf[16];
    int sv[2];
    printf("== %s\n", tname);
    for (int how = SHUT_RD; how <= SHUT_RDWR; how++) {
        printf("-- shutdown(a, %d)\n", how);
        socketpair(AF_UNIX, type, 0, sv);
        CHECK(write(sv[1], "before", 6));
        CHECK(shutdown(sv[0], how));
        revents("a", sv[0]);
        revents("b", sv[1]);
        sigpipes = 0;
        CHECK(send(sv[0], "x", 1, MSG_DONTWAIT));
        printf("sigpipes=%d\n", sigpipes);
        CHECK(send(sv[0], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL));
        CHECK(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
        CHECK(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
        sigpipes = 0;
        CHECK(send(sv[1], "y", 1, MSG_DONTWAIT));
        printf("sigpipes=%d\n", sigpipes);
        CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
        CHECK(shutdown(sv[0], how));
        close(sv[0]);
        close(sv[1]);
    }
    printf("-- close with unread data\n");
    socketpair(AF_UNIX, type, 0, sv);
    CHECK(write(sv[1], "unread", 6));
    CHECK(write(sv[0], "for b", 5));
    close(sv[0]);
    revents("b", sv[1]);
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    int err = -1;
    socklen_t l = sizeof err;
    getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &err, &l);
    printf("SO_ERROR=%s\n", errname(err));
    CHECK(send(sv[1], "z", 1, MSG_NOSIGNAL));
    close(sv[1]);
    printf("-- close with everything read\n");
    socketpair(AF_UNIX, type, 0, sv);
    CHECK(write(sv[0], "for b", 5));
    close(sv[0]);
    revents("b", sv[1]);
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &err, &l);
    printf("SO_ERROR=%s\n", errname(err));
    CHECK(send(sv[1], "z", 1, MSG_NOSIGNAL));
    close(sv[1]);
    printf("-- errors\n");
    socketpair(AF_UNIX, type, 0, sv);
    CHECK(shutdown(sv[0], 3));
    CHECK(shutdown(sv[0], -1));
    CHECK(shutdown(0, SHUT_RD));
    CHECK(shutdown(99, SHUT_RD));
    int u = socket(AF_UNIX, type, 0);
    CHECK(shutdown(u, SHUT_RDWR));
    revents("unconnected after shutdown", u);
    close(u);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    signal(SIGPIPE, on_pipe);
    one(SOCK_STREAM, "stream");
    one(SOCK_SEQPACKET, "seqpacket");
    one(SOCK_DGRAM, "dgram");
    /* Default SIGPIPE kills the writer. */
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    close(sv[1]);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        write(sv[0], "x", 1);
        _exit(0);
    }
    reap("writer", pid);
    return 0;
}
