/* Blocking calls on Unix sockets and what ends them: data, shutdown, the peer's close, signals (EINTR, SA_RESTART,
 * and a timeout that makes a restartable call EINTR), SO_SNDTIMEO on a full socket; recvfrom on a stream gives
 * the sender's name. */
#include "net_unix_common.h"
#include <pthread.h>
#include <sys/time.h>

static int fd_to_act, act;
static void *later(void *arg)
{
    (void)arg;
    usleep(150000);
    if (act == 0)
        write(fd_to_act, "late", 4);
    else if (act == 1)
        shutdown(fd_to_act, SHUT_RDWR);
    else if (act == 2)
        close(fd_to_act);
    else if (act == 3)
        shutdown(fd_to_act, SHUT_RD);
    return NULL;
}

static void run_later(int what, int fd)
{
    act = what;
    fd_to_act = fd;
    pthread_t th;
    pthread_create(&th, NULL, later, NULL);
    pthread_detach(th);
}

static volatile int alarms;
static void on_alarm(int s)
{
    (void)s;
    alarms++;
}

static void arm(int ms)
{
    struct itimerval it = {{0, 0}, {0, ms * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
    char buf[64];
    int sv[2];
    signal(SIGPIPE, SIG_IGN);
    printf("== woken by data\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    run_later(0, sv[0]);
    CHECK(read(sv[1], buf, sizeof buf));
    printf("== woken by the peer's shutdown\n");
    run_later(1, sv[0]);
    CHECK(read(sv[1], buf, sizeof buf));
    close(sv[0]);
    close(sv[1]);
    printf("== woken by its own SHUT_RD (another thread)\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    run_later(3, sv[1]);
    CHECK(read(sv[1], buf, sizeof buf));
    close(sv[0]);
    close(sv[1]);
    for (int type = SOCK_STREAM; type <= SOCK_SEQPACKET; type += 4) {
        printf("== type %d: woken by the peer's close\n", type);
        socketpair(AF_UNIX, type, 0, sv);
        run_later(2, sv[0]);
        CHECK(read(sv[1], buf, sizeof buf));
        close(sv[1]);
        printf("== type %d: a full writer woken by the peer's close\n", type);
        socketpair(AF_UNIX, type, 0, sv);
        int nb = fcntl(sv[0], F_GETFL);
        fcntl(sv[0], F_SETFL, nb | O_NONBLOCK);
        static char big[4096];
        while (write(sv[0], big, type == SOCK_STREAM ? sizeof big : 16) > 0)
            ;
        fcntl(sv[0], F_SETFL, nb);
        run_later(2, sv[1]);
        CHECK(write(sv[0], big, 16));
        close(sv[0]);
    }

    printf("== signals\n");
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    arm(100);
    CHECK(read(sv[1], buf, sizeof buf));
    printf("alarms=%d\n", alarms);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    arm(100);
    run_later(0, sv[0]);
    CHECK(read(sv[1], buf, sizeof buf));
    printf("alarms=%d (restarted)\n", alarms);
    struct timeval tv = {5, 0};
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    arm(100);
    CHECK(read(sv[1], buf, sizeof buf));
    printf("alarms=%d (a timeout makes it EINTR)\n", alarms);
    arm(0);
    close(sv[0]);
    close(sv[1]);

    printf("== SO_SNDTIMEO\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct timeval st = {0, 100000};
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &st, sizeof st));
    static char blob[1 << 20];
    long total = 0, w;
    while ((w = write(sv[0], blob, sizeof blob)) > 0)
        total += w;
    printf("then %s, some written: %d\n", errname(errno), total > 0);
    close(sv[0]);
    close(sv[1]);

    printf("== recvfrom on a stream\n");
    char name[32];
    int tag = snprintf(name, sizeof name, "akb%d", (int)getpid());
    socklen_t len, gl;
    struct sockaddr_un a = abstract_addr(name, tag, &len), got;
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, len);
    listen(l, 1);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un cn = abstract_addr("cli", 3, &gl);
    memcpy(cn.sun_path + 4, name, tag);
    socklen_t clen = gl + tag;
    CHECK(bind(c, (struct sockaddr *)&cn, clen));
    CHECK(connect(c, (struct sockaddr *)&a, len));
    int s = accept(l, NULL, NULL);
    CHECK(write(c, "x", 1));
    gl = sizeof got;
    CHECK(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&got, &gl));
    SHOW(gl == clen && memcmp(&got, &cn, clen) == 0);
    CHECK(write(s, "y", 1));
    gl = sizeof got;
    CHECK(recvfrom(c, buf, sizeof buf, 0, (struct sockaddr *)&got, &gl));
    SHOW(gl == len && memcmp(&got, &a, len) == 0); /* the accepted end has the listener's name */
    int p2[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, p2);
    CHECK(write(p2[0], "z", 1));
    gl = sizeof got;
    CHECK(recvfrom(p2[1], buf, sizeof buf, 0, (struct sockaddr *)&got, &gl));
    printf("from an unnamed end: len=%d\n", (int)gl);
    return 0;
}
