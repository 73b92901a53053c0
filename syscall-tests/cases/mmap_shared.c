/* MAP_SHARED file mappings: one set of pages for the mapping, read/write and
 * other processes; process-shared futexes, mutexes and named semaphores. */
#include "common.h"
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

static sigjmp_buf jb;
static int bus_code;
static void on_bus(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    bus_code = si->si_code;
    siglongjmp(jb, 1);
}

static long futex(int *uaddr, int op, int val, const struct timespec *ts)
{
    return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);

    /* a memfd: stores through the mapping are what read(2) sees, and write(2) shows in the mapping */
    int fd = memfd_create("shared", 0);
    CHECK(ftruncate(fd, 2 * pg));
    char *m = CHECK_PTR(mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    memcpy(m + 10, "through the map", 15);
    char buf[32] = {0};
    CHECK(pread(fd, buf, 15, 10));
    SHOW(strcmp(buf, "through the map") == 0);
    CHECK(pwrite(fd, "by write", 8, pg + 5));
    SHOW(memcmp(m + pg + 5, "by write", 8) == 0);

    /* a forked child's stores reach the parent, and a second mapping of the same file */
    pid_t c = fork();
    if (c == 0) { strcpy(m + 100, "from the child"); _exit(0); }
    int st;
    waitpid(c, &st, 0);
    SHOW(strcmp(m + 100, "from the child") == 0);
    char *m2 = CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0));
    SHOW(strcmp(m2 + 100, "from the child") == 0);
    m[200] = 'Z';
    SHOW(m2[200] == 'Z');

    /* a page past the end of the file is SIGBUS; it comes back when the file grows */
    struct sigaction sa = {0};
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);
    CHECK(ftruncate(fd, pg));
    volatile char *past = m + pg;
    if (sigsetjmp(jb, 1) == 0) { past[0] = 1; printf("no SIGBUS\n"); }
    else printf("SIGBUS si_code BUS_ADRERR: %d\n", bus_code == BUS_ADRERR);
    CHECK(ftruncate(fd, 2 * pg));
    past[0] = 7;
    CHECK(pread(fd, buf, 1, pg));
    SHOW(buf[0] == 7);
    munmap(m2, pg);

    /* memfd seals: no write seal while a writable shared mapping exists; after it, no writable shared mapping */
    int sfd = memfd_create("sealed", MFD_ALLOW_SEALING);
    CHECK(ftruncate(sfd, pg));
    char *sm = CHECK_PTR(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0));
    CHECK(fcntl(sfd, F_ADD_SEALS, F_SEAL_WRITE));
    CHECK(munmap(sm, pg));
    CHECK(fcntl(sfd, F_ADD_SEALS, F_SEAL_WRITE));
    CHECK_PTR(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0));
    sm = CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_SHARED, sfd, 0));
    CHECK(mprotect(sm, pg, PROT_READ | PROT_WRITE));
    CHECK(write(sfd, "x", 1));

    /* a file opened read-only: no writable shared mapping, now or later */
    CHECK_OK(fd = open("/dev/shm/mmap_shared_test", O_RDWR | O_CREAT | O_TRUNC, 0600));
    CHECK(write(fd, "abcdef", 6));
    int ro = open("/dev/shm/mmap_shared_test", O_RDONLY);
    CHECK_PTR(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0));
    char *r = CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_SHARED, ro, 0));
    CHECK(mprotect(r, pg, PROT_READ | PROT_WRITE));
    SHOW(memcmp(r, "abcdef", 6) == 0);
    CHECK(pwrite(fd, "XY", 2, 0));
    SHOW(memcmp(r, "XYcdef", 6) == 0);
    /* a private mapping of it may be written: copy-on-write */
    char *p = CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, ro, 0));
    CHECK(mprotect(p, pg, PROT_READ | PROT_WRITE));

    /* a shared futex met through two different mappings of one file, in two processes */
    int *w1 = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    w1[4] = 0;
    int pipefd[2];
    pipe(pipefd);
    c = fork();
    if (c == 0) {
        int *w2 = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        write(pipefd[1], "r", 1);
        struct timespec ts = {5, 0};
        long rc = futex(&w2[4], FUTEX_WAIT, 0, &ts);
        _exit(rc == 0 && w2[4] == 1 ? 0 : 1);
    }
    read(pipefd[0], buf, 1);
    int woken = 0;
    for (int i = 0; i < 500 && !woken; i++) {
        usleep(2000);
        w1[4] = 1;
        woken = futex(&w1[4], FUTEX_WAKE, 1, NULL);
        if (!woken) w1[4] = 0;
    }
    SHOW(woken == 1);
    waitpid(c, &st, 0);
    SHOW(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* a private futex op does not meet another process */
    SHOW(futex(&w1[4], FUTEX_WAKE_PRIVATE, 1, NULL) == 0);
    unlink("/dev/shm/mmap_shared_test");

    /* a process-shared mutex and condition in anonymous shared memory */
    struct shared { pthread_mutex_t mu; pthread_cond_t cv; int turn; int log[8]; int n; } *s;
    s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&s->mu, &ma);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    pthread_cond_init(&s->cv, &ca);
    c = fork();
    int me = c == 0 ? 1 : 0;
    for (int round = 0; round < 4; round++) {
        pthread_mutex_lock(&s->mu);
        while (s->turn != me) pthread_cond_wait(&s->cv, &s->mu);
        s->log[s->n++] = me;
        s->turn = 1 - me;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    if (c == 0) _exit(0);
    waitpid(c, &st, 0);
    printf("turns:");
    for (int i = 0; i < s->n; i++) printf(" %d", s->log[i]);
    printf("\n");

    /* a named semaphore (a file in /dev/shm) between processes */
    sem_t *sem = sem_open("/mmap_shared_sem", O_CREAT | O_EXCL, 0600, 0);
    SHOW(sem != SEM_FAILED);
    c = fork();
    if (c == 0) {
        sem_t *s2 = sem_open("/mmap_shared_sem", 0);
        usleep(20000);
        sem_post(s2);
        sem_post(s2);
        _exit(0);
    }
    CHECK(sem_wait(sem));
    CHECK(sem_wait(sem));
    CHECK(sem_trywait(sem));
    waitpid(c, &st, 0);
    CHECK(sem_unlink("/mmap_shared_sem"));
    return 0;
}
