/* A group stop racing with children's exits (issue 8's rare fuzzer hang). The
 * victim's main thread sleeps in futex waits while its second thread forks
 * children that exit at once (each exit signals the victim: SIGCHLD with a
 * handler, SA_NOCLDWAIT so nobody reaps); a sibling stops and continues the
 * victim again and again. The thread that parks last inside its futex wait
 * tells the parent of the stop, while a child's exit wakes that very wait:
 * neither may hold up the other. A kick (the stop, the continue) that lands as
 * a forking thread goes back to the guest must not break that thread either.
 * Passes when every round completes and the victim then exits normally. */
#include "common.h"
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#define ROUNDS 1500

static volatile int *shared; /* [0]: the victim stops (set by the parent); [1]: forks made */
static int word;

static void on_chld(int sig) { (void)sig; }

static void *forker(void *a)
{
    (void)a;
    while (!shared[0]) {
        pid_t c = fork();
        if (c == 0) _exit(0);
        if (c > 0) __atomic_fetch_add(&shared[1], 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void victim(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_NOCLDWAIT | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    pthread_t t;
    pthread_create(&t, NULL, forker, NULL);
    struct timespec ms = {0, 1000000};
    while (!shared[0]) syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ms, NULL, 0);
    pthread_join(t, NULL);
    _exit(0);
}

int main(void)
{
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t v = fork();
    if (v == 0) victim();
    /* The rounds start once the victim's children come and go. */
    struct timespec ms = {0, 1000000};
    while (__atomic_load_n(&shared[1], __ATOMIC_RELAXED) == 0) nanosleep(&ms, NULL);
    int stops = 0, conts = 0, st;
    for (int i = 0; i < ROUNDS; i++) {
        kill(v, SIGSTOP);
        if (waitpid(v, &st, WUNTRACED) == v && WIFSTOPPED(st)) stops++;
        kill(v, SIGCONT);
        if (waitpid(v, &st, WCONTINUED) == v && WIFCONTINUED(st)) conts++;
    }
    shared[0] = 1;
    SHOW(waitpid(v, &st, 0) == v && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("%d rounds: every stop reported %s, every continue reported %s\n", ROUNDS, stops == ROUNDS ? "yes" : "no",
           conts == ROUNDS ? "yes" : "no");
    return 0;
}
