/* Edges of AF_UNIX: symlinks to socket files, a dangling symlink at the bind path, addresses of the largest
 * sizes, sendto on streams, datagrams to oneself, a listener's shutdown, SO_PASSCRED inherited at accept,
 * concurrent connects and accepts. */
#include "net_unix_common.h"
#include <pthread.h>
#include <poll.h>

static struct sockaddr_un la;
static socklen_t llen;
static int lfd;
static long connected, accepted_total;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *connector(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&la, llen) == 0) {
            char b;
            write(c, "c", 1);
            read(c, &b, 1);
            pthread_mutex_lock(&mu);
            connected++;
            pthread_mutex_unlock(&mu);
        }
        close(c);
    }
    return NULL;
}

static void *acceptor(void *arg)
{
    long n = 0;
    (void)arg;
    for (;;) {
        int s = accept(lfd, NULL, NULL);
        if (s < 0)
            break;
        char b;
        if (read(s, &b, 1) == 1 && b == 'c')
            write(s, "a", 1);
        close(s);
        n++;
        pthread_mutex_lock(&mu);
        accepted_total++;
        int done = accepted_total == 200;
        pthread_mutex_unlock(&mu);
        if (done)
            shutdown(lfd, SHUT_RDWR);
    }
    return (void *)n;
}

