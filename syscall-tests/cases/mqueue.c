/* POSIX message queues: mq_open's names, flags, modes and attributes; priorities
 * (highest first, FIFO within one); EMSGSIZE/EAGAIN/ETIMEDOUT/EBADF/EINVAL;
 * mq_getsetattr and O_NONBLOCK; read() of the QSIZE line; poll/select/epoll
 * readiness; unlink while open; mq_notify (SIGEV_SIGNAL, SIGEV_NONE,
 * SIGEV_THREAD, EBUSY, removal on close); limits with and without
 * CAP_SYS_RESOURCE, RLIMIT_MSGQUEUE, queues_max; the mqueue file system mounted
 * on a fresh directory (and taken away). Every queue has a unique name and is
 * unlinked. */
#include "common.h"
#include <sched.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <dirent.h>
#include <linux/capability.h>
#include <time.h>

static char qname[64], qname2[64];

static void mkname(char *out, const char *tag)
{
    snprintf(out, 64, "/ak-mq-%s-%d", tag, (int)getpid());
}

/* The read() text with our pid shown as "self". */
static void show_text(const char *label, int fd)
{
    char b[128] = {0};
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, b, sizeof b - 1);
    if (n < 0) { printf("%s: read %s\n", label, errname(errno)); return; }
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    char *p = strstr(b, "NOTIFY_PID:");
    if (p && strncmp(p + 11, pid, strlen(pid)) == 0) {
        printf("%s (%zd): %.*sNOTIFY_PID:self\n", label, n, (int)(p - b), b);
        return;
    }
    printf("%s (%zd): %s", label, n, b);
}

static void show_attr(const char *label, mqd_t q)
{
    struct mq_attr a;
    if (mq_getattr(q, &a) != 0) { printf("%s: %s\n", label, errname(errno)); return; }
    printf("%s: flags %lx maxmsg %ld msgsize %ld curmsgs %ld\n", label, a.mq_flags, a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs);
}

static struct timespec in_ms(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
    return ts;
}

static volatile sig_atomic_t got_sig, got_code, got_value, got_pid_self;
static void on_sig(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_value = si->si_value.sival_int;
    got_pid_self = si->si_pid == getpid();
}

static sem_t thread_sem;
static volatile int thread_value;
static void on_thread(union sigval v)
{
    thread_value = v.sival_int;
    sem_post(&thread_sem);
}

