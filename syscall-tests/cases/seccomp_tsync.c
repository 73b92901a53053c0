/* seccomp TSYNC: every thread of the process gets the filter (and no_new_privs); a thread whose chain is not an
 * ancestor of the caller's makes it fail with that thread's tid, or ESRCH with TSYNC_ESRCH; without TSYNC a filter
 * is the calling thread's own. */
#include "seccomp_common.h"
#include <pthread.h>

static pthread_barrier_t bar;

static void ppid(const char *who)
{
    long r = syscall(SYS_getppid);
    printf("  %s: getppid %s\n", who, r > 0 ? "allowed" : errname(errno));
}
static volatile pid_t other_tid;
static volatile int own_filter;

static void *worker(void *a)
{
    (void)a;
    other_tid = gettid();
    if (own_filter) CHECK(INSTALL(ON_NR(SYS_getpgid, SECCOMP_RET_ERRNO | EXDEV)));
    pthread_barrier_wait(&bar); /* 1: the main thread installs */
    pthread_barrier_wait(&bar); /* 2: look */
    ppid("worker");
    printf("  worker: ");
    CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    printf("  worker: ");
    CHECK(prctl(PR_GET_SECCOMP));
    pthread_barrier_wait(&bar); /* 3: done */
    return NULL;
}

static void run(unsigned flags, int worker_filter)
{
    own_filter = worker_filter;
    pthread_barrier_init(&bar, NULL, 2);
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    pthread_barrier_wait(&bar);
    if (!prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)) CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)); /* the worker has none */
    struct sock_filter f[] = { ON_NR(SYS_getppid, SECCOMP_RET_ERRNO | EPERM) };
    long r = install_flags(f, 4, flags);
    if (r > 0) printf("  install: the worker's tid %d\n", r == other_tid);
    else printf("  install: %ld %s\n", r, r < 0 ? errname(errno) : "");
    ppid("main");
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    pthread_join(th, NULL);
}

static void tsync(void) { run(SECCOMP_FILTER_FLAG_TSYNC, 0); }
static void no_tsync(void) { run(0, 0); }
static void tsync_fails(void) { run(SECCOMP_FILTER_FLAG_TSYNC, 1); }
static void tsync_esrch(void) { run(SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH, 1); }
static void tsync_twice(void)
{
    /* after a first TSYNC every thread shares the chain, so a second one succeeds */
    run(SECCOMP_FILTER_FLAG_TSYNC, 0);
    run(SECCOMP_FILTER_FLAG_TSYNC, 0);
}

static void tsync_nnp(void)
{
    /* no no_new_privs before the worker starts: TSYNC gives it the caller's */
    pid_t p = fork();
    if (p == 0) { run(SECCOMP_FILTER_FLAG_TSYNC, 0); _exit(0); }
    int st;
    waitpid(p, &st, 0);
    report("tsync no_new_privs", st);
}

int main(void)
{
    tsync_nnp();
    in_child("tsync", tsync);
    in_child("no tsync", no_tsync);
    in_child("tsync with a thread's own filter", tsync_fails);
    in_child("tsync_esrch", tsync_esrch);
    in_child("tsync twice", tsync_twice);
    return 0;
}
