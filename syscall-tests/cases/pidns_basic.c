/* PID namespaces: unshare(CLONE_NEWPID) puts the caller's next children in a new namespace whose first child is
 * pid 1 with parent 0; ids inside are the namespace's (getpid, gettid, getppid, getpgrp, getsid, fork's and
 * wait's results, CLONE_CHILD_SETTID) while the parent sees its own numbers (fork, CLONE_PARENT_SETTID); a pid
 * outside is ESRCH; the init may not CLONE_PARENT; a second unshare and a thread are EINVAL; only the namespace's
 * own files differ. Everything runs in forked children: no host state is left. */
#define _GNU_SOURCE
#include "common.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void ns_link(const char *which, char *out, size_t n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/ns/%s", which);
    memset(out, 0, n);
    if (readlink(path, out, n - 1) < 0) snprintf(out, n, "%s", errname(errno));
}

static void *thread_fn(void *arg) { return arg; }

static void in_init(pid_t outer_parent)
{
    printf("init: getpid %d gettid %ld getppid %d getpgrp %d getsid %d\n", getpid(), syscall(SYS_gettid), getppid(),
           getpgrp(), getsid(0));
    CHECK(kill(outer_parent, 0));
    CHECK(syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
    {
        printf("second: getpid %d getppid %d\n", getpid(), getppid());
        CHECK(kill(1, 0));
        _exit(3);
    }
    int st = 0;
    pid_t w = waitpid(c, &st, 0);
    printf("init: fork gave %d, waitpid gave %d, status %d\n", c, w, WEXITSTATUS(st));
    siginfo_t si;
    c = fork();
    if (c == 0) _exit(4);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, c, &si, WEXITED));
    printf("init: waitid si_pid %d (fork gave %d) status %d\n", si.si_pid, c, si.si_status);
    CHECK(setpgid(0, 0));
    printf("init: after setpgid getpgrp %d getsid %d getpgid(0) %d\n", getpgrp(), getsid(0), getpgid(0));
    CHECK(setsid());
    printf("init: after setsid getpgrp %d getsid %d\n", getpgrp(), getsid(0));
    CHECK(kill(-1, 0));

    /* Ids kept by the kernel come back in the namespace's numbers. */
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct ucred cred;
    socklen_t len = sizeof cred;
    getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &len);
    printf("SO_PEERCRED pid %d\n", cred.pid);
    CHECK(fcntl(sv[0], F_SETOWN, getpid()));
    CHECK(fcntl(sv[0], F_GETOWN));
    close(sv[0]);
    close(sv[1]);
    int sem = semget(IPC_PRIVATE, 1, 0600);
    struct sembuf op = {0, 1, 0};
    semop(sem, &op, 1);
    CHECK(semctl(sem, 0, GETPID));
    semctl(sem, 0, IPC_RMID);
    int shm = shmget(IPC_PRIVATE, 4096, 0600);
    struct shmid_ds ds;
    memset(&ds, 0, sizeof ds);
    shmctl(shm, IPC_STAT, &ds);
    printf("shm_cpid %d\n", ds.shm_cpid);
    shmctl(shm, IPC_RMID, NULL);

    /* SIGCHLD's si_pid is the child's number here. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    c = fork();
    if (c == 0) _exit(0);
    memset(&si, 0, sizeof si);
    sigwaitinfo(&set, &si);
    printf("SIGCHLD si_pid is the child: %d (%d)\n", si.si_pid == c, si.si_pid);
    waitpid(c, NULL, 0);
    /* A child's kill: si_pid is its number. */
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    c = fork();
    if (c == 0) { kill(getppid(), SIGUSR1); _exit(0); }
    sigdelset(&set, SIGCHLD);
    memset(&si, 0, sizeof si);
    sigwaitinfo(&set, &si);
    printf("SIGUSR1 si_pid is the child: %d, code SI_USER %d\n", si.si_pid == c, si.si_code == SI_USER);
    waitpid(c, NULL, 0);
}

int main(void)
{
    char pid0[64], pfc0[64];
    ns_link("pid", pid0, sizeof pid0);
    ns_link("pid_for_children", pfc0, sizeof pfc0);
    printf("same at start: %d\n", strcmp(pid0, pfc0) == 0);
    fflush(stdout);
    pid_t p = fork();
    if (p == 0)
    {
        pid_t me = getpid();
        CHECK(unshare(CLONE_NEWPID));
        SHOW(getpid() == me);
        char now[64];
        ns_link("pid", now, sizeof now);
        printf("own ns kept: %d\n", strcmp(now, pid0) == 0);
        ns_link("pid_for_children", now, sizeof now);
        printf("pid_for_children before a child: %s\n", now);
        CHECK(unshare(CLONE_NEWPID));
        pthread_t th;
        int e = pthread_create(&th, NULL, thread_fn, NULL);
        printf("pthread_create after unshare: %s\n", e ? errname(e) : "ok");
        if (e == 0) pthread_join(th, NULL);
        fflush(stdout);
        pid_t init = fork();
        if (init == 0)
        {
            in_init(me);
            _exit(0);
        }
        int st = 0;
        pid_t w = waitpid(init, &st, 0);
        printf("parent: waitpid matches fork %d, status %#x\n", w == init, st);
        char pfc[64];
        ns_link("pid_for_children", pfc, sizeof pfc);
        printf("pid_for_children now differs: %d\n", strcmp(pfc, pid0) != 0);
        _exit(0);
    }
    waitpid(p, NULL, 0);

    /* clone(CLONE_NEWPID): the parent's tid word has the outer pid, the child's own word 1. */
    fflush(stdout);
    p = fork();
    if (p == 0)
    {
        static char stack[65536];
        pid_t ptid = 0, ctid = 0;
        (void)stack;
        long r = syscall(SYS_clone, CLONE_NEWPID | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | SIGCHLD, 0, &ptid, &ctid, 0);
        if (r == 0)
        {
            printf("clone child: getpid %d ctid %d getppid %d\n", getpid(), ctid, getppid());
            fflush(stdout);
            _exit(0);
        }
        waitpid(r, NULL, 0);
        printf("clone parent: ptid matches %d, ctid untouched %d, own pid_for_children kept\n", ptid == r, ctid == 0);
        char pfc[64];
        ns_link("pid_for_children", pfc, sizeof pfc);
        printf("pid_for_children same as pid: %d\n", strcmp(pfc, pid0) == 0);
        CHECK(syscall(SYS_clone, CLONE_NEWPID | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, 0, 0, 0, 0));
        _exit(0);
    }
    waitpid(p, NULL, 0);
    return 0;
}