static void basics(void)
{
    struct mq_attr a;
    char msg[8192];
    unsigned prio;
    umask(022);
    mqd_t q = CHECK_OK(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0777, NULL));
    show_attr("defaults", q);
    struct stat st;
    CHECK(fstat(q, &st));
    printf("mode %o size %ld nlink %ld uid %u\n", st.st_mode, (long)st.st_size, (long)st.st_nlink, st.st_uid);
    printf("cloexec: %d\n", fcntl(q, F_GETFD));
    printf("status flags: %o\n", fcntl(q, F_GETFL) & ~O_LARGEFILE);
    char link[64], want[128];
    snprintf(want, sizeof want, "/proc/self/fd/%d", q);
    ssize_t ln = readlink(want, link, sizeof link - 1);
    link[ln > 0 ? ln : 0] = 0;
    printf("fd link is the name: %s\n", strcmp(link, qname) == 0 ? "yes" : link);
    show_text("empty", q);

    /* priorities: highest first, FIFO within one */
    CHECK(mq_send(q, "low1", 4, 1));
    CHECK(mq_send(q, "high", 4, 30000));
    CHECK(mq_send(q, "low2", 5, 1));
    CHECK(mq_send(q, "", 0, 7));
    CHECK(mq_send(q, "mid", 3, 7));
    show_text("five queued", q);
    show_attr("five queued", q);
    for (int i = 0; i < 5; i++) {
        ssize_t n = mq_receive(q, msg, sizeof msg, &prio);
        printf("receive: %zd prio %u '%.*s'\n", n, prio, (int)(n > 0 ? n : 0), msg);
    }

    /* read() with an offset and lseek */
    CHECK(mq_send(q, "abc", 3, 0));
    char part[16] = {0};
    lseek(q, 0, SEEK_SET);
    CHECK(read(q, part, 10));
    printf("first 10: '%s'\n", part);
    memset(part, 0, sizeof part);
    CHECK(read(q, part, 6));
    printf("next 6: '%s'\n", part);
    CHECK(lseek(q, 100, SEEK_SET));
    CHECK(read(q, part, 6));
    CHECK(write(q, "x", 1));
    CHECK(mq_receive(q, msg, sizeof msg, NULL));

    /* sizes */
    CHECK(mq_send(q, msg, 8193, 0));
    CHECK(mq_send(q, msg, 8192, 0));
    CHECK(mq_receive(q, msg, 8191, NULL));
    CHECK(mq_receive(q, msg, 8192, NULL));
    CHECK(mq_send(q, msg, 1, 32768));
    CHECK(mq_send(q, msg, 1, 32767));
    CHECK(mq_receive(q, msg, sizeof msg, &prio));
    printf("prio %u\n", prio);

    /* EAGAIN with O_NONBLOCK, through mq_setattr */
    struct mq_attr nb = {.mq_flags = O_NONBLOCK}, old;
    CHECK(mq_setattr(q, &nb, &old));
    printf("old flags %lx\n", old.mq_flags);
    show_attr("nonblocking", q);
    printf("F_GETFL has O_NONBLOCK: %d\n", !!(fcntl(q, F_GETFL) & O_NONBLOCK));
    CHECK(mq_receive(q, msg, sizeof msg, NULL));
    for (int i = 0; i < 10; i++) mq_send(q, "m", 1, i);
    CHECK(mq_send(q, "m", 1, 0));
    show_attr("full", q);
    struct mq_attr bad = {.mq_flags = O_NONBLOCK | O_APPEND};
    CHECK(mq_setattr(q, &bad, NULL));
    CHECK(syscall(SYS_mq_getsetattr, q, NULL, NULL));
    CHECK(syscall(SYS_mq_getsetattr, q, (void *)8, NULL));
    CHECK(syscall(SYS_mq_getsetattr, q, NULL, (void *)8));
    struct mq_attr blk = {0};
    CHECK(mq_setattr(q, &blk, NULL));
    CHECK(fcntl(q, F_SETFL, O_NONBLOCK));
    show_attr("fcntl nonblocking", q);
    CHECK(fcntl(q, F_SETFL, 0));

    /* ETIMEDOUT: full queue, a deadline in the past and one just ahead */
    struct timespec past = {1, 0}, badts = {0, 1000000000}, negts = {-1, 0};
    CHECK(mq_timedsend(q, "m", 1, 0, &past));
    struct timespec soon = in_ms(30);
    CHECK(mq_timedsend(q, "m", 1, 0, &soon));
    CHECK(mq_timedsend(q, "m", 1, 0, &badts));
    CHECK(mq_timedsend(q, "m", 1, 0, &negts));
    CHECK(syscall(SYS_mq_timedsend, q, "m", 1, 0, (void *)8));
    for (int i = 0; i < 10; i++) mq_receive(q, msg, sizeof msg, NULL);
    CHECK(mq_timedreceive(q, msg, sizeof msg, NULL, &past));
    soon = in_ms(30);
    CHECK(mq_timedreceive(q, msg, sizeof msg, NULL, &soon));
    CHECK(mq_timedreceive(q, msg, sizeof msg, NULL, &badts));
    /* an invalid timeout is EINVAL before the fd is looked at */
    CHECK(mq_timedreceive(-1, msg, sizeof msg, NULL, &badts));

    /* a bad buffer: EFAULT, and the message is gone */
    CHECK(mq_send(q, "lost", 4, 0));
    CHECK(mq_receive(q, (char *)8, sizeof msg, NULL));
    show_attr("after EFAULT", q);
    CHECK(mq_send(q, (char *)8, 4, 0));
    CHECK(mq_send(q, (char *)8, 0, 0));
    CHECK(mq_receive(q, msg, sizeof msg, (unsigned *)8));
    show_attr("after bad prio pointer", q);
    CHECK(mq_close(q));
}

