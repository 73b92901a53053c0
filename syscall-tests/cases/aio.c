/* Linux AIO as databases use it: io_setup's rules and the ring header (libaio reads it), PREAD/PWRITE/PREADV/
 * PWRITEV/FSYNC/FDSYNC/POLL with IOCB_FLAG_RESFD, errors at submit (no event) and in the event, io_getevents'
 * min_nr/nr/timeout and its wake-up by another thread, reaping from the ring in user space, io_cancel,
 * io_destroy (waking a waiter), io_pgetevents' mask, EAGAIN when the ring is full, and fork (the child has no
 * context). */
#include "common.h"
#include <linux/aio_abi.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

struct aio_ring {
    unsigned id, nr, head, tail, magic, compat_features, incompat_features, header_length;
    struct io_event io_events[];
};

static long io_setup(unsigned n, aio_context_t *c) { return syscall(SYS_io_setup, n, c); }
static long io_destroy(aio_context_t c) { return syscall(SYS_io_destroy, c); }
static long io_submit(aio_context_t c, long n, struct iocb **cbs) { return syscall(SYS_io_submit, c, n, cbs); }
static long io_getevents(aio_context_t c, long min, long n, struct io_event *ev, struct timespec *ts)
{
    return syscall(SYS_io_getevents, c, min, n, ev, ts);
}
static long io_cancel(aio_context_t c, struct iocb *cb, struct io_event *ev) { return syscall(SYS_io_cancel, c, cb, ev); }

static struct iocb mk(int op, int fd, void *buf, size_t n, off_t off, unsigned long data)
{
    struct iocb cb = { .aio_data = data, .aio_lio_opcode = op, .aio_fildes = fd, .aio_buf = (unsigned long)buf,
                       .aio_nbytes = n, .aio_offset = off };
    return cb;
}

static int by_data(const void *a, const void *b)
{
    const struct io_event *x = a, *y = b;
    return x->data < y->data ? -1 : x->data > y->data;
}

/* Prints events in the order of their data: Linux completes syncs from a worker, so the ring's order varies. */
static void show(struct io_event *ev, long n, struct iocb **cbs, int ncb)
{
    qsort(ev, n, sizeof *ev, by_data);
    for (long i = 0; i < n; i++) {
        int which = -1;
        for (int j = 0; j < ncb; j++) if (ev[i].obj == (unsigned long)cbs[j]) which = j;
        if (ev[i].res < 0) printf("  event data %llu iocb #%d res %s res2 %lld\n", ev[i].data, which, errname(-ev[i].res), ev[i].res2);
        else printf("  event data %llu iocb #%d res %lld res2 %lld\n", ev[i].data, which, ev[i].res, ev[i].res2);
    }
}

static aio_context_t ctx;

static void *late_writer(void *a)
{
    usleep(50000);
    write(*(int *)a, "x", 1);
    return NULL;
}

static long waiter_result;
static int waiter_errno;

static void *waiter(void *a)
{
    (void)a;
    struct io_event ev[1];
    long r = io_getevents(ctx, 1, 1, ev, NULL);
    waiter_errno = r < 0 ? errno : 0;
    waiter_result = r;
    return NULL;
}

static void on_usr1(int s) { (void)s; }

