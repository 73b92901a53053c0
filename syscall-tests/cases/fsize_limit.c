/* RLIMIT_FSIZE: a write to a regular file is cut at the limit; one at or past
 * it is EFBIG with SIGXFSZ (pwrite, O_APPEND, writev, splice from a pipe — which
 * then keeps its data —, sendfile); pipes are not limited; truncate, ftruncate and fallocate past it are EFBIG
 * with SIGXFSZ too. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <sys/wait.h>

static volatile int xfsz;
static void on_xfsz(int s) { (void)s; xfsz++; }

static int body(void);

/* stdout may be a file (the native run's), which the limit would cut: the body writes into a pipe. */
int main(void)
{
    int out[2];
    pipe(out);
    pid_t c = fork();
    if (c == 0) {
        dup2(out[1], 1);
        close(out[0]);
        _exit(body());
    }
    close(out[1]);
    char b[4096];
    ssize_t n;
    while ((n = read(out[0], b, sizeof b)) > 0) fwrite(b, 1, n, stdout);
    int st;
    waitpid(c, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));
    return 0;
}

static int body(void)
{
    signal(SIGXFSZ, on_xfsz);
    const char *path = scratch_path("fsize");
    int fd = CHECK_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    struct rlimit rl = {10, 10};
    CHECK(setrlimit(RLIMIT_FSIZE, &rl));
    CHECK(write(fd, "0123456789abcdef", 16));
    CHECK(write(fd, "x", 1));
    printf("SIGXFSZ: %d\n", xfsz);
    CHECK(write(fd, "", 0));
    CHECK(pwrite(fd, "yy", 2, 9));
    CHECK(pwrite(fd, "yy", 2, 10));
    struct iovec v[2] = {{"ab", 2}, {"cd", 2}};
    CHECK(pwritev(fd, v, 2, 8));
    int ap = CHECK_OK(open(path, O_WRONLY | O_APPEND));
    CHECK(write(ap, "z", 1));
    close(ap);
    printf("SIGXFSZ: %d\n", xfsz);
    int p[2];
    CHECK(pipe(p));
    CHECK(write(p[1], "pipe data", 9));
    CHECK(lseek(fd, 20, SEEK_SET));
    CHECK(splice(p[0], NULL, fd, NULL, 9, 0));
    char b[16] = {0};
    CHECK(read(p[0], b, sizeof b));
    printf("pipe kept '%s'\n", b);
    int src = CHECK_OK(open(path, O_RDONLY));
    CHECK(sendfile(fd, src, NULL, 5));
    close(src);
    printf("SIGXFSZ: %d\n", xfsz);
    struct stat st;
    fstat(fd, &st);
    printf("size %ld\n", (long)st.st_size);
    /* growing past it by truncate, ftruncate or fallocate: EFBIG and SIGXFSZ, as from the caller itself */
    signal(SIGXFSZ, SIG_DFL);
    sigset_t xm;
    sigemptyset(&xm);
    sigaddset(&xm, SIGXFSZ);
    sigprocmask(SIG_BLOCK, &xm, NULL);
    struct timespec zero = { 0, 0 };
    siginfo_t si;
    CHECK(ftruncate(fd, 1 << 20));
    CHECK(sigtimedwait(&xm, &si, &zero));
    printf("si_code SI_USER %d, si_pid ours %d\n", si.si_code == SI_USER, si.si_pid == getpid());
    CHECK(truncate(path, 1 << 20));
    CHECK(sigtimedwait(&xm, &si, &zero));
    CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1 << 20));
    CHECK(sigtimedwait(&xm, &si, &zero));
    CHECK(ftruncate(fd, 10));
    CHECK(sigtimedwait(&xm, &si, &zero));
    close(fd);
    close(p[0]);
    close(p[1]);
    unlink(path);
    return 0;
}