static void opens(void)
{
    struct mq_attr a = {.mq_maxmsg = 3, .mq_msgsize = 16};
    char msg[64];
    mqd_t q = CHECK_OK(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0640, &a));
    show_attr("3x16", q);
    CHECK(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0640, &a));
    /* existing: the attributes are not looked at */
    a.mq_maxmsg = -5;
    mqd_t r = CHECK_OK(mq_open(qname, O_RDONLY | O_CREAT, 0640, &a));
    show_attr("reopened", r);
    CHECK(mq_send(r, "x", 1, 0));
    mqd_t w = CHECK_OK(mq_open(qname, O_WRONLY));
    CHECK(mq_receive(w, msg, sizeof msg, NULL));
    CHECK(mq_send(w, "x", 1, 0));
    CHECK(mq_receive(r, msg, sizeof msg, NULL));
    CHECK(read(w, msg, sizeof msg));
    CHECK(mq_open(qname, O_RDWR | O_WRONLY));
    CHECK(mq_close(w));
    CHECK(mq_close(r));
    CHECK(mq_close(q));
    CHECK(mq_unlink(qname));

    /* EBADF */
    int p[2];
    pipe(p);
    CHECK(mq_send(p[1], "x", 1, 0));
    CHECK(mq_receive(p[0], msg, sizeof msg, NULL));
    CHECK(mq_getattr(p[0], &a));
    CHECK(mq_notify(p[0], NULL));
    CHECK(mq_send(999, "x", 1, 0));
    CHECK(mq_notify(999, NULL));
    close(p[0]);
    close(p[1]);

    /* names */
    CHECK(mq_open("noslash", O_RDWR | O_CREAT, 0600, NULL));
    CHECK(mq_open("/a/b", O_RDWR | O_CREAT, 0600, NULL));
    CHECK(syscall(SYS_mq_open, "", O_RDWR | O_CREAT, 0600, NULL));
    CHECK(syscall(SYS_mq_open, ".", O_RDWR | O_CREAT, 0600, NULL));
    CHECK(syscall(SYS_mq_open, "..", O_RDWR, 0600, NULL));
    CHECK(syscall(SYS_mq_open, (void *)8, O_RDWR, 0600, NULL));
    CHECK(syscall(SYS_mq_open, "x", O_RDWR | O_CREAT, 0600, (void *)8));
    CHECK(syscall(SYS_mq_unlink, ""));
    CHECK(syscall(SYS_mq_unlink, "a/b"));
    CHECK(syscall(SYS_mq_unlink, (void *)8));
    char longname[300];
    longname[0] = '/';
    memset(longname + 1, 'n', 256);
    longname[257] = 0;
    CHECK(mq_open(longname, O_RDWR | O_CREAT, 0600, NULL));
    longname[256] = 0;
    mqd_t l = CHECK_OK(mq_open(longname, O_RDWR | O_CREAT | O_EXCL, 0600, NULL));
    CHECK(mq_close(l));
    CHECK(mq_unlink(longname));
    CHECK(mq_open("/ak-mq-does-not-exist", O_RDWR));
    CHECK(mq_unlink("/ak-mq-does-not-exist"));

    /* attributes on creation */
    struct { long maxmsg, msgsize; } cases[] = {{0, 16}, {-1, 16}, {16, 0}, {1, -1}, {65536, 1}, {65537, 1},
                                                 {1, 16 << 20}, {1, (16 << 20) + 1}, {11, 8192}};
    for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct mq_attr c = {.mq_maxmsg = cases[i].maxmsg, .mq_msgsize = cases[i].msgsize};
        errno = 0;
        mqd_t x = mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0600, &c);
        printf("create maxmsg %ld msgsize %ld: %s\n", c.mq_maxmsg, c.mq_msgsize, x < 0 ? errname(errno) : "ok");
        if (x >= 0) { mq_close(x); mq_unlink(qname); }
    }
    /* the file type bits of the mode are ignored; the access mode 3 creates a queue no one can use */
    mqd_t f = CHECK_OK(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0644 | S_IFIFO, NULL));
    struct stat st;
    fstat(f, &st);
    printf("mode with S_IFIFO: %o\n", st.st_mode);
    CHECK(mq_close(f));
    CHECK(mq_unlink(qname));
    f = CHECK_OK(mq_open(qname, O_RDWR | O_WRONLY | O_CREAT | O_EXCL, 0600, NULL));
    CHECK(mq_send(f, "x", 1, 0));
    CHECK(mq_receive(f, msg, sizeof msg, NULL));
    show_attr("access mode 3", f);
    CHECK(mq_close(f));
    CHECK(mq_unlink(qname));
}

