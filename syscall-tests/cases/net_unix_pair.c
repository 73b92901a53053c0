/* socketpair of each Unix type: data both ways, names, fstat, /proc/self/fd, SOL_SOCKET options, ioctls. */
#include "net_unix_common.h"
#include <sys/ioctl.h>
#include <linux/sockios.h>

static int geti(int fd, int level, int name)
{
    int v = -12345;
    socklen_t l = sizeof v;
    if (getsockopt(fd, level, name, &v, &l) < 0) {
        printf("  getsockopt(%d) = -1 %s\n", name, errname(errno));
        return -1;
    }
    return v;
}

static void one_type(int type, const char *tname)
{
    printf("== %s\n", tname);
    int sv[2];
    if (CHECK(socketpair(AF_UNIX, type, 0, sv)) < 0)
        return;
    char buf[64];
    CHECK(write(sv[0], "ping", 4));
    CHECK(read(sv[1], buf, sizeof buf));
    CHECK(send(sv[1], "pong!", 5, 0));
    CHECK(recv(sv[0], buf, sizeof buf, 0));
    printf("got %.5s\n", buf);

    struct sockaddr_un a;
    socklen_t l = sizeof a;
    CHECK(getsockname(sv[0], (struct sockaddr *)&a, &l));
    show_addr("sockname", &a, l);
    l = sizeof a;
    CHECK(getpeername(sv[0], (struct sockaddr *)&a, &l));
    show_addr("peername", &a, l);

    printf("SO_TYPE=%d SO_DOMAIN=%d SO_PROTOCOL=%d SO_ERROR=%d SO_ACCEPTCONN=%d\n", geti(sv[0], SOL_SOCKET, SO_TYPE),
           geti(sv[0], SOL_SOCKET, SO_DOMAIN), geti(sv[0], SOL_SOCKET, SO_PROTOCOL), geti(sv[0], SOL_SOCKET, SO_ERROR),
           geti(sv[0], SOL_SOCKET, SO_ACCEPTCONN));
    printf("SO_PASSCRED=%d SO_KEEPALIVE=%d SO_REUSEADDR=%d\n", geti(sv[0], SOL_SOCKET, SO_PASSCRED),
           geti(sv[0], SOL_SOCKET, SO_KEEPALIVE), geti(sv[0], SOL_SOCKET, SO_REUSEADDR));

    /* FIONREAD and SIOCOUTQ. */
    int v = -1;
    CHECK(write(sv[0], "abcdef", 6));
    CHECK(write(sv[0], "gh", 2));
    CHECK(ioctl(sv[1], FIONREAD, &v));
    printf("FIONREAD=%d\n", v);
    CHECK(ioctl(sv[0], SIOCOUTQ, &v));
    printf("SIOCOUTQ(stream:bytes, dgram:queued) nonzero=%d\n", v > 0);
    CHECK(read(sv[1], buf, sizeof buf));
    if (type != SOCK_STREAM)
        CHECK(read(sv[1], buf, sizeof buf));
    CHECK(ioctl(sv[1], FIONREAD, &v));
    printf("FIONREAD after=%d\n", v);
    CHECK(ioctl(sv[0], SIOCOUTQ, &v));
    printf("SIOCOUTQ after=%d\n", v);
    CHECK(ioctl(sv[0], FIONREAD, (void *)8));

    /* Unknown levels and options. */
    CHECK(getsockopt(sv[0], 6 /* SOL_TCP */, 1, &v, &l));
    CHECK(setsockopt(sv[0], SOL_SOCKET, 9999, &v, sizeof v));
    l = 2;
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l));
    printf("short optlen -> %d\n", (int)l);

    /* fstat and the /proc/self/fd link. */
    struct stat st;
    CHECK(fstat(sv[0], &st));
    SHOW(S_ISSOCK(st.st_mode));
    printf("perm=%o nlink=%d size=%ld blksize=%ld\n", st.st_mode & 07777, (int)st.st_nlink, (long)st.st_size,
           (long)st.st_blksize);
    char link[64], target[128];
    snprintf(link, sizeof link, "/proc/self/fd/%d", sv[0]);
    long n = readlink(link, target, sizeof target - 1);
    if (n > 0) {
        target[n] = 0;
        SHOW(strncmp(target, "socket:[", 8) == 0 && target[n - 1] == ']');
    }
    CHECK(open(link, O_RDWR));
    CHECK(lseek(sv[0], 0, SEEK_SET));
    CHECK(pread(sv[0], buf, 1, 0));
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    one_type(SOCK_STREAM, "stream");
    one_type(SOCK_DGRAM, "dgram");
    one_type(SOCK_SEQPACKET, "seqpacket");
    int sv[2];
    printf("== errors\n");
    CHECK(socketpair(AF_UNIX, SOCK_RAW, 0, sv) == 0);
    close(sv[0]);
    close(sv[1]);
    CHECK(socketpair(AF_UNIX, SOCK_RDM, 0, sv));
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 1, sv) == 0);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 2, sv));
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | 0x100, 0, sv));
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, (int *)8));
    CHECK(socketpair(AF_INET6 + 100, SOCK_STREAM, 0, sv));
    CHECK(socket(AF_UNIX, SOCK_RDM, 0));
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    printf("fl=%o fd=%d\n", fcntl(sv[0], F_GETFL) & (O_NONBLOCK | O_RDWR), fcntl(sv[1], F_GETFD));
    char c;
    CHECK(read(sv[0], &c, 1));

    /* SO_SNDBUF/SO_RCVBUF are doubled; tiny values are raised to the minimum. */
    int v = 10000;
    socklen_t l = sizeof v;
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l));
    printf("SO_SNDBUF 10000 -> %d\n", v);
    v = 10000;
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof v));
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &l));
    printf("SO_RCVBUF 10000 -> %d\n", v);
    v = 1;
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l));
    printf("SO_SNDBUF 1 -> %d\n", v);
    v = 1;
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof v));
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &l));
    printf("SO_RCVBUF 1 -> %d\n", v);
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, 2));
    return 0;
}
