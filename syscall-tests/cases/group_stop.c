/* Job control of a multithreaded process: SIGSTOP (to the process, or to one
 * of its threads) stops every thread; the parent's wait reports the stop once;
 * SIGCONT resumes them all. Two threads of the child spin on counters in
 * shared memory. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

static volatile long *shared; /* [0], [1]: the counters; [2]: the second thread's tid */

static void *spin(void *a)
{
    volatile long *c = a;
    if (c == &shared[1]) shared[2] = syscall(SYS_gettid);
    for (;;) (*c)++;
    return NULL;
}

static void msleep(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Whether both counters move within 5 s. */
static int both_move(void)
{
    long a0 = shared[0], a1 = shared[1];
    for (int i = 0; i < 500; i++) {
        if (shared[0] != a0 && shared[1] != a1) return 1;
        msleep(10);
    }
    return 0;
}

static void stopped_phase(pid_t c, const char *how)
{
    int st;
    SHOW(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    long a0 = shared[0], a1 = shared[1];
    msleep(100);
    printf("%s: thread 1 %s, thread 2 %s while stopped\n", how, shared[0] == a0 ? "still" : "moved",
           shared[1] == a1 ? "still" : "moved");
    CHECK(waitpid(c, &st, WUNTRACED | WNOHANG)); /* reported once */
    CHECK(kill(c, SIGCONT));
    SHOW(waitpid(c, &st, WCONTINUED) == c && WIFCONTINUED(st));
    CHECK(waitpid(c, &st, WCONTINUED | WNOHANG));
    printf("%s: both threads move after SIGCONT: %s\n", how, both_move() ? "yes" : "no");
}

int main(void)
{
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, spin, (void *)&shared[1]);
        spin((void *)&shared[0]);
    }
    printf("both threads move: %s\n", both_move() ? "yes" : "no");
    CHECK(kill(c, SIGSTOP));
    stopped_phase(c, "kill");
    while (shared[2] == 0) msleep(1);
    CHECK(syscall(SYS_tgkill, c, (pid_t)shared[2], SIGSTOP));
    stopped_phase(c, "tgkill");
    int st;
    CHECK(kill(c, SIGKILL));
    SHOW(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    return 0;
}