static void unlink_open(void)
{
    char msg[8192];
    mqd_t q = CHECK_OK(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0600, NULL));
    CHECK(mq_send(q, "kept", 4, 3));
    CHECK(mq_unlink(qname));
    CHECK(mq_unlink(qname));
    CHECK(mq_open(qname, O_RDWR));
    struct stat st;
    fstat(q, &st);
    printf("nlink after unlink: %ld\n", (long)st.st_nlink);
    char link[128], path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", q);
    ssize_t ln = readlink(path, link, sizeof link - 1);
    link[ln > 0 ? ln : 0] = 0;
    printf("fd link deleted: %s\n", strstr(link, " (deleted)") ? "yes" : link);
    /* a new queue of the same name is another queue */
    mqd_t q2 = CHECK_OK(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0600, NULL));
    show_attr("new one", q2);
    show_attr("old one", q);
    unsigned prio;
    ssize_t n = mq_receive(q, msg, sizeof msg, &prio);
    printf("old one gives: %zd '%.*s' %u\n", n, (int)(n > 0 ? n : 0), msg, prio);
    CHECK(mq_close(q));
    CHECK(mq_close(q2));
    CHECK(mq_unlink(qname));
}

static void readiness(void)
{
    struct mq_attr a = {.mq_maxmsg = 2, .mq_msgsize = 8};
    char msg[8];
    mqd_t q = CHECK_OK(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0600, &a));
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET}, out[2];
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q, &ev));
    for (int step = 0; step < 4; step++) {
        struct pollfd p = {.fd = q, .events = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM};
        CHECK(poll(&p, 1, 0));
        fd_set r, w;
        FD_ZERO(&r); FD_ZERO(&w);
        FD_SET(q, &r); FD_SET(q, &w);
        struct timeval tv = {0, 0};
        int s = select(q + 1, &r, &w, NULL, &tv);
        int e = epoll_wait(ep, out, 2, 0);
        printf("%d queued: poll %x select %d (r %d w %d) epoll %d %x\n", step, p.revents, s, FD_ISSET(q, &r), FD_ISSET(q, &w),
               e, e > 0 ? out[0].events : 0);
        if (step < 2) mq_send(q, "x", 1, 0);
        else mq_receive(q, msg, sizeof msg, NULL), mq_receive(q, msg, sizeof msg, NULL);
        if (step == 2) step = 9; /* stop after emptying */
    }
    struct pollfd p = {.fd = q, .events = POLLIN | POLLOUT};
    CHECK(poll(&p, 1, 0));
    printf("emptied: %x\n", p.revents);
    close(ep);
    CHECK(mq_close(q));
    CHECK(mq_unlink(qname));
}