int main(void)
{
    aio_context_t c = 0;
    CHECK(io_setup(0, &c));
    c = 1;
    CHECK(io_setup(8, &c));
    CHECK(io_setup(8, NULL));
    c = 0;
    CHECK(io_setup(0x7fffffff, &c));
    CHECK(io_setup(65537, &c));
    CHECK(io_submit(0, 1, NULL));
    CHECK(io_destroy(0));
    CHECK(io_destroy(12345));

    ctx = 0;
    CHECK(io_setup(128, &ctx));
    struct aio_ring *ring = (void *)ctx;
    printf("ring: id %u nr>=256 %d head %u tail %u magic %#x compat %u incompat %u header %u\n", ring->id, ring->nr >= 256,
           ring->head, ring->tail, ring->magic, ring->compat_features, ring->incompat_features, ring->header_length);
    slurp("/proc/self/maps");
    printf("maps shows /[aio]: %d\n", strstr(buf, "/[aio] (deleted)") != NULL);

    const char *path = scratch_path("aio");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    int efd = eventfd(0, EFD_NONBLOCK);
    char wbuf[] = "hello, aio world", rbuf[32] = {0}, r1[6] = {0}, r2[8] = {0};
    struct iovec iov[2] = { { r1, 5 }, { r2, 7 } };
    struct iocb w = mk(IOCB_CMD_PWRITE, fd, wbuf, 16, 0, 1);
    w.aio_flags = IOCB_FLAG_RESFD;
    w.aio_resfd = efd;
    w.aio_key = 99;
    struct iocb r = mk(IOCB_CMD_PREAD, fd, rbuf, 32, 7, 2);
    struct iocb rv = mk(IOCB_CMD_PREADV, fd, iov, 2, 0, 3);
    struct iocb fs = mk(IOCB_CMD_FSYNC, fd, 0, 0, 0, 4);
    struct iocb fds = mk(IOCB_CMD_FDSYNC, fd, 0, 0, 0, 5);
    struct iocb *cbs[] = { &w, &r, &rv, &fs, &fds };
    CHECK(io_submit(ctx, 5, cbs));
    printf("aio_key written: %u\n", w.aio_key);
    struct io_event ev[16];
    CHECK(io_getevents(ctx, 5, 16, ev, NULL));
    show(ev, 5, cbs, 5);
    printf("read %s / %s %s\n", rbuf, r1, r2);
    uint64_t cnt = 0;
    CHECK(read(efd, &cnt, 8));
    printf("eventfd count %llu\n", (unsigned long long)cnt);

    /* errors at submit: no event; errors of the I/O: an event */
    struct iocb bad[8];
    bad[0] = mk(IOCB_CMD_PREAD, 999, rbuf, 1, 0, 10);
    bad[1] = mk(IOCB_CMD_PREAD, fd, rbuf, 1, -1, 11);
    bad[2] = mk(6 /* NOOP */, fd, rbuf, 1, 0, 12);
    bad[3] = mk(IOCB_CMD_PREAD, fd, rbuf, 1, 0, 13); bad[3].aio_reserved2 = 1;
    bad[4] = mk(IOCB_CMD_PREAD, fd, rbuf, 1, 0, 14); bad[4].aio_flags = IOCB_FLAG_RESFD; bad[4].aio_resfd = fd;
    bad[5] = mk(IOCB_CMD_FSYNC, fd, rbuf, 1, 0, 15);
    bad[6] = mk(IOCB_CMD_PREADV, fd, (void *)8, 1, 0, 16);
    bad[7] = mk(IOCB_CMD_PREAD, fd, rbuf, 1, 0, 17); bad[7].aio_rw_flags = 0x80000000;
    for (int i = 0; i < 8; i++) {
        struct iocb *p = &bad[i];
        printf("bad %d: ", i);
        CHECK(io_submit(ctx, 1, &p));
    }
    struct iocb *pnull = NULL;
    CHECK(io_submit(ctx, 1, &pnull));
    CHECK(io_submit(ctx, 1, (struct iocb **)8));
    CHECK(io_submit(ctx, -1, cbs));
    CHECK(io_submit(ctx, 0, cbs));
    int ro = open(path, O_RDONLY);
    struct iocb wro = mk(IOCB_CMD_PWRITE, ro, wbuf, 1, 0, 20), *pwro = &wro;
    CHECK(io_submit(ctx, 1, &pwro));
    struct iocb rfault = mk(IOCB_CMD_PREAD, fd, (void *)4096, 4, 0, 21), *prf = &rfault;
    CHECK(io_submit(ctx, 1, &prf));
    struct timespec zero = { 0, 0 };
    CHECK(io_getevents(ctx, 0, 16, ev, &zero));
    show(ev, 1, &prf, 1);
    CHECK(io_getevents(ctx, 0, 16, ev, &zero));

    /* io_getevents rules and timeouts */
    CHECK(io_getevents(ctx, 2, 1, ev, NULL));
    CHECK(io_getevents(ctx, -1, 1, ev, NULL));
    CHECK(io_getevents(ctx, 1, 1, ev, (struct timespec *)8));
    struct timespec short_ts = { 0, 20000000 };
    CHECK(io_getevents(ctx, 1, 1, ev, &short_ts));
    CHECK(io_getevents(ctx, 0, 1, ev, NULL));
    CHECK(io_getevents(ctx, 1, 1, (struct io_event *)8, &zero));

    /* POLL on a pipe: not ready at submit, completed by a write from another thread; cancel of a pending poll */
    int p[2];
    pipe(p);
    struct iocb pl = mk(IOCB_CMD_POLL, p[0], (void *)POLLIN, 0, 0, 30), *ppl = &pl;
    CHECK(io_submit(ctx, 1, &ppl));
    CHECK(io_getevents(ctx, 1, 1, ev, &zero));
    pthread_t th;
    pthread_create(&th, NULL, late_writer, &p[1]);
    CHECK(io_getevents(ctx, 1, 1, ev, NULL));
    show(ev, 1, &ppl, 1);
    pthread_join(th, NULL);
    CHECK(io_cancel(ctx, &pl, ev));                 /* completed already */
    int q[2];
    pipe(q);
    struct iocb pl2 = mk(IOCB_CMD_POLL, q[0], (void *)POLLIN, 0, 0, 31), *ppl2 = &pl2;
    CHECK(io_submit(ctx, 1, &ppl2));
    CHECK(io_cancel(ctx, &pl2, ev));
    CHECK(io_getevents(ctx, 1, 1, ev, NULL));
    show(ev, 1, &ppl2, 1);
    pl2.aio_key = 5;
    CHECK(io_cancel(ctx, &pl2, ev));
    struct iocb pbad = mk(IOCB_CMD_POLL, q[0], (void *)0x10000, 0, 0, 32), *ppbad = &pbad;
    CHECK(io_submit(ctx, 1, &ppbad));
    struct iocb pready = mk(IOCB_CMD_POLL, p[1], (void *)(POLLOUT | POLLIN), 0, 0, 33), *ppready = &pready;
    CHECK(io_submit(ctx, 1, &ppready));
    CHECK(io_getevents(ctx, 1, 1, ev, NULL));
    show(ev, 1, &ppready, 1);

    /* reaping in user space, as libaio's callers may: the ring's head moves */
    struct iocb u = mk(IOCB_CMD_PREAD, fd, rbuf, 4, 0, 40), *pu = &u;
    CHECK(io_submit(ctx, 1, &pu));
    printf("user reap: %u event(s), data %llu\n", (ring->tail - ring->head + ring->nr) % ring->nr, ring->io_events[ring->head].data);
    ring->head = (ring->head + 1) % ring->nr;
    CHECK(io_getevents(ctx, 0, 1, ev, &zero));

    /* the ring fills: EAGAIN (after at least what io_setup asked for) */
    struct iocb fill = mk(IOCB_CMD_FSYNC, fd, 0, 0, 0, 50), *pf = &fill;
    long ok = 0;
    while (io_submit(ctx, 1, &pf) == 1) ok++;
    printf("filled: at least 128 %d, then %s\n", ok >= 128, errname(errno));
    CHECK(io_destroy(ctx));

    /* io_pgetevents with a mask; a signal interrupts io_getevents */
    ctx = 0;
    CHECK(io_setup(4, &ctx));
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    struct { sigset_t *set; size_t sz; } sig = { &none, 8 };
    CHECK(syscall(SYS_io_pgetevents, ctx, 1, 1, ev, &short_ts, &sig));
    sig.sz = 4;
    CHECK(syscall(SYS_io_pgetevents, ctx, 1, 1, ev, &short_ts, &sig));
    CHECK(syscall(SYS_io_pgetevents, ctx, 1, 1, ev, &short_ts, NULL));
    timer_t tm;
    struct sigevent se = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
    timer_create(CLOCK_MONOTONIC, &se, &tm);
    struct itimerspec its = { .it_value = { 0, 30000000 } };
    timer_settime(tm, 0, &its, NULL);
    CHECK(io_getevents(ctx, 1, 1, ev, NULL));
    timer_delete(tm);
    unsigned nr = ((struct aio_ring *)ctx)->nr;

    /* fork: the child has no context */
    pid_t ch = fork();
    if (ch == 0) {
        struct iocb cc = mk(IOCB_CMD_FSYNC, fd, 0, 0, 0, 60), *pcc = &cc;
        printf("child: ");
        CHECK(io_submit(ctx, 1, &pcc));
        slurp("/proc/self/maps");
        printf("child: maps shows /[aio]: %d\n", strstr(buf, "/[aio]") != NULL);
        _exit(0);
    }
    int st;
    waitpid(ch, &st, 0);

    /* mremap moves the context; the old address is no context any more */
    size_t sz = ((sizeof(struct aio_ring) + nr * sizeof(struct io_event)) + 4095) & ~4095ul;
    void *dst = mmap(NULL, sz + 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_PTR(mremap((void *)ctx, sz, sz + 4096, MREMAP_MAYMOVE | MREMAP_FIXED, dst));
    CHECK_PTR(mremap((void *)ctx, sz, sz, MREMAP_MAYMOVE | MREMAP_FIXED, dst));
    CHECK(io_submit(ctx, 1, &pf));
    aio_context_t old = ctx;
    ctx = (aio_context_t)dst;
    CHECK(io_submit(ctx, 1, &pf));
    CHECK(io_getevents(ctx, 1, 1, ev, NULL));
    (void)old;

    /* io_destroy wakes a waiter; the ring goes */
    pthread_create(&th, NULL, waiter, NULL);
    usleep(50000);
    CHECK(io_destroy(ctx));
    pthread_join(th, NULL);
    printf("  waiter: %ld %s\n", waiter_result, errname(waiter_errno));
    CHECK(io_destroy(ctx));
    CHECK(io_submit(ctx, 1, &pf));
    slurp("/proc/self/maps");
    printf("maps shows /[aio]: %d\n", strstr(buf, "/[aio]") != NULL);

    /* contexts count against aio-max-nr */
    aio_context_t a = 0, b = 0;
    CHECK(io_setup(40000, &a));
    CHECK(io_setup(40000, &b));
    CHECK(io_destroy(a));
    unlink(path);
    return 0;
}