int main(void)
{
    const char *dir = scratch_path("unixedge");
    mkdir(dir, 0777);
    if (chdir(dir) < 0)
        return 1;
    socklen_t len, gl;
    struct sockaddr_un a = path_addr("s", &len), got;
    char buf[16];

    printf("== symlinks\n");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(l, (struct sockaddr *)&a, len));
    CHECK(listen(l, 4));
    CHECK(symlink("s", "link"));
    socklen_t sl;
    struct sockaddr_un sa = path_addr("link", &sl);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(c, (struct sockaddr *)&sa, sl));
    gl = sizeof got;
    CHECK(getpeername(c, (struct sockaddr *)&got, &gl));
    show_addr("peer through a symlink", &got, gl);
    close(c);
    close(accept(l, NULL, NULL));
    CHECK(symlink("nowhere", "dangling"));
    struct sockaddr_un da = path_addr("dangling", &sl);
    int b2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(b2, (struct sockaddr *)&da, sl));
    SHOW(access("nowhere", F_OK) != 0);
    struct sockaddr_un ta = path_addr("s/", &sl);
    CHECK(bind(b2, (struct sockaddr *)&ta, sl));
    ta = path_addr("new/", &sl);
    CHECK(bind(b2, (struct sockaddr *)&ta, sl));
    ta = path_addr(".", &sl);
    CHECK(bind(b2, (struct sockaddr *)&ta, sl));

    printf("== sizes\n");
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    CHECK(connect(b2, (struct sockaddr *)&fam, sizeof(sa_family_t)));
    CHECK(connect(b2, (struct sockaddr *)&fam, 1));
    CHECK(connect(b2, (struct sockaddr *)&fam, 0));
    /* The longest abstract name: 107 bytes after the NUL. */
    char name[32];
    int tag = snprintf(name, sizeof name, "ake%d", (int)getpid());
    struct sockaddr_un big;
    memset(&big, 'q', sizeof big);
    big.sun_family = AF_UNIX;
    big.sun_path[0] = 0;
    memcpy(big.sun_path + 1, name, tag);
    int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(bind(ab, (struct sockaddr *)&big, sizeof big));
    gl = sizeof got + 10;
    struct sockaddr_storage st;
    CHECK(getsockname(ab, (struct sockaddr *)&st, &gl));
    printf("abstract of sizeof(sockaddr_un): len=%d\n", (int)gl);
    /* A path filling sun_path with no NUL. */
    char longname[109];
    memset(longname, 'p', 108);
    longname[108] = 0;
    struct sockaddr_un lp;
    lp.sun_family = AF_UNIX;
    memcpy(lp.sun_path, longname, 108);
    int lps = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(lps, (struct sockaddr *)&lp, sizeof lp));
    gl = sizeof st;
    CHECK(getsockname(lps, (struct sockaddr *)&st, &gl));
    printf("108-byte path: len=%d\n", (int)gl);
    unlink(longname);

    printf("== sendto on streams\n");
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    CHECK(sendto(sv[0], "x", 1, 0, (struct sockaddr *)&a, len));
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(sendto(u, "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&a, len));
    CHECK(send(u, "x", 1, MSG_NOSIGNAL));
    CHECK(recv(u, buf, 1, MSG_DONTWAIT));
    CHECK(accept(u, NULL, NULL));
    CHECK(accept(sv[0], NULL, NULL));

    printf("== datagrams to oneself\n");
    int me = socket(AF_UNIX, SOCK_DGRAM, 0);
    socklen_t ml;
    struct sockaddr_un ma = path_addr("me", &ml);
    CHECK(bind(me, (struct sockaddr *)&ma, ml));
    CHECK(sendto(me, "self", 4, 0, (struct sockaddr *)&ma, ml));
    CHECK(connect(me, (struct sockaddr *)&ma, ml));
    CHECK(send(me, "self2", 5, 0));
    gl = sizeof got;
    CHECK(recvfrom(me, buf, sizeof buf, 0, (struct sockaddr *)&got, &gl));
    show_addr("from", &got, gl);
    CHECK(recv(me, buf, sizeof buf, 0));
    int sent = 0;
    fcntl(me, F_SETFL, O_NONBLOCK);
    while (send(me, "m", 1, 0) == 1 && sent < 100)
        sent++;
    printf("to itself: sent %d\n", sent);

    printf("== a listener's shutdown\n");
    int l2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    socklen_t l2l;
    struct sockaddr_un l2a = path_addr("l2", &l2l);
    bind(l2, (struct sockaddr *)&l2a, l2l);
    listen(l2, 4);
    int pend = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(pend, (struct sockaddr *)&l2a, l2l));
    CHECK(shutdown(l2, SHUT_RDWR));
    struct pollfd pf = {l2, POLLIN | POLLOUT | POLLRDHUP, 0};
    poll(&pf, 1, 0);
    printf("listener revents=%#x\n", pf.revents);
    int late = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(late, (struct sockaddr *)&l2a, l2l));
    int got1 = accept(l2, NULL, NULL);
    printf("accept after shutdown: %s\n", got1 >= 0 ? "a connection" : errname(errno));

    printf("== SO_PASSCRED inherited at accept\n");
    int l3 = socket(AF_UNIX, SOCK_STREAM, 0);
    socklen_t l3l;
    struct sockaddr_un l3a = path_addr("l3", &l3l);
    bind(l3, (struct sockaddr *)&l3a, l3l);
    listen(l3, 4);
    int cc = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(cc, (struct sockaddr *)&l3a, l3l));
    int one = 1, v = -1;
    socklen_t vl = sizeof v;
    setsockopt(l3, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    int acc = accept(l3, NULL, NULL);
    getsockopt(acc, SOL_SOCKET, SO_PASSCRED, &v, &vl);
    printf("accepted SO_PASSCRED=%d\n", v);
    int zero = 0;
    int cc2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(cc2, (struct sockaddr *)&l3a, l3l));
    setsockopt(l3, SOL_SOCKET, SO_PASSCRED, &zero, sizeof zero);
    int acc2 = accept(l3, NULL, NULL);
    getsockopt(acc2, SOL_SOCKET, SO_PASSCRED, &v, &vl);
    printf("accepted after clearing SO_PASSCRED=%d\n", v);

    printf("== concurrent connects and accepts\n");
    la = path_addr("busy", &llen);
    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(lfd, (struct sockaddr *)&la, llen);
    listen(lfd, 16);
    pthread_t ct[4], at[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&at[i], NULL, acceptor, NULL);
    for (int i = 0; i < 4; i++)
        pthread_create(&ct[i], NULL, connector, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(ct[i], NULL);
    long acc_n = 0;
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(at[i], &r);
        acc_n += (long)r;
    }
    printf("connected=%ld accepted=%ld\n", connected, acc_n);

    const char *names[] = {"s", "link", "dangling", "me", "l2", "l3", "busy"};
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
        unlink(names[i]);
    if (chdir("/") == 0)
        rmdir(dir);
    SHOW(access(dir, F_OK) != 0);
    return 0;
}