static void notify(void)
{
    char msg[8192];
    struct sigaction sa = {.sa_sigaction = on_sig, .sa_flags = SA_SIGINFO};
    sigaction(SIGUSR1, &sa, NULL);
    mqd_t q = CHECK_OK(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0600, NULL));
    struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    sev.sigev_value.sival_int = 4242;
    CHECK(mq_notify(q, &sev));
    show_text("registered", q);
    CHECK(mq_notify(q, &sev));
    CHECK(mq_send(q, "a", 1, 0));
    printf("signal %d code %d (SI_MESGQ %d) value %d from self %d\n", (int)got_sig, (int)got_code, SI_MESGQ, (int)got_value, (int)got_pid_self);
    show_text("after firing", q);
    /* not empty: registering again and sending does not fire */
    got_sig = 0;
    CHECK(mq_notify(q, &sev));
    CHECK(mq_send(q, "b", 1, 0));
    printf("fired on a non-empty queue: %d\n", (int)got_sig);
    CHECK(mq_notify(q, NULL));
    show_text("unregistered", q);
    CHECK(mq_notify(q, NULL));
    mq_receive(q, msg, sizeof msg, NULL);
    mq_receive(q, msg, sizeof msg, NULL);

    /* SIGEV_NONE: registered, nothing sent, registration gone after the message */
    struct sigevent none = {.sigev_notify = SIGEV_NONE};
    CHECK(mq_notify(q, &none));
    show_text("SIGEV_NONE", q);
    CHECK(mq_send(q, "c", 1, 0));
    show_text("SIGEV_NONE fired", q);
    mq_receive(q, msg, sizeof msg, NULL);

    /* errors */
    struct sigevent bad = {.sigev_notify = 99};
    CHECK(mq_notify(q, &bad));
    bad.sigev_notify = SIGEV_SIGNAL;
    bad.sigev_signo = 65;
    CHECK(mq_notify(q, &bad));
    bad.sigev_signo = -1;
    CHECK(mq_notify(q, &bad));
    bad.sigev_signo = 0;
    CHECK(mq_notify(q, &bad));
    show_text("signal 0", q);
    CHECK(mq_notify(q, NULL));
    CHECK(syscall(SYS_mq_notify, q, (void *)8));
    struct sigevent thr = {.sigev_notify = SIGEV_THREAD};
    CHECK(syscall(SYS_mq_notify, q, &thr));
    char cookie[32] = {0};
    thr.sigev_value.sival_ptr = cookie;
    thr.sigev_signo = q;
    CHECK(syscall(SYS_mq_notify, q, &thr));
    thr.sigev_signo = 0;
    CHECK(syscall(SYS_mq_notify, q, &thr));
    thr.sigev_signo = 999;
    CHECK(syscall(SYS_mq_notify, q, &thr));

    /* a close of any fd of the queue by the registered process removes it */
    mqd_t other = CHECK_OK(mq_open(qname, O_RDONLY));
    CHECK(mq_notify(q, &sev));
    CHECK(mq_close(other));
    show_text("after closing another fd", q);

    /* a child cannot take over the registration; it may send, and the parent hears */
    CHECK(mq_notify(q, &sev));
    got_sig = 0;
    pid_t c = fork();
    if (c == 0) {
        struct sigevent s2 = {.sigev_notify = SIGEV_NONE};
        printf("child: register: %s\n", mq_notify(q, &s2) == 0 ? "ok" : errname(errno));
        printf("child: unregister (ignored): %s\n", mq_notify(q, NULL) == 0 ? "ok" : errname(errno));
        mq_close(q); /* not the owner: the registration stays */
        _exit(0);
    }
    waitpid(c, NULL, 0);
    show_text("after the child", q);
    c = fork();
    if (c == 0) {
        mqd_t cq = mq_open(qname, O_WRONLY);
        mq_send(cq, "from child", 10, 0);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    printf("signal from the child: %d code %d from self %d\n", (int)got_sig, (int)got_code, (int)got_pid_self);
    mq_receive(q, msg, sizeof msg, NULL);

    /* SIGEV_THREAD: glibc's helper thread and netlink socket */
    sem_init(&thread_sem, 0, 0);
    struct sigevent st = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = on_thread};
    st.sigev_value.sival_int = 77;
    CHECK(mq_notify(q, &st));
    show_text("SIGEV_THREAD", q);
    CHECK(mq_send(q, "t", 1, 0));
    struct timespec dl = in_ms(5000);
    CHECK(sem_timedwait(&thread_sem, &dl));
    printf("thread got %d\n", thread_value);
    show_text("SIGEV_THREAD fired", q);
    CHECK(mq_close(q));
    CHECK(mq_unlink(qname));
}

