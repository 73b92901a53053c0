/* Process benchmarks, timed inside the guest:
 *   procs fork N       ns per fork + child _exit + waitpid
 *   procs forkexec N   ns per fork + exec /bin/true + waitpid
 *   procs pipe N       ns per round trip of one byte between two processes over two pipes
 *   procs thread N     ns per pthread_create + pthread_join
 *   procs futex N      ns per round trip between two threads waking each other through futexes */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <pthread.h>
#include <stdatomic.h>
#include <linux/futex.h>
#include <sys/syscall.h>

static void *nothing(void *a) { return a; }

static atomic_int turn;
static long rounds;

static void fwait(atomic_int *a, int v) { while (atomic_load(a) == v) syscall(SYS_futex, a, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0); }
static void fwake(atomic_int *a) { syscall(SYS_futex, a, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0); }

static void *pong(void *a)
{
    for (long i = 0; i < rounds; i++) {
        fwait(&turn, 0);            /* wait for our turn (1) */
        atomic_store(&turn, 0);
        fwake(&turn);
    }
    return a;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: procs fork|forkexec|pipe N\n"); return 2; }
    long n = atol(argv[2]);
    double t0 = now();
    if (!strcmp(argv[1], "fork") || !strcmp(argv[1], "forkexec")) {
        int exec = !strcmp(argv[1], "forkexec");
        for (long i = 0; i < n; i++) {
            pid_t c = fork();
            if (c == 0) {
                if (exec) execl("/bin/true", "true", (char *)0);
                _exit(0);
            }
            int st;
            if (c < 0 || waitpid(c, &st, 0) != c || st != 0) { fprintf(stderr, "fork failed\n"); return 1; }
        }
    } else if (!strcmp(argv[1], "pipe")) {
        int a[2], b[2];
        char x = 'x';
        if (pipe(a) || pipe(b)) return 1;
        pid_t c = fork();
        if (c == 0) {
            for (long i = 0; i < n; i++) { if (read(a[0], &x, 1) != 1 || write(b[1], &x, 1) != 1) _exit(1); }
            _exit(0);
        }
        t0 = now();
        for (long i = 0; i < n; i++) { if (write(a[1], &x, 1) != 1 || read(b[0], &x, 1) != 1) return 1; }
        waitpid(c, NULL, 0);
    } else if (!strcmp(argv[1], "thread")) {
        for (long i = 0; i < n; i++) {
            pthread_t t;
            if (pthread_create(&t, NULL, nothing, NULL) || pthread_join(t, NULL)) return 1;
        }
    } else if (!strcmp(argv[1], "futex")) {
        pthread_t t;
        rounds = n;
        pthread_create(&t, NULL, pong, NULL);
        t0 = now();
        for (long i = 0; i < n; i++) {
            atomic_store(&turn, 1);
            fwake(&turn);
            fwait(&turn, 1);        /* wait until pong hands the turn back */
        }
        pthread_join(t, NULL);
    } else return 2;
    printf("%s: %.0f ns/op\n", argv[1], (now() - t0) / n);
    return 0;
}
