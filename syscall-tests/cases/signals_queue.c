/* Queued signals: sigqueue's value, rt_sigqueueinfo's rules, rt_tgsigqueueinfo to one thread, real-time
 * signals queueing in order, kill of a process group. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

static volatile int seen[64], order[16], norder;
static volatile int last_value, last_code;
static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    seen[sig]++;
    if (norder < 16) order[norder++] = si->si_value.sival_int;
    last_value = si->si_value.sival_int;
    last_code = si->si_code;
}

static pthread_t main_thread;
static volatile int thread_got;
static void thread_handler(int sig) { (void)sig; thread_got = pthread_equal(pthread_self(), main_thread) ? 1 : 2; }

static volatile pid_t worker_tid;
static void *worker(void *arg)
{
    (void)arg;
    worker_tid = gettid();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    while (!thread_got) usleep(1000);
    return NULL;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    /* sigqueue: the value arrives with SI_QUEUE */
    union sigval v = {.sival_int = 42};
    CHECK(sigqueue(getpid(), SIGUSR1, v));
    printf("value %d code SI_QUEUE %d\n", last_value, last_code == SI_QUEUE);

    /* real-time signals queue, and arrive in the order sent once unblocked */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &set, &old);
    for (int i = 1; i <= 5; i++) { v.sival_int = i; sigqueue(getpid(), SIGRTMIN, v); }
    norder = 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("rt order:");
    for (int i = 0; i < norder; i++) printf(" %d", order[i]);
    printf("\n");

    /* rt_sigqueueinfo: a positive si_code (kernel-made) only to ourselves */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_code = SI_USER;
    CHECK(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si));
    pid_t c = fork();
    if (c == 0) { pause(); _exit(0); }
    CHECK(syscall(SYS_rt_sigqueueinfo, c, SIGUSR1, &si));          /* EPERM */
    si.si_code = SI_TKILL;
    CHECK(syscall(SYS_rt_sigqueueinfo, c, SIGUSR1, &si));          /* EPERM */
    si.si_code = SI_QUEUE;
    CHECK(syscall(SYS_rt_sigqueueinfo, c, 0, &si) == 0 ? 0 : -1);  /* EINVAL */
    CHECK(syscall(SYS_rt_sigqueueinfo, c, SIGUSR1, (void *)8));     /* EFAULT */
    CHECK(syscall(SYS_rt_sigqueueinfo, c, SIGKILL, &si));
    int st;
    waitpid(c, &st, 0);
    printf("child killed by %s\n", WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "nothing");

    /* rt_tgsigqueueinfo: to one thread of ours, and the tgid must match */
    main_thread = pthread_self();
    struct sigaction ts = {0};
    ts.sa_handler = thread_handler;
    sigaction(SIGUSR2, &ts, NULL);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    while (!worker_tid) usleep(1000);
    pid_t wtid = worker_tid;
    memset(&si, 0, sizeof si);
    si.si_code = SI_QUEUE;
    CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid() + 100000, wtid, SIGUSR2, &si)); /* ESRCH */
    CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid(), wtid, SIGUSR2, &si));
    pthread_join(th, NULL);
    printf("handled on the worker thread: %d\n", thread_got == 2);

    /* kill(0): the whole process group, ourselves included (a group of our own, not the test runner's) */
    if (getsid(0) != getpid()) setpgid(0, 0);   /* a session leader (pid 1 in a sandbox) has its own group */
    signal(SIGUSR1, SIG_IGN);
    c = fork();
    if (c == 0) { signal(SIGUSR1, SIG_DFL); pause(); _exit(0); }
    usleep(20000);
    CHECK(kill(0, SIGUSR1));
    waitpid(c, &st, 0);
    printf("group member killed by %s\n", WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "nothing");
    return 0;
}
