/* A signal interrupts a blocking syscall: EINTR without SA_RESTART, a transparent restart with it;
 * alarm() delivers SIGALRM; nanosleep reports EINTR. */
#include "common.h"
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static volatile int got;
static void h(int s) { got = s; }

static void handle(int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

int main(void)
{
    int p[2];
    char buf[16];
    pid_t parent = getpid(), c;

    /* without SA_RESTART: the blocked read fails with EINTR */
    handle(SIGUSR1, 0);
    pipe(p);
    c = fork();
    if (c == 0) { usleep(100000); kill(parent, SIGUSR1); _exit(0); }
    CHECK(read(p[0], buf, sizeof buf));
    printf("handler ran: %d\n", got == SIGUSR1);
    waitpid(c, NULL, 0);

    /* with SA_RESTART: the read goes on and gets the data sent after the signal */
    got = 0;
    handle(SIGUSR1, SA_RESTART);
    c = fork();
    if (c == 0) { usleep(100000); kill(parent, SIGUSR1); usleep(100000); write(p[1], "later", 5); _exit(0); }
    CHECK(read(p[0], buf, sizeof buf));
    printf("handler ran: %d\n", got == SIGUSR1);
    waitpid(c, NULL, 0);

    /* alarm interrupts a sleep */
    got = 0;
    handle(SIGALRM, 0);
    CHECK(alarm(1));
    struct timespec ts = {5, 0}, rem = {0, 0};
    CHECK(nanosleep(&ts, &rem));
    printf("SIGALRM: %d, time left in (3, 5) s: %d\n", got == SIGALRM, rem.tv_sec >= 3 && rem.tv_sec < 5);
    CHECK(alarm(0));
    return 0;
}
