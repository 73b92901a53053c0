/* sendfile with a count of 2^62 between two files that never run dry (found by fuzz/sysfuzz: the Sentry copied
 * /dev/zero to /dev/null forever and the process could not be killed). Linux moves at most MAX_RW_COUNT
 * (0x7ffff000) bytes per call, and a SIGKILL ends a long copy. */
#include "common.h"
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <time.h>

int main(void)
{
    int z = CHECK_OK(open("/dev/zero", O_RDONLY));
    int n = CHECK_OK(open("/dev/null", O_WRONLY));
    CHECK(sendfile(n, z, NULL, 0x4000000000000000L) == 0x7ffff000);
    /* A child copying in a loop dies at once when killed. */
    pid_t p = fork();
    if (p == 0) {
        for (;;) sendfile(n, z, NULL, 0x4000000000000000L);
    }
    struct timespec ts = { 0, 100 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    CHECK(kill(p, SIGKILL));
    alarm(10);
    int st;
    CHECK(waitpid(p, &st, 0) == p);
    SHOW(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    return 0;
}
