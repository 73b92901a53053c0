/* System V IPC and threads: threads share the SEM_UNDO list (CLONE_SYSVSEM; kcmp's KCMP_SYSVSEM sees it), which is
 * applied when the last of them exits or unshares it; semaphore ping-pong between threads; a thread blocked in semop
 * or msgrcv is interrupted by a signal sent to it, and exit_group ends threads blocked there. */
#include "common.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <linux/kcmp.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/wait.h>

static int semid, msqid;

static int op(unsigned short num, short o, short flg)
{
    struct sembuf b = { num, o, flg };
    return semop(semid, &b, 1);
}

static long kcmp_sysvsem(pid_t a, pid_t b) { return syscall(SYS_kcmp, a, b, KCMP_SYSVSEM, 0, 0); }

static volatile pid_t thread_tid;
static volatile int thread_go;
static void *undo_thread(void *arg)
{
    op(0, 1, SEM_UNDO);
    thread_tid = gettid();
    while (arg && !thread_go)
        usleep(1000);
    return NULL;
}

static void *pong(void *arg)
{
    long n = (long)arg;
    for (long i = 0; i < n; i++) {
        op(1, -1, 0);
        op(2, 1, 0);
    }
    return NULL;
}

static void *blocked_semop(void *arg)
{
    (void)arg;
    int r = op(3, -1, 0);
    printf("thread semop = %d %s\n", r, errname(errno));
    return NULL;
}

static void *blocked_forever(void *arg)
{
    if (arg) {
        struct { long type; char t[8]; } m;
        msgrcv(msqid, &m, sizeof m.t, 0, 0);
    } else {
        op(3, -1, 0);
    }
    return NULL;
}

static void on_usr1(int s) { (void)s; }

int main(void)
{
    semid = CHECK_OK(semget(IPC_PRIVATE, 4, 0600));
    msqid = CHECK_OK(msgget(IPC_PRIVATE, 0600));

    printf("-- shared undo list --\n");
    pid_t c = fork();
    if (c == 0) {
        printf("kcmp with parent before any list: %ld\n", kcmp_sysvsem(getpid(), getppid()));
        pthread_t th;
        pthread_create(&th, NULL, undo_thread, NULL);
        pthread_join(th, NULL);
        printf("after the thread's exit: %d\n", semctl(semid, 0, GETVAL));
        op(0, 1, SEM_UNDO);
        printf("both: %d\n", semctl(semid, 0, GETVAL));
        thread_tid = 0;
        pthread_create(&th, NULL, undo_thread, (void *)1);
        while (!thread_tid)
            usleep(1000);
        /* A live thread shares the list; a forked child has none. */
        long same = kcmp_sysvsem(getpid(), thread_tid);
        thread_go = 1;
        pthread_join(th, NULL);
        printf("kcmp with its thread: %ld\n", same);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("after the process's exit: %d\n", semctl(semid, 0, GETVAL));
    op(0, 1, SEM_UNDO);
    c = fork();
    if (c == 0) {
        SHOW(kcmp_sysvsem(getpid(), getppid()) != 0);
        op(0, 2, SEM_UNDO);
        printf("child: %d\n", semctl(semid, 0, GETVAL));
        CHECK(unshare(CLONE_SYSVSEM));
        printf("after unshare: %d\n", semctl(semid, 0, GETVAL));
        op(0, 1, SEM_UNDO);
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("parent: %d\n", semctl(semid, 0, GETVAL));
    op(0, -1, SEM_UNDO);

    printf("-- ping-pong --\n");
    pthread_t th;
    pthread_create(&th, NULL, pong, (void *)2000L);
    for (int i = 0; i < 2000; i++) {
        op(1, 1, 0);
        op(2, -1, 0);
    }
    pthread_join(th, NULL);
    printf("values: %d %d\n", semctl(semid, 1, GETVAL), semctl(semid, 2, GETVAL));

    printf("-- signal to a thread --\n");
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigaction(SIGUSR1, &sa, NULL);
    pthread_create(&th, NULL, blocked_semop, NULL);
    while (semctl(semid, 3, GETNCNT) != 1)
        usleep(1000);
    pthread_kill(th, SIGUSR1);
    pthread_join(th, NULL);
    printf("ncnt: %d\n", semctl(semid, 3, GETNCNT));

    printf("-- exit_group --\n");
    c = fork();
    if (c == 0) {
        pthread_t a, b;
        pthread_create(&a, NULL, blocked_forever, NULL);
        pthread_create(&b, NULL, blocked_forever, (void *)1);
        while (semctl(semid, 3, GETNCNT) != 1)
            usleep(1000);
        usleep(20000);
        exit(7);
    }
    waitpid(c, &st, 0);
    printf("exit status %d, ncnt %d\n", WEXITSTATUS(st), semctl(semid, 3, GETNCNT));
    c = fork();
    if (c == 0) {
        pthread_t a;
        pthread_create(&a, NULL, blocked_forever, NULL);
        op(3, -1, 0);
        _exit(0);
    }
    while (semctl(semid, 3, GETNCNT) != 2)
        usleep(1000);
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    printf("killed %d, ncnt %d\n", WIFSIGNALED(st), semctl(semid, 3, GETNCNT));

    CHECK(semctl(semid, 0, IPC_RMID));
    CHECK(msgctl(msqid, IPC_RMID, NULL));
    return 0;
}
