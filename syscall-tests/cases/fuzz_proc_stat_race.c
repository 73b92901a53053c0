/* Reading /proc/PID/stat of a process while it is being forked must not fail inside the kernel (found by
 * fuzz/sysfuzz: the task's memory was not there yet). One thread forks children that exit at once;
 * another keeps opening /proc/N/stat for the pids about to be used. */
#include "common.h"
#include <pthread.h>
#include <sys/wait.h>

static volatile int done, last_pid;

static void *reader(void *arg)
{
    (void)arg;
    char path[64], b[1024];
    while (!done) {
        for (int d = 0; d < 4; d++) {
            snprintf(path, sizeof path, "/proc/%d/stat", last_pid + d);
            int fd = open(path, O_RDONLY);
            if (fd >= 0) {
                if (read(fd, b, sizeof b) < 0) { /* a process that just went away */ }
                close(fd);
            }
            snprintf(path, sizeof path, "/proc/%d/statm", last_pid + d);
            fd = open(path, O_RDONLY);
            if (fd >= 0) close(fd);
        }
    }
    return NULL;
}

int main(void)
{
    pthread_t th;
    last_pid = getpid();
    pthread_create(&th, NULL, reader, NULL);
    int ok = 1;
    for (int i = 0; i < 300; i++) {
        pid_t p = fork();
        if (p == 0) _exit(0);
        if (p < 0) { ok = 0; break; }
        last_pid = p;
        if (waitpid(p, NULL, 0) != p) ok = 0;
    }
    done = 1;
    pthread_join(th, NULL);
    SHOW(ok);
    return 0;
}
