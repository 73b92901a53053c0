/* A signal sent to the process while the main thread blocks it is taken by a thread that does not block it,
 * and a signal sent to one thread (tgkill) stays with that thread. */
#include "common.h"
#include <pthread.h>
#include <signal.h>

static volatile pid_t handled_on;
static volatile pid_t worker;
static void handler(int sig) { (void)sig; handled_on = gettid(); }

static void *work(void *arg)
{
    (void)arg;
    worker = gettid();
    while (!handled_on) usleep(1000);
    return NULL;
}

int main(void)
{
    signal(SIGUSR1, handler);
    pthread_t th;
    pthread_create(&th, NULL, work, NULL);
    while (!worker) usleep(1000);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    CHECK(kill(getpid(), SIGUSR1));
    pthread_join(th, NULL);
    SHOW(handled_on == worker);
    sigset_t pend;
    sigpending(&pend);
    SHOW(!sigismember(&pend, SIGUSR1));

    /* tgkill to the main thread while it blocks: pending for it alone, delivered when it unblocks */
    handled_on = 0;
    worker = 0;
    pthread_create(&th, NULL, work, NULL);
    while (!worker) usleep(1000);
    CHECK(syscall(SYS_tgkill, getpid(), getpid(), SIGUSR1));
    usleep(50000);
    SHOW(handled_on == 0);
    sigpending(&pend);
    SHOW(sigismember(&pend, SIGUSR1));
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    SHOW(handled_on == getpid());
    pthread_join(th, NULL);

    /* every thread blocks it: it stays pending for the process; sigwait in any thread takes it */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    CHECK(kill(getpid(), SIGUSR1));
    int sig = 0;
    CHECK(sigwait(&set, &sig));
    SHOW(sig == SIGUSR1);
    return 0;
}
