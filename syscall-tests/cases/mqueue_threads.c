/* POSIX message queues across threads and processes: a blocked receive gets a
 * message sent later (and a registered notification does not fire, since a
 * receiver was waiting); a blocked send completes once a receive makes room;
 * a blocking receive is interrupted by a handler (EINTR) or restarted with
 * SA_RESTART; an absolute timeout ends a blocked receive; epoll_wait wakes
 * when another process sends. Events are ordered by handshakes (the main
 * thread waits until the other thread sleeps in the call), not by sleeps. */
#include "common.h"
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>

static char qname[64];
static mqd_t q;
static volatile pid_t waiter_tid;
static char result[128];

/* Spins until thread tid is asleep in the kernel (state S in its stat). */
static void wait_sleeping(pid_t tid)
{
    char path[64], b[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    for (int i = 0; i < 20000; i++) {
        int fd = open(path, O_RDONLY);
        ssize_t n = read(fd, b, sizeof b - 1);
        close(fd);
        if (n > 0) {
            b[n] = 0;
            char *p = strrchr(b, ')');
            if (p && p[2] == 'S') return;
        }
        usleep(1000);
    }
    printf("thread never slept\n");
}

static void *receiver(void *arg)
{
    (void)arg;
    char msg[8192];
    unsigned prio;
    waiter_tid = gettid();
    ssize_t n = mq_receive(q, msg, sizeof msg, &prio);
    snprintf(result, sizeof result, "receiver: %zd '%.*s' prio %u", n, (int)(n > 0 ? n : 0), msg, prio);
    return NULL;
}

static void *sender(void *arg)
{
    waiter_tid = gettid();
    int r = mq_send(q, (const char *)arg, strlen(arg), 5);
    snprintf(result, sizeof result, "sender of '%s': %s", (const char *)arg, r == 0 ? "sent" : errname(errno));
    return NULL;
}

static volatile int handled;
static void on_alarm(int sig) { (void)sig; handled++; }

static void *interrupted(void *arg)
{
    char msg[8192];
    waiter_tid = gettid();
    errno = 0;
    ssize_t n = mq_receive(q, msg, sizeof msg, NULL);
    snprintf(result, sizeof result, "%s receive: %zd %s", (const char *)arg, n, n < 0 ? errname(errno) : "");
    return NULL;
}

static void *timed(void *arg)
{
    (void)arg;
    char msg[8192];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 100 * 1000000;
    if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
    waiter_tid = gettid();
    ssize_t n = mq_timedreceive(q, msg, sizeof msg, NULL, &ts);
    snprintf(result, sizeof result, "timed receive: %zd %s", n, n < 0 ? errname(errno) : "");
    return NULL;
}

static void start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    waiter_tid = 0;
    pthread_create(t, NULL, fn, arg);
    while (!waiter_tid) sched_yield();
    wait_sleeping(waiter_tid);
}

int main(void)
{
    snprintf(qname, sizeof qname, "/ak-mqt-%d", (int)getpid());
    struct mq_attr a = {.mq_maxmsg = 2, .mq_msgsize = 64};
    q = CHECK_OK(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0600, &a));
    pthread_t t;

    /* a receiver waits; the message goes straight to it and no notification fires */
    signal(SIGUSR1, on_alarm);
    struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    CHECK(mq_notify(q, &sev));
    start(&t, receiver, NULL);
    CHECK(mq_send(q, "hello", 5, 9));
    pthread_join(t, NULL);
    printf("%s\n", result);
    printf("notification signals: %d\n", handled);
    char text[128] = {0};
    lseek(q, 0, SEEK_SET);
    read(q, text, sizeof text - 1);
    printf("still registered: %s\n", strstr(text, "SIGNO:10 ") ? "yes" : "no");
    CHECK(mq_notify(q, NULL));

    /* a sender waits on a full queue until a receive makes room */
    CHECK(mq_send(q, "one", 3, 1));
    CHECK(mq_send(q, "two", 3, 2));
    start(&t, sender, "three");
    char msg[8192];
    unsigned prio;
    for (int i = 0; i < 3; i++) {
        ssize_t n = mq_receive(q, msg, sizeof msg, &prio);
        printf("main: %zd '%.*s' prio %u\n", n, (int)(n > 0 ? n : 0), msg, prio);
        if (i == 0) pthread_join(t, NULL), printf("%s\n", result);
    }

    /* a handler without SA_RESTART: EINTR */
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);
    handled = 0;
    start(&t, interrupted, "interrupted");
    pthread_kill(t, SIGALRM);
    pthread_join(t, NULL);
    printf("%s\nhandled %d\n", result, handled);

    /* with SA_RESTART the receive goes on and gets the next message */
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    start(&t, interrupted, "restarted");
    pthread_kill(t, SIGALRM);
    while (handled < 2) sched_yield();
    wait_sleeping(waiter_tid);
    CHECK(mq_send(q, "after restart", 13, 0));
    pthread_join(t, NULL);
    printf("%s\n", result);

    /* an absolute timeout ends a blocked receive */
    start(&t, timed, NULL);
    pthread_join(t, NULL);
    printf("%s\n", result);

    /* epoll_wait wakes when another process sends */
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN}, out;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q, &ev));
    int go[2];
    pipe(go);
    pid_t c = fork();
    if (c == 0) {
        char x;
        read(go[0], &x, 1);
        mqd_t cq = mq_open(qname, O_WRONLY);
        mq_send(cq, "from the child", 14, 3);
        _exit(0);
    }
    write(go[1], "x", 1);
    int n = epoll_wait(ep, &out, 1, 5000);
    printf("epoll_wait: %d events %x\n", n, n > 0 ? out.events : 0);
    ssize_t got = mq_receive(q, msg, sizeof msg, &prio);
    printf("main: %zd '%.*s' prio %u\n", got, (int)(got > 0 ? got : 0), msg, prio);
    waitpid(c, NULL, 0);
    close(ep);

    CHECK(mq_close(q));
    CHECK(mq_unlink(qname));
    return 0;
}
