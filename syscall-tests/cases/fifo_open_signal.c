/* Blocking FIFO opens interrupted again and again by a SIGALRM timer (SA_RESTART, so the open restarts) still meet
 * their partner: 100 rounds of a writer and a reader process, each under its own 1 ms interval timer, each round
 * passing its bytes. A partner that has come must win over a signal arriving at the same moment (Linux's
 * wait_for_partner), else one side backs out after the other already returned: a reader then sees EOF and a
 * writer waits forever. */
#include "common.h"
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#define ROUNDS 100

static volatile sig_atomic_t alarms;
static void on_alarm(int s) { (void)s; alarms++; }

static void start_timer(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void stop_timer(void)
{
    struct itimerval it = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
    const char *path = scratch_path("fifo-signal");
    unlink(path);
    CHECK(mkfifo(path, 0600));
    int good = 0;
    for (int round = 0; round < ROUNDS; round++) {
        pid_t reader = fork();
        if (reader == 0) {
            start_timer();
            int fd = open(path, O_RDONLY);
            if (fd < 0)
                _exit(2);
            char b[16];
            long n = 0, r;
            while ((r = read(fd, b, sizeof b)) != 0)
                if (r > 0)
                    n += r;
                else if (errno != EINTR)
                    _exit(3);
            stop_timer();
            _exit(n == 5 ? 0 : 4);
        }
        start_timer();
        int fd = open(path, O_WRONLY);
        stop_timer();
        int wrote = fd >= 0 && write(fd, "hello", 5) == 5;
        if (fd >= 0)
            close(fd);
        int st;
        waitpid(reader, &st, 0);
        if (wrote && WIFEXITED(st) && WEXITSTATUS(st) == 0)
            good++;
        else
            printf("round %d: wrote %d, reader status 0x%x\n", round, wrote, st);
    }
    printf("%d of %d rounds passed their bytes\n", good, ROUNDS);
    unlink(path);
    return 0;
}
