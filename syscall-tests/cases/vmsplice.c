/* vmsplice(2): user memory into a pipe through its write end (several iovecs,
 * as much as the free slots take), a pipe into user iovecs through its read
 * end; EBADF for non-pipes and unusable fds, EINVAL for flags and iovec
 * counts; EFAULT for a bad buffer with nothing lost (a bad iovec after good
 * ones ends the call with what was moved); EAGAIN with SPLICE_F_NONBLOCK;
 * EPIPE without readers; 0 for an empty iovec list and at end of file. */
#include "common.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>

static void drain(const char *label, int fd)
{
    char b[256];
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    ssize_t n = read(fd, b, sizeof b);
    fcntl(fd, F_SETFL, fl);
    printf("%s: %zd '%.*s'\n", label, n, (int)(n > 0 ? n : 0), b);
}

static volatile int sigpipes;
static void on_pipe(int s) { (void)s; sigpipes++; }

int main(void)
{
    int p[2];
    CHECK(pipe(p));
    char one[] = "first ", two[] = "second";
    struct iovec in[2] = {{one, 6}, {two, 6}};
    CHECK(vmsplice(p[1], in, 2, 0));
    drain("in the pipe", p[0]);

    /* out of the pipe into iovecs */
    CHECK(write(p[1], "abcdefghij", 10));
    char x[4] = {0}, y[4] = {0};
    struct iovec outv[2] = {{x, 3}, {y, 3}};
    CHECK(vmsplice(p[0], outv, 2, 0));
    printf("x '%s' y '%s'\n", x, y);
    drain("left", p[0]);

    /* errors */
    CHECK(vmsplice(p[1], in, 1, 0x10));
    CHECK(vmsplice(-1, in, 1, 0));
    CHECK(vmsplice(p[1], in, 1025, 0));
    CHECK(vmsplice(p[1], (struct iovec *)8, 1, 0));
    CHECK(vmsplice(p[1], in, 0, 0));
    int f = CHECK_OK(open("/dev/null", O_RDWR));
    CHECK(vmsplice(f, in, 1, 0));
    CHECK(vmsplice(f, in, 0, 0));
    close(f);
    int path = CHECK_OK(open("/", O_PATH));
    CHECK(vmsplice(path, in, 1, 0));
    close(path);

    /* bad buffers: EFAULT and nothing moved */
    struct iovec bad = {(void *)8, 10};
    CHECK(vmsplice(p[1], &bad, 1, 0));
    drain("after EFAULT in", p[0]);
    CHECK(write(p[1], "kept", 4));
    CHECK(vmsplice(p[0], &bad, 1, 0));
    drain("after EFAULT out", p[0]);
    /* good then bad: what was moved */
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(m + 4096, 4096);
    memcpy(m + 4096 - 5, "tail!", 5);
    struct iovec gb[2] = {{m + 4096 - 5, 5}, {(void *)8, 10}};
    CHECK(vmsplice(p[1], gb, 2, 0));
    drain("good then bad", p[0]);
    struct iovec span = {m + 4096 - 5, 10};
    CHECK(vmsplice(p[1], &span, 1, 0));
    drain("up to the hole", p[0]);

    /* empty pipe: EAGAIN with SPLICE_F_NONBLOCK */
    CHECK(vmsplice(p[0], outv, 2, SPLICE_F_NONBLOCK));
    /* full pipe: EAGAIN with SPLICE_F_NONBLOCK */
    CHECK(fcntl(p[1], F_SETPIPE_SZ, 4096));
    char page[4096];
    memset(page, 'q', sizeof page);
    CHECK(write(p[1], page, sizeof page));
    CHECK(vmsplice(p[1], in, 1, SPLICE_F_NONBLOCK));
    /* a whole pipe's worth out in one call */
    char all[8192];
    struct iovec allv = {all, sizeof all};
    CHECK(vmsplice(p[0], &allv, 1, 0));
    /* as much as the free slots take */
    CHECK(fcntl(p[1], F_SETPIPE_SZ, 16384));
    char *big = mmap(NULL, 32768, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(big, 'b', 32768);
    struct iovec bigv = {big, 32768};
    CHECK(vmsplice(p[1], &bigv, 1, SPLICE_F_NONBLOCK));
    char sink[32768];
    CHECK(read(p[0], sink, sizeof sink));

    /* end of file: 0; no readers: EPIPE and SIGPIPE */
    close(p[1]);
    CHECK(vmsplice(p[0], outv, 2, 0));
    close(p[0]);
    CHECK(pipe(p));
    signal(SIGPIPE, on_pipe);
    close(p[0]);
    CHECK(vmsplice(p[1], in, 1, 0));
    printf("SIGPIPE: %d\n", sigpipes);
    close(p[1]);
    return 0;
}
