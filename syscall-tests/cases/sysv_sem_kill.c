/* SEM_UNDO under fire: processes (some with threads) take and give back units of a counting semaphore with
 * SEM_UNDO while others are SIGKILLed at arbitrary points — in semop, asleep, or between calls. Whatever the timing,
 * each process's adjustments are undone when it dies, so the semaphore ends where it began with nobody waiting. */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>

#define PROCS 8
#define UNITS 3

static int id;

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        struct sembuf take[2] = { { 0, -1, SEM_UNDO }, { 1, 1, SEM_UNDO } };
        struct sembuf give[2] = { { 0, 1, SEM_UNDO }, { 1, -1, SEM_UNDO } };
        if (semop(id, take, 2) < 0 || semop(id, give, 2) < 0)
            _exit(1);
    }
    return NULL;
}

int main(void)
{
    id = CHECK_OK(semget(IPC_PRIVATE, 2, 0600));
    CHECK(semctl(id, 0, SETVAL, UNITS));
    pid_t kids[PROCS];
    for (int i = 0; i < PROCS; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            if (i % 2) {
                pthread_t t;
                pthread_create(&t, NULL, worker, NULL);
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
    printf("units %d, held %d, waiting %d %d\n", semctl(id, 0, GETVAL), semctl(id, 1, GETVAL), semctl(id, 0, GETNCNT),
           semctl(id, 1, GETNCNT));
    CHECK(semctl(id, 0, IPC_RMID));
    return 0;
}
