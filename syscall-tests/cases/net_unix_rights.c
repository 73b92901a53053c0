/* SCM_RIGHTS: passing a file, a pipe and a socket; several fds; MSG_CTRUNC with a small control buffer (the
 * excess closed); MSG_CMSG_CLOEXEC; fds in flight when the receiver closes unread; bad fds; peeking. */
#include "net_unix_common.h"
#include <poll.h>
#include <sys/uio.h>

static int send_fds(int s, const int *fds, int n, const char *data)
{
    static char cbuf[CMSG_SPACE(sizeof(int) * 256)];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return sendmsg(s, &m, MSG_NOSIGNAL);
}

/* Receives with a control buffer of clen bytes; prints count, flags and the number of fds; stores them. */
static int recv_fds(int s, size_t clen, int flags, int *out, int max)
{
    char data[64];
    char cbuf[CMSG_SPACE(sizeof(int) * 64)];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = clen ? cbuf : NULL, .msg_controllen = clen};
    long r = recvmsg(s, &m, flags);
    if (r < 0) {
        printf("recvmsg = -1 %s\n", errname(errno));
        return -1;
    }
    int n = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        printf("  cmsg level=%d type=%d len=%d\n", c->cmsg_level, c->cmsg_type, (int)c->cmsg_len);
        if (c->cmsg_type == SCM_RIGHTS)
            for (unsigned i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) && n < max; i++)
                memcpy(&out[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    printf("recvmsg = %ld \"%.*s\" flags=%#x controllen=%d fds=%d\n", r, (int)r, data, m.msg_flags,
           (int)m.msg_controllen, n);
    return n;
}

static int open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            n++;
    return n;
}

