/* tee(2): duplicates a pipe's contents into another pipe without taking them;
 * EINVAL for non-pipes, the same pipe and unknown flags; EBADF for the wrong
 * ends; 0 for len 0 and at end of file; EAGAIN with SPLICE_F_NONBLOCK or an
 * O_NONBLOCK end; EPIPE (and SIGPIPE) without readers; a blocked tee woken by
 * a writer; tee then splice (the classic "tee a stream to a file" loop). */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

static void drain(const char *label, int fd)
{
    char b[256];
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    ssize_t n = read(fd, b, sizeof b);
    fcntl(fd, F_SETFL, fl);
    printf("%s: %zd '%.*s'\n", label, n, (int)(n > 0 ? n : 0), b);
}

static int late_writer_fd;
static void *late_writer(void *arg)
{
    (void)arg;
    usleep(50000);
    write(late_writer_fd, "late", 4);
    return NULL;
}

static volatile int sigpipes;
static void on_pipe(int s) { (void)s; sigpipes++; }

int main(void)
{
    int a[2], b[2];
    CHECK(pipe(a));
    CHECK(pipe(b));
    CHECK(write(a[1], "hello world", 11));
    CHECK(tee(a[0], b[1], 5, 0));
    CHECK(tee(a[0], b[1], 100, 0));
    drain("copy", b[0]);
    drain("original kept", a[0]);

    /* len 0 answers 0 before looking at the fds */
    CHECK(tee(-1, -1, 0, 0));
    CHECK(tee(a[0], b[1], 1, 0x10));
    CHECK(tee(-1, b[1], 1, 0));
    CHECK(tee(a[0], -1, 1, 0));
    CHECK(tee(a[1], b[1], 1, 0));
    CHECK(tee(a[0], b[0], 1, 0));
    CHECK(tee(a[0], a[1], 1, 0));
    int f = CHECK_OK(open("/dev/null", O_RDWR));
    CHECK(tee(a[0], f, 1, 0));
    CHECK(tee(f, b[1], 1, 0));
    close(f);

    /* empty input: EAGAIN when not blocking */
    CHECK(tee(a[0], b[1], 10, SPLICE_F_NONBLOCK));
    fcntl(a[0], F_SETFL, O_NONBLOCK);
    CHECK(tee(a[0], b[1], 10, 0));
    fcntl(a[0], F_SETFL, 0);
    fcntl(b[1], F_SETFL, O_NONBLOCK);
    CHECK(tee(a[0], b[1], 10, 0));
    fcntl(b[1], F_SETFL, 0);

    /* a blocked tee is woken by a writer */
    late_writer_fd = a[1];
    pthread_t t;
    pthread_create(&t, NULL, late_writer, NULL);
    CHECK(tee(a[0], b[1], 10, 0));
    pthread_join(t, NULL);
    drain("woken copy", b[0]);
    drain("woken original", a[0]);

    /* full output: EAGAIN when not blocking */
    CHECK(fcntl(b[1], F_SETPIPE_SZ, 4096));
    char page[4096];
    memset(page, 'p', sizeof page);
    CHECK(write(b[1], page, sizeof page));
    CHECK(write(a[1], "x", 1));
    CHECK(tee(a[0], b[1], 1, SPLICE_F_NONBLOCK));
    char big[8192];
    CHECK(read(b[0], big, sizeof big));
    drain("x still there", a[0]);

    /* output without readers: EPIPE and SIGPIPE */
    signal(SIGPIPE, on_pipe);
    CHECK(write(a[1], "y", 1));
    close(b[0]);
    CHECK(tee(a[0], b[1], 1, 0));
    printf("SIGPIPE: %d\n", sigpipes);
    drain("y still there", a[0]);
    close(b[1]);

    /* input without writers and empty: 0 */
    CHECK(pipe(b));
    close(a[1]);
    CHECK(tee(a[0], b[1], 10, 0));
    close(a[0]);

    /* tee + splice: copy a stream to a file while passing it on */
    CHECK(pipe(a));
    const char *path = scratch_path("tee");
    int out = CHECK_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    CHECK(write(a[1], "stream data", 11));
    long n = CHECK(tee(a[0], b[1], 64, 0));
    CHECK(splice(a[0], NULL, out, NULL, n, 0));
    char fb[32] = {0};
    pread(out, fb, sizeof fb - 1, 0);
    printf("file: '%s'\n", fb);
    drain("passed on", b[0]);
    drain("input consumed", a[0]);
    close(out);
    unlink(path);
    return 0;
}