static int count_queues_until_error(const char *tag, struct mq_attr *a, int *err)
{
    char n[64];
    int i;
    for (i = 0; i < 1000; i++) {
        snprintf(n, sizeof n, "/ak-mq-%s-%d-%d", tag, (int)getpid(), i);
        mqd_t x = mq_open(n, O_RDWR | O_CREAT | O_EXCL, 0600, a);
        if (x < 0) { *err = errno; break; }
        mq_close(x);
    }
    for (int j = 0; j < i; j++) {
        snprintf(n, sizeof n, "/ak-mq-%s-%d-%d", tag, (int)getpid(), j);
        mq_unlink(n);
    }
    return i;
}

static void limits(void)
{
    const char *files[] = {"msg_max", "msgsize_max", "queues_max", "msg_default", "msgsize_default"};
    char path[128];
    for (unsigned i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "/proc/sys/fs/mqueue/%s", files[i]);
        slurp(path);
        printf("%s: %s", files[i], buf);
    }
    mqd_t q = CHECK_OK(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0600, NULL));
    CHECK(mq_send(q, "root's", 6, 0));
    pid_t c = fork();
    if (c == 0) {
        /* without CAP_SYS_RESOURCE: the sysctl limits, the mode bits, the sticky directory */
        setgid(65534);
        if (setuid(65534) != 0) { printf("setuid: %s\n", errname(errno)); _exit(1); }
        CHECK(mq_open(qname, O_RDONLY));
        CHECK(mq_unlink(qname));
        struct mq_attr big = {.mq_maxmsg = 11, .mq_msgsize = 8};
        CHECK(mq_open(qname2, O_RDWR | O_CREAT | O_EXCL, 0600, &big));
        big.mq_maxmsg = 10;
        big.mq_msgsize = 8193;
        CHECK(mq_open(qname2, O_RDWR | O_CREAT | O_EXCL, 0600, &big));
        /* RLIMIT_MSGQUEUE: a default queue is charged 81920 bytes plus 48 per message and per priority slot */
        struct rlimit rl = {82880, 82880};
        CHECK(setrlimit(RLIMIT_MSGQUEUE, &rl));
        mqd_t a = CHECK_OK(mq_open(qname2, O_RDWR | O_CREAT | O_EXCL, 0600, NULL));
        char n3[64];
        mkname(n3, "third");
        struct mq_attr one = {.mq_maxmsg = 1, .mq_msgsize = 1};
        CHECK(mq_open(n3, O_RDWR | O_CREAT | O_EXCL, 0600, &one));
        CHECK(mq_unlink(qname2));
        printf("still open after unlink keeps the charge: %s\n", mq_open(n3, O_RDWR | O_CREAT | O_EXCL, 0600, &one) < 0 ? errname(errno) : "ok");
        CHECK(mq_close(a));
        mqd_t b = CHECK_OK(mq_open(n3, O_RDWR | O_CREAT | O_EXCL, 0600, &one));
        mq_close(b);
        CHECK(mq_unlink(n3));
        /* queues_max: 256 queues, then ENOSPC */
        rl.rlim_cur = rl.rlim_max = 819200;
        setrlimit(RLIMIT_MSGQUEUE, &rl);
        int err = 0;
        int made = count_queues_until_error("many", &one, &err);
        printf("queues made before %s: %d\n", errname(err), made);
        _exit(0);
    }
    int status;
    waitpid(c, &status, 0);
    printf("child exit %d\n", WEXITSTATUS(status));
    CHECK(mq_close(q));
    CHECK(mq_unlink(qname));
}

