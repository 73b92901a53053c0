/* clone returns to its parent before the new thread gets far: a thread started on a
 * small stack inside its parent's frame (as gVisor's ExecSwapThreadGroupLeader does)
 * may use more than that stack, over the frame of the parent's clone call, once the
 * parent has returned from it. The thread then execs, killing the sleeping parent
 * thread; the new image reports back. Repeated, since a late parent loses only by chance. */
#include "common.h"
#include <sched.h>
#include <sys/wait.h>

static char *self;

/* Deeper than the 4 KiB the thread was given. */
static __attribute__((noinline)) int deep(int n)
{
    volatile char buf[1536];
    for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (char)(i + n);
    return n > 0 ? deep(n - 1) + buf[7] : buf[3];
}

static int thread_main(void *arg)
{
    char line[64];
    for (int i = 0; i < 5; i++) {
        int len = snprintf(line, sizeof line, "%d\n", i);
        if (write(*(int *)arg, line, len) != len) _exit(3);
    }
    deep(3);
    char *argv[] = {self, "after", NULL};
    execv("/proc/self/exe", argv);
    _exit(4);
}

static __attribute__((noinline)) void start_thread(int *devnull)
{
    struct { char stack[4096] __attribute__((aligned(16))); char top[0]; } ca;
    if (clone(thread_main, ca.top, CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_FS, devnull) < 0) _exit(2);
    for (;;) {
        struct timespec ts = {0, 500000000};
        nanosleep(&ts, NULL);
    }
}

int main(int argc, char **argv)
{
    self = argv[0];
    if (argc > 1) return 7; /* the image the thread exec'd */
    int devnull = open("/dev/null", O_WRONLY);
    int ok = 0;
    for (int round = 0; round < 10; round++) {
        pid_t p = fork();
        if (p == 0) start_thread(&devnull);
        int st;
        if (waitpid(p, &st, 0) != p) { printf("waitpid failed\n"); return 1; }
        if (WIFEXITED(st) && WEXITSTATUS(st) == 7) ok++;
        else printf("round %d: status 0x%x\n", round, st);
    }
    printf("%d of 10 rounds exec'd\n", ok);
    return 0;
}
