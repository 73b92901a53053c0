/* A multithreaded process whose threads block everywhere (nanosleep, futex,
 * pipe read, pause, sigwaitinfo, flock and F_SETLKW waits) ends promptly and
 * with the right status: exit_group from the main thread, a SIGTERM with its
 * default action (as timeout(1) sends), and SIGKILL. */
#include "common.h"
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>

static const char *path = "/tmp/threads_blocked_exit.tmp";
static int pipefd[2], fut;

static void *sleeper(void *a) { sleep(100); return NULL; }
static void *futexer(void *a) { syscall(SYS_futex, &fut, FUTEX_WAIT, 0, NULL, NULL, 0); return NULL; }
static void *reader(void *a) { char c; read(pipefd[0], &c, 1); return NULL; }
static void *pauser(void *a) { pause(); return NULL; }
static void *waiter(void *a)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigwaitinfo(&s, NULL);
    return NULL;
}
static void *flocker(void *a) { flock(open(path, O_RDWR), LOCK_EX); return NULL; }
static void *recorder(void *a)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    fcntl(open(path, O_RDWR), F_SETLKW, &fl);
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t start(int exit_group)
{
    pid_t c = fork();
    if (c == 0) {
        void *(*fns[])(void *) = {sleeper, futexer, reader, pauser, waiter, flocker, recorder};
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        sigprocmask(SIG_BLOCK, &s, NULL);
        pipe(pipefd);
        for (int i = 0; i < 7; i++) {
            pthread_t t;
            pthread_create(&t, NULL, fns[i], NULL);
        }
        usleep(200000);
        if (exit_group) syscall(SYS_exit_group, 5);
        pause();
        _exit(1);
    }
    return c;
}

int main(void)
{
    /* The locks the threads wait for. */
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    CHECK(fcntl(fd, F_SETLK, &fl));
    CHECK(flock(fd, LOCK_EX));
    int st;

    double t0 = now();
    pid_t c = start(1);
    SHOW(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 5);
    printf("exit_group: ended within 2 s: %s\n", now() - t0 < 2 ? "yes" : "no");

    int sigs[] = {SIGTERM, SIGKILL};
    for (int i = 0; i < 2; i++) {
        c = start(0);
        usleep(400000);
        t0 = now();
        CHECK(kill(c, sigs[i]));
        SHOW(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == sigs[i]);
        printf("signal %d: ended within 2 s: %s\n", sigs[i], now() - t0 < 2 ? "yes" : "no");
    }
    unlink(path);
    return 0;
}