static void mounted(void)
{
    char dir[] = "/tmp/ak-mq-mnt-XXXXXX";
    /* Natively this runs as root on the host: mount only in a private mount namespace of this process, which
     * goes away with it even if the case dies half-way (in the sandbox the mounts are the sandbox's anyway). */
    if (unshare(CLONE_NEWNS) == 0) mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    if (!mkdtemp(dir)) { printf("mkdtemp: %s\n", errname(errno)); return; }
    mqd_t q = CHECK_OK(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0640, NULL));
    CHECK(mq_send(q, "12345", 5, 0));
    CHECK(mount("none", dir, "mqueue", 0, ""));
    struct statfs sf;
    CHECK(statfs(dir, &sf));
    printf("f_type %lx\n", (unsigned long)sf.f_type);
    struct stat st;
    CHECK(stat(dir, &st));
    printf("root mode %o\n", st.st_mode);
    char path[256];
    snprintf(path, sizeof path, "%s%s", dir, qname);
    CHECK(stat(path, &st));
    printf("queue file mode %o size %ld\n", st.st_mode, (long)st.st_size);
    DIR *d = opendir(dir);
    int seen = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, qname + 1) == 0) seen = de->d_type;
    closedir(d);
    printf("listed as type %d\n", seen);
    slurp(path);
    printf("read through the mount: %s", buf);
    int fd = CHECK_OK(open(path, O_RDONLY));
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
    CHECK(poll(&p, 1, 0));
    printf("poll through the mount: %x\n", p.revents);
    char msg[8192];
    CHECK(mq_receive(fd, msg, sizeof msg, NULL));
    close(fd);
    CHECK(chmod(path, 0600));
    fstat(q, &st);
    printf("mode after chmod: %o\n", st.st_mode);
    fd = CHECK_OK(open(path, O_WRONLY));
    CHECK(write(fd, "x", 1));
    close(fd);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    CHECK(mkdir(sub, 0755));
    CHECK(symlink("x", sub));
    CHECK(rmdir(path));
    CHECK(unlink(path));
    CHECK(mq_unlink(qname));
    CHECK(mq_close(q));
    /* open(O_CREAT) in the mount makes a queue with the default attributes */
    snprintf(path, sizeof path, "%s%s", dir, qname2);
    fd = CHECK_OK(open(path, O_RDWR | O_CREAT | O_EXCL, 0600));
    show_attr("made by open", fd);
    CHECK(mq_send(fd, "z", 1, 0));
    mqd_t q2 = CHECK_OK(mq_open(qname2, O_RDONLY));
    show_attr("seen by mq_open", q2);
    close(fd);
    mq_close(q2);
    CHECK(mq_unlink(qname2));
    CHECK(umount2(dir, 0));
    CHECK(rmdir(dir));
}

/* The host's root may lack CAP_SYS_RESOURCE (which lifts the sysctl limits): drop it so both runs agree. */
static void drop_sys_resource(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0) return;
    d[0].effective &= ~(1u << CAP_SYS_RESOURCE);
    d[0].permitted &= ~(1u << CAP_SYS_RESOURCE);
    if (syscall(SYS_capset, &h, d) != 0) printf("capset: %s\n", errname(errno));
}

int main(void)
{
    drop_sys_resource();
    mkname(qname, "q");
    mkname(qname2, "r");
    basics();
    opens();
    unlink_open();
    readiness();
    notify();
    limits();
    mounted();
    return 0;
}
