/* SO_RCVLOWAT on a stream, credentials and files in one message, partial reads of a segment with files,
 * MSG_PEEK of a datagram's files, SCM_RIGHTS of a closed-on-exec fd. */
#include "net_unix_common.h"
#include <pthread.h>
#include <sys/uio.h>

static int wfd;
static void *later(void *arg)
{
    (void)arg;
    usleep(150000);
    write(wfd, "cd", 2);
    return NULL;
}

static void dump(int s, int flags, const char *what)
{
    char data[16], cbuf[256];
    struct iovec iov = {data, (size_t)(flags & 0x1000 ? 2 : sizeof data)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    long r = recvmsg(s, &m, flags & ~0x1000);
    if (r < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    printf("%s: %ld \"%.*s\" flags=%#x controllen=%d", what, r, (int)r, data, m.msg_flags, (int)m.msg_controllen);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        printf(" [type=%d len=%d]", c->cmsg_type, (int)c->cmsg_len);
        if (c->cmsg_type == SCM_RIGHTS)
            for (unsigned i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                close(fd);
            }
    }
    printf("\n");
}

static int send_both(int s, int fd, const char *data)
{
    char cbuf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    c = CMSG_NXTHDR(&m, c);
    struct ucred u = {getpid(), getuid(), getgid()};
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof u);
    memcpy(CMSG_DATA(c), &u, sizeof u);
    return sendmsg(s, &m, 0);
}

int main(void)
{
    int sv[2];
    char buf[16];
    printf("== SO_RCVLOWAT\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int low = 4, v = 0;
    socklen_t vl = sizeof v;
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVLOWAT, &low, sizeof low));
    CHECK(getsockopt(sv[1], SOL_SOCKET, SO_RCVLOWAT, &v, &vl));
    printf("SO_RCVLOWAT=%d\n", v);
    CHECK(write(sv[0], "ab", 2));
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT | MSG_PEEK));
    wfd = sv[0];
    pthread_t th;
    pthread_create(&th, NULL, later, NULL);
    CHECK(read(sv[1], buf, sizeof buf));
    pthread_join(th, NULL);
    CHECK(write(sv[0], "ef", 2));
    CHECK(read(sv[1], buf, 2)); /* asks for less than the low mark: gets what it asked */
    close(sv[0]);
    close(sv[1]);

    for (int type = SOCK_STREAM; type <= SOCK_SEQPACKET; type += type == SOCK_STREAM ? 1 : 3) {
        printf("==== type %d\n", type);
        socketpair(AF_UNIX, type, 0, sv);
        int one = 1;
        setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
        CHECK(send_both(sv[0], sv[0], "both"));
        dump(sv[1], 0, "creds and files");
        CHECK(send_both(sv[0], sv[0], "partial"));
        dump(sv[1], 0x1000, "first 2 bytes");
        dump(sv[1], MSG_DONTWAIT, "the rest");
        CHECK(send_both(sv[0], sv[0], "peek"));
        dump(sv[1], MSG_PEEK, "peeked");
        dump(sv[1], 0, "taken");
        /* Small control buffer: room for the credentials only. */
        CHECK(send_both(sv[0], sv[0], "small"));
        char data[16], cbuf[CMSG_SPACE(sizeof(struct ucred))];
        struct iovec iov = {data, sizeof data};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
        long r = recvmsg(sv[1], &m, 0);
        printf("small: %ld flags=%#x controllen=%d first type=%d\n", r, m.msg_flags, (int)m.msg_controllen,
               CMSG_FIRSTHDR(&m) ? CMSG_FIRSTHDR(&m)->cmsg_type : -1);
        close(sv[0]);
        close(sv[1]);
    }
    return 0;
}
