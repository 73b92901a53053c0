/* A blocked pipe write whose reader goes away: the bytes already written are returned, and SIGPIPE is sent for
 * that partial write too (Linux's pipe_write); the next write fails with EPIPE and sends another. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>

static int p[2];
static volatile sig_atomic_t sigpipes;
static char buf[2 * 65536];

static void on_pipe(int sig) { (void)sig; sigpipes++; }

static void *writer(void *arg)
{
    (void)arg;
    CHECK(write(p[1], buf, sizeof buf));
    printf("SIGPIPEs after the partial write: %d\n", (int)sigpipes);
    CHECK(write(p[1], buf, sizeof buf));
    printf("SIGPIPEs after the failed write: %d\n", (int)sigpipes);
    return NULL;
}

int main(void)
{
    signal(SIGPIPE, on_pipe);
    CHECK(pipe(p));
    CHECK(fcntl(p[1], F_GETPIPE_SZ));
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    /* the pipe full: the writer is blocked (or about to be) with 64 KiB written */
    int queued = 0;
    while (queued < 65536) {
        ioctl(p[0], FIONREAD, &queued);
        usleep(1000);
    }
    usleep(50000);
    /* printed after the join: the woken writer's lines would race with it */
    int closed = close(p[0]);
    pthread_join(t, NULL);
    printf("close(p[0]) = %d\n", closed);
    CHECK(close(p[1]));
    return 0;
}
