/* Stream sockets with path names: bind (socket file mode, umask), listen, connect, accept, the errors of each,
 * names of both ends, the backlog (EAGAIN non-blocking, a blocking connect waits), non-blocking accept. */
#include "net_unix_common.h"
#include <poll.h>
#include <pthread.h>

static int sock(int type)
{
    return socket(AF_UNIX, type, 0);
}

static void *acceptor(void *arg)
{
    int l = *(int *)arg;
    usleep(200000);
    int c = accept(l, NULL, NULL);
    return (void *)(long)c;
}

int main(void)
{
    const char *dir = scratch_path("unixstream");
    mkdir(dir, 0777);
    if (chdir(dir) < 0)
        return 1;
    socklen_t len;
    struct sockaddr_un a = path_addr("srv", &len), got;
    socklen_t gl;

    printf("== bind\n");
    umask(022);
    int l = sock(SOCK_STREAM);
    CHECK(bind(l, (struct sockaddr *)&a, len));
    struct stat st;
    CHECK(stat("srv", &st));
    printf("type sock=%d perm=%o size=%ld\n", S_ISSOCK(st.st_mode), st.st_mode & 07777, (long)st.st_size);
    CHECK(bind(l, (struct sockaddr *)&a, len));
    int l2 = sock(SOCK_STREAM);
    CHECK(bind(l2, (struct sockaddr *)&a, len));
    umask(077);
    struct sockaddr_un b = path_addr("srv2", &len);
    CHECK(bind(l2, (struct sockaddr *)&b, len));
    CHECK(stat("srv2", &st));
    printf("perm with umask 077=%o\n", st.st_mode & 07777);
    umask(022);
    gl = sizeof got;
    CHECK(getsockname(l, (struct sockaddr *)&got, &gl));
    show_addr("bound name", &got, gl);
    /* The address length without the trailing NUL, and with garbage after a NUL, name the same file. */
    int l3 = sock(SOCK_STREAM);
    struct sockaddr_un c = path_addr("srv3", &len);
    CHECK(bind(l3, (struct sockaddr *)&c, len - 1));
    gl = sizeof got;
    CHECK(getsockname(l3, (struct sockaddr *)&got, &gl));
    show_addr("bound without NUL", &got, gl);
    gl = 4;
    CHECK(getsockname(l3, (struct sockaddr *)&got, &gl));
    printf("short getsockname len=%d\n", (int)gl);
    int bad = sock(SOCK_STREAM);
    CHECK(bind(bad, (struct sockaddr *)&c, 1));
    CHECK(bind(bad, (struct sockaddr *)&c, sizeof c + 1));
    CHECK(bind(bad, (struct sockaddr *)&c, sizeof c));
    struct sockaddr_un e = path_addr("nodir/sock", &len);
    CHECK(bind(bad, (struct sockaddr *)&e, len));
    e = path_addr("srv/sock", &len);
    CHECK(bind(bad, (struct sockaddr *)&e, len));
    e = path_addr("/proc/sock", &len);
    CHECK(bind(bad, (struct sockaddr *)&e, len));
    a.sun_family = AF_INET;
    CHECK(bind(bad, (struct sockaddr *)&a, sizeof a));
    a.sun_family = AF_UNIX;
    CHECK(bind(bad, (struct sockaddr *)8, len));
    close(bad);

    printf("== connect before listen\n");
    a = path_addr("srv", &len);
    int cl = sock(SOCK_STREAM);
    CHECK(connect(cl, (struct sockaddr *)&a, len));
    CHECK(listen(cl, 1));
    CHECK(listen(l, 2));
    CHECK(listen(l, 2));
    gl = sizeof got;
    int v = -1;
    socklen_t vl = sizeof v;
    CHECK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
    printf("SO_ACCEPTCONN=%d\n", v);
    CHECK(getpeername(l, (struct sockaddr *)&got, &gl));
    CHECK(getpeername(cl, (struct sockaddr *)&got, &gl));

    printf("== errors of connect\n");
    int d = sock(SOCK_DGRAM);
    CHECK(connect(d, (struct sockaddr *)&a, len));
    int sp = sock(SOCK_SEQPACKET);
    CHECK(connect(sp, (struct sockaddr *)&a, len));
    socklen_t nlen;
    struct sockaddr_un n = path_addr("missing", &nlen);
    CHECK(connect(cl, (struct sockaddr *)&n, nlen));
    close(open("plain", O_CREAT | O_WRONLY, 0666));
    n = path_addr("plain", &nlen);
    CHECK(connect(cl, (struct sockaddr *)&n, nlen));
    n = path_addr("srv2", &nlen);
    CHECK(connect(cl, (struct sockaddr *)&n, nlen)); /* bound, not listening */
    mkdir("adir", 0777);
    n = path_addr("adir", &nlen);
    CHECK(connect(cl, (struct sockaddr *)&n, nlen));
    CHECK(connect(l, (struct sockaddr *)&a, len));

    printf("== connect and accept\n");
    CHECK(connect(cl, (struct sockaddr *)&a, len));
    CHECK(connect(cl, (struct sockaddr *)&a, len));
    gl = sizeof got;
    int s = CHECK_OK(accept(l, (struct sockaddr *)&got, &gl));
    show_addr("accept's peer (unnamed client)", &got, gl);
    gl = sizeof got;
    CHECK(getsockname(s, (struct sockaddr *)&got, &gl));
    show_addr("accepted sockname", &got, gl);
    gl = sizeof got;
    CHECK(getpeername(cl, (struct sockaddr *)&got, &gl));
    show_addr("client peername", &got, gl);
    gl = sizeof got;
    CHECK(getsockname(cl, (struct sockaddr *)&got, &gl));
    show_addr("client sockname", &got, gl);
    char buf[32];
    CHECK(write(cl, "hi", 2));
    CHECK(read(s, buf, sizeof buf));
    CHECK(write(s, "yo", 2));
    CHECK(read(cl, buf, sizeof buf));
    printf("SO_ACCEPTCONN of accepted=%d\n", (getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl), v));
    close(s);
    close(cl);

    printf("== bound client\n");
    cl = sock(SOCK_STREAM);
    struct sockaddr_un cn = path_addr("cli", &nlen);
    CHECK(bind(cl, (struct sockaddr *)&cn, nlen));
    CHECK(connect(cl, (struct sockaddr *)&a, len));
    gl = sizeof got;
    s = CHECK_OK(accept4(l, (struct sockaddr *)&got, &gl, SOCK_NONBLOCK | SOCK_CLOEXEC));
    show_addr("accept's peer (bound client)", &got, gl);
    printf("accept4 flags: nonblock=%d cloexec=%d\n", !!(fcntl(s, F_GETFL) & O_NONBLOCK), fcntl(s, F_GETFD));
    CHECK(read(s, buf, 1));
    close(s);
    close(cl);
    CHECK(accept4(l, NULL, NULL, 0x1234));

    printf("== non-blocking accept, backlog\n");
    int fl = fcntl(l, F_GETFL);
    fcntl(l, F_SETFL, fl | O_NONBLOCK);
    CHECK(accept(l, NULL, NULL));
    struct pollfd pf = {l, POLLIN | POLLOUT, 0};
    CHECK(poll(&pf, 1, 0));
    printf("listener revents=%x\n", pf.revents);
    int cs[8];
    int i;
    for (i = 0; i < 8; i++) {
        cs[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(cs[i], (struct sockaddr *)&a, len) < 0) {
            printf("connect %d: %s\n", i, errname(errno));
            break;
        }
    }
    printf("connected before full: %d\n", i);
    CHECK(poll(&pf, 1, 0));
    printf("listener revents=%x\n", pf.revents);
    /* A blocking connect waits until an accept makes room. */
    int bl = sock(SOCK_STREAM);
    fcntl(l, F_SETFL, fl);
    pthread_t th;
    pthread_create(&th, NULL, acceptor, &l);
    CHECK(connect(bl, (struct sockaddr *)&a, len));
    void *r;
    pthread_join(th, &r);
    printf("thread accepted: %s\n", (long)r >= 0 ? "ok" : "failed");
    close((int)(long)r);
    /* SO_SNDTIMEO bounds the wait: EAGAIN. */
    struct timeval tv = {0, 100000};
    int bl2 = sock(SOCK_STREAM);
    CHECK(setsockopt(bl2, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
    CHECK(connect(bl2, (struct sockaddr *)&a, len));
    /* Accept them all; then a listener closed with connections pending resets them. */
    int accepted = 0;
    fcntl(l, F_SETFL, fl | O_NONBLOCK);
    while ((s = accept(l, NULL, NULL)) >= 0) {
        accepted++;
        close(s);
    }
    printf("accepted %d then %s\n", accepted, errname(errno));
    int late = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(late, (struct sockaddr *)&a, len));
    CHECK(write(late, "x", 1));
    close(l);
    CHECK(read(late, buf, 1));
    CHECK(read(late, buf, 1));
    CHECK(send(late, "x", 1, MSG_NOSIGNAL));
    CHECK(connect(cs[0], (struct sockaddr *)&a, len));
    int again = sock(SOCK_STREAM);
    CHECK(connect(again, (struct sockaddr *)&a, len));
    /* The socket file outlives the socket: bind again is EADDRINUSE until unlinked. */
    int l4 = sock(SOCK_STREAM);
    CHECK(bind(l4, (struct sockaddr *)&a, len));
    CHECK(unlink("srv"));
    CHECK(bind(l4, (struct sockaddr *)&a, len));
    CHECK(listen(l4, 0));
    CHECK(connect(again, (struct sockaddr *)&a, len));
    s = CHECK_OK(accept(l4, NULL, NULL));
    int again2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(connect(again2, (struct sockaddr *)&a, len));
    int again3 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(connect(again3, (struct sockaddr *)&a, len));
    /* Renaming the socket file keeps the socket reachable under the new name. */
    CHECK(rename("srv", "moved"));
    n = path_addr("moved", &nlen);
    int mv = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(connect(mv, (struct sockaddr *)&n, nlen));
    CHECK(connect(mv, (struct sockaddr *)&a, len));
    /* A hard link too. */
    CHECK(link("moved", "linked"));
    n = path_addr("linked", &nlen);
    int lk = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(connect(lk, (struct sockaddr *)&n, nlen));
    /* Open the socket file: ENXIO. */
    CHECK(open("moved", O_RDWR));
    CHECK(open("moved", O_PATH) >= 0);

    /* Cleanup. */
    unlink("moved");
    unlink("linked");
    unlink("srv2");
    unlink("srv3");
    unlink("cli");
    unlink("plain");
    rmdir("adir");
    if (chdir("/") == 0)
        rmdir(dir);
    SHOW(access(dir, F_OK) != 0);
    return 0;
}
