/* System V semaphore ping-pong between two processes: the parent raises semaphore 0 and waits on 1, the child waits
 * on 0 and raises 1. Prints microseconds per round trip.
 *   sempingpong [N]   (default 10000 round trips) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void op(int id, unsigned short num, short o)
{
    struct sembuf b = { num, o, 0 };
    if (semop(id, &b, 1) < 0) {
        perror("semop");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    int id = semget(IPC_PRIVATE, 2, 0600);
    if (id < 0) {
        perror("semget");
        return 1;
    }
    pid_t c = fork();
    if (c == 0) {
        for (long i = 0; i < n; i++) {
            op(id, 0, -1);
            op(id, 1, 1);
        }
        _exit(0);
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
        op(id, 0, 1);
        op(id, 1, -1);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    waitpid(c, NULL, 0);
    semctl(id, 0, IPC_RMID);
    double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n;
    printf("sempingpong: %ld round trips, %.2f us/op\n", n, us);
    return 0;
}
