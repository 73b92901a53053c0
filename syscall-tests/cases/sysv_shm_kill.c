/* Attach counting under fire: processes (some with threads) attach, touch, split and detach a segment in a loop
 * while they are SIGKILLed at arbitrary points; whatever the timing, their attaches go with them, so only the
 * parent's remains. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>

#define PROCS 8

static int id;

static void *worker(void *arg)
{
    for (unsigned long n = (unsigned long)arg;; n++) {
        char *p = shmat(id, NULL, n % 3 ? 0 : SHM_RDONLY);
        if (p == (void *)-1)
            _exit(1);
        if (n % 3)
            p[n % 8192]++;
        if (n % 5 == 0)
            mprotect(p + 4096, 4096, PROT_READ);
        if (shmdt(p) < 0)
            _exit(2);
    }
    return NULL;
}

int main(void)
{
    id = CHECK_OK(shmget(IPC_PRIVATE, 3 * 4096, 0600));
    char *mine = CHECK_PTR(shmat(id, NULL, 0));
    pid_t kids[PROCS];
    for (int i = 0; i < PROCS; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            if (i % 2) {
                pthread_t t;
                pthread_create(&t, NULL, worker, (void *)1);
            }
            worker(NULL);
        }
    }
    srand(1);
    for (int i = 0; i < PROCS; i++) {
        struct timespec d = { 0, (rand() % 20 + 1) * 1000000L };
        nanosleep(&d, NULL);
        kill(kids[i], SIGKILL);
    }
    int killed = 0;
    for (int i = 0; i < PROCS; i++) {
        int st;
        waitpid(kids[i], &st, 0);
        killed += WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
    }
    printf("killed %d of %d\n", killed, PROCS);
    struct shmid_ds ds;
    CHECK(shmctl(id, IPC_STAT, &ds));
    printf("nattch %lu\n", ds.shm_nattch);
    CHECK(shmctl(id, IPC_RMID, NULL));
    CHECK(shmdt(mine));
    CHECK(shmctl(id, IPC_STAT, &ds));
    return 0;
}