int main(void)
{
    int sv[2], got[64];
    char buf[32];
    for (int type = SOCK_STREAM; type <= SOCK_SEQPACKET; type += type == SOCK_STREAM ? 1 : 3) {
        printf("==== type %d\n", type);
        CHECK(socketpair(AF_UNIX, type, 0, sv));
        printf("== a file\n");
        const char *path = scratch_path("rights");
        int f = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
        unlink(path);
        write(f, "file data", 9);
        CHECK(send_fds(sv[0], &f, 1, "F"));
        int base = open_fds();
        if (recv_fds(sv[1], CMSG_SPACE(sizeof(int)), 0, got, 64) == 1) {
            char b[16] = {0};
            CHECK(pread(got[0], b, 9, 0));
            printf("read through passed fd: %s\n", b);
            /* Shares the file description: the offset moves for both. */
            lseek(got[0], 2, SEEK_SET);
            printf("offset seen by the original: %ld\n", (long)lseek(f, 0, SEEK_CUR));
            printf("cloexec=%d\n", fcntl(got[0], F_GETFD));
            close(got[0]);
        }
        printf("open fds grew by %d\n", open_fds() - base);

        printf("== a pipe, a socket, and the file: several fds\n");
        int p[2];
        pipe(p);
        int other[2];
        socketpair(AF_UNIX, SOCK_STREAM, 0, other);
        int three[3] = {p[1], other[1], f};
        CHECK(send_fds(sv[0], three, 3, "P"));
        int n = recv_fds(sv[1], CMSG_SPACE(sizeof(int) * 3), MSG_CMSG_CLOEXEC, got, 64);
        if (n == 3) {
            printf("cloexec=%d %d %d\n", fcntl(got[0], F_GETFD), fcntl(got[1], F_GETFD), fcntl(got[2], F_GETFD));
            CHECK(write(got[0], "via pipe", 8));
            CHECK(read(p[0], buf, sizeof buf));
            CHECK(write(got[1], "via sock", 8));
            CHECK(read(other[0], buf, sizeof buf));
            for (int i = 0; i < 3; i++)
                close(got[i]);
        }

        printf("== MSG_CTRUNC: room for one of three\n");
        CHECK(send_fds(sv[0], three, 3, "T"));
        base = open_fds();
        n = recv_fds(sv[1], CMSG_SPACE(sizeof(int)), 0, got, 64);
        printf("open fds grew by %d\n", open_fds() - base);
        for (int i = 0; i < n; i++)
            close(got[i]);
        printf("== no control buffer at all\n");
        CHECK(send_fds(sv[0], three, 3, "N"));
        base = open_fds();
        recv_fds(sv[1], 0, 0, got, 64);
        printf("open fds grew by %d\n", open_fds() - base);
        printf("== a control buffer too small for a header\n");
        CHECK(send_fds(sv[0], three, 3, "S"));
        recv_fds(sv[1], 8, 0, got, 64);

        printf("== peek keeps them\n");
        CHECK(send_fds(sv[0], &f, 1, "K"));
        n = recv_fds(sv[1], CMSG_SPACE(sizeof(int)), MSG_PEEK, got, 64);
        for (int i = 0; i < n; i++)
            close(got[i]);
        n = recv_fds(sv[1], CMSG_SPACE(sizeof(int)), 0, got, 64);
        for (int i = 0; i < n; i++)
            close(got[i]);

        printf("== the pipe's writer in flight, the receiver closes unread\n");
        int q[2];
        pipe(q);
        int s2[2];
        socketpair(AF_UNIX, type, 0, s2);
        CHECK(send_fds(s2[0], &q[1], 1, "W"));
        close(q[1]);
        struct pollfd pq = {q[0], POLLIN, 0};
        CHECK(poll(&pq, 1, 0));
        close(s2[1]);
        CHECK(poll(&pq, 1, 0));
        printf("reader revents=%#x\n", pq.revents);
        CHECK(read(q[0], buf, 1));
        close(q[0]);
        close(s2[0]);
        pipe(q);
        socketpair(AF_UNIX, type, 0, s2);
        CHECK(send_fds(s2[0], &q[0], 1, "R"));
        close(q[0]);
        close(s2[1]);
        signal(SIGPIPE, SIG_IGN);
        CHECK(write(q[1], "x", 1));
        close(q[1]);
        close(s2[0]);

        printf("== errors\n");
        int bad = 999;
        CHECK(send_fds(sv[0], &bad, 1, "B"));
        CHECK(recv(sv[0], buf, 1, MSG_DONTWAIT));
        int many[254];
        for (int i = 0; i < 254; i++)
            many[i] = f;
        CHECK(send_fds(sv[0], many, 253, "M") > 0);
        n = recv_fds(sv[1], CMSG_SPACE(sizeof(int) * 64), 0, got, 64);
        for (int i = 0; i < n; i++)
            close(got[i]);
        /* An unknown cmsg type, a short cmsg_len. */
        char cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = {"u", 1};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = 99;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        CHECK(sendmsg(sv[0], &m, 0));
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = 8;
        CHECK(sendmsg(sv[0], &m, 0));
        c->cmsg_len = CMSG_LEN(sizeof(int)) + 64;
        CHECK(sendmsg(sv[0], &m, 0));
        c->cmsg_level = 6;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        CHECK(sendmsg(sv[0], &m, 0));
        CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
        m.msg_control = (void *)8;
        CHECK(sendmsg(sv[0], &m, 0));
        CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
        close(f);
        close(p[0]);
        close(p[1]);
        close(other[0]);
        close(other[1]);
        close(sv[0]);
        close(sv[1]);
    }
    /* A stream: fds are not merged into a read past their segment. */
    printf("==== stream segments\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    CHECK(write(sv[0], "ab", 2));
    CHECK(send_fds(sv[0], &sv[0], 1, "cd"));
    CHECK(write(sv[0], "ef", 2));
    int n = recv_fds(sv[1], CMSG_SPACE(sizeof(int)), 0, got, 64);
    n = recv_fds(sv[1], CMSG_SPACE(sizeof(int)), 0, got, 64);
    for (int i = 0; i < n; i++)
        close(got[i]);
    n = recv_fds(sv[1], CMSG_SPACE(sizeof(int)), MSG_DONTWAIT, got, 64);
    /* A socket passed over itself, then both ends closed: the cycle is collected, no hang. */
    CHECK(send_fds(sv[0], &sv[1], 1, "self"));
    close(sv[0]);
    close(sv[1]);
    printf("done\n");
    return 0;
}
