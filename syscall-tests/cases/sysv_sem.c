/* System V semaphores: semget's rules, semop's atomicity, IPC_NOWAIT, ERANGE, timeouts, blocking waits woken by
 * semop, SETVAL and IPC_RMID (EIDRM), interrupted by signals (EINTR even with SA_RESTART) and SIGKILL, SEM_UNDO
 * at exit, semctl's commands, permissions and /proc/sysvipc/sem. Everything made here is IPC_PRIVATE or removed. */
#include "common.h"
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>

union semun { int val; struct semid_ds *buf; unsigned short *array; struct seminfo *__buf; };

static int getval(int id, int n) { return semctl(id, n, GETVAL); }

/* Waits until cnt (GETNCNT or GETZCNT) of semaphore n is want: the child is asleep in semop. */
static void wait_cnt(int id, int n, int cmd, int want)
{
    for (int i = 0; i < 5000 && semctl(id, n, cmd) != want; i++)
        usleep(1000);
    printf("%s(%d) = %d\n", cmd == GETNCNT ? "GETNCNT" : "GETZCNT", n, semctl(id, n, cmd));
}

static void on_alarm(int s) { (void)s; }

static int op(int id, unsigned short num, short o, short flg)
{
    struct sembuf b = { num, o, flg };
    return semop(id, &b, 1);
}

int main(void)
{
    printf("-- get --\n");
    CHECK(semget(IPC_PRIVATE, -1, 0600));
    CHECK(semget(IPC_PRIVATE, 32001, 0600));
    CHECK(semget(IPC_PRIVATE, 0, 0600));
    int id = CHECK_OK(semget(IPC_PRIVATE, 3, 0600));
    struct semid_ds ds;
    union semun arg = { .buf = &ds };
    CHECK(semctl(id, 0, IPC_STAT, arg));
    printf("nsems=%lu mode=%o otime=%ld ctime_set=%d\n", ds.sem_nsems, ds.sem_perm.mode, (long)ds.sem_otime, ds.sem_ctime != 0);
    key_t key = 0x41510000 + (getpid() & 0xffff);
    int kid = CHECK_OK(semget(key, 2, IPC_CREAT | IPC_EXCL | 0600));
    CHECK(semget(key, 2, IPC_CREAT | IPC_EXCL | 0600));
    SHOW(semget(key, 1, 0) == kid);
    SHOW(semget(key, 0, 0) == kid);
    CHECK(semget(key, 3, 0));
    CHECK(semctl(kid, 0, IPC_RMID));
    CHECK(semget(key, 1, 0));

    printf("-- values --\n");
    CHECK(semctl(id, 0, SETVAL, 5));
    CHECK(semctl(id, 0, GETVAL));
    SHOW(semctl(id, 0, GETPID) == getpid());
    CHECK(semctl(id, 0, SETVAL, 32768));
    CHECK(semctl(id, 0, SETVAL, -1));
    CHECK(semctl(id, 3, SETVAL, 1));
    CHECK(semctl(id, -1, GETVAL));
    CHECK(semctl(id, 3, GETVAL));
    unsigned short vals[3] = { 1, 2, 3 }, got[3];
    arg.array = vals;
    CHECK(semctl(id, 0, SETALL, arg));
    arg.array = got;
    CHECK(semctl(id, 0, GETALL, arg));
    printf("getall: %d %d %d\n", got[0], got[1], got[2]);
    unsigned short bad[3] = { 1, 40000, 3 };
    arg.array = bad;
    CHECK(semctl(id, 0, SETALL, arg));
    arg.array = (void *)1;
    CHECK(semctl(id, 0, GETALL, arg));
    CHECK(semctl(id, 0, SETALL, arg));
    CHECK(semctl(id, 0, 99));
    CHECK(semctl(-1, 0, GETVAL));
    CHECK(semctl(id ^ 0x8000, 0, GETVAL));

    printf("-- semop --\n");
    struct sembuf ops[2];
    CHECK(semop(id, ops, 0));
    static struct sembuf many[501];
    CHECK(semop(id, many, 501));
    CHECK(semop(-1, ops, 1));
    CHECK(semop(id, NULL, 1));
    struct sembuf far = { 3, 1, 0 };
    CHECK(semop(id, &far, 1));
    ops[0] = (struct sembuf){ 0, 1, 0 };
    ops[1] = (struct sembuf){ 1, -10, IPC_NOWAIT };
    CHECK(semop(id, ops, 2));
    printf("all or none: %d %d\n", getval(id, 0), getval(id, 1));
    ops[1] = (struct sembuf){ 1, -2, 0 };
    CHECK(semop(id, ops, 2));
    printf("both: %d %d\n", getval(id, 0), getval(id, 1));
    CHECK(op(id, 0, 0, IPC_NOWAIT));
    CHECK(op(id, 1, 0, IPC_NOWAIT));
    /* The same semaphore twice in one call: applied in order. */
    ops[0] = (struct sembuf){ 2, -3, 0 };
    ops[1] = (struct sembuf){ 2, 5, 0 };
    CHECK(semop(id, ops, 2));
    printf("dup: %d\n", getval(id, 2));
    ops[0] = (struct sembuf){ 2, 1, 0 };
    ops[1] = (struct sembuf){ 2, -7, IPC_NOWAIT };
    CHECK(semop(id, ops, 2));
    printf("dup undone: %d\n", getval(id, 2));
    CHECK(semctl(id, 2, SETVAL, 32767));
    CHECK(op(id, 2, 1, 0));
    CHECK(op(id, 2, 1, IPC_NOWAIT));
    printf("range: %d\n", getval(id, 2));
    CHECK(semctl(id, 2, SETVAL, 0));
    CHECK(semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }));
    printf("otime_set=%d\n", ds.sem_otime != 0);

    printf("-- timeout --\n");
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    struct sembuf dec = { 1, -1, 0 };
    CHECK(semctl(id, 1, SETVAL, 0));
    CHECK(semtimedop(id, &dec, 1, &ts));
    ts.tv_nsec = 1000000000;
    CHECK(semtimedop(id, &dec, 1, &ts));
    ts.tv_sec = -1; ts.tv_nsec = 0;
    CHECK(semtimedop(id, &dec, 1, &ts));
    CHECK(semtimedop(id, &dec, 1, (void *)1));
    ts.tv_sec = 5;
    CHECK(semctl(id, 1, SETVAL, 1));
    CHECK(semtimedop(id, &dec, 1, &ts));

    printf("-- wake by semop --\n");
    pid_t c = fork();
    if (c == 0) {
        int r = op(id, 1, -2, 0);
        printf("child semop = %d, value %d\n", r, getval(id, 1));
        _exit(0);
    }
    wait_cnt(id, 1, GETNCNT, 1);
    CHECK(op(id, 1, 1, 0));
    usleep(20000);
    CHECK(semctl(id, 1, GETNCNT));
    // What wakes a child is printed after the child's own line (waitpid first): one order on every run.
    int woke = op(id, 1, 1, 0);
    int st;
    waitpid(c, &st, 0);
    printf("op(id, 1, 1, 0) = %d\n", woke);
    SHOW(semctl(id, 1, GETPID) == c);

    printf("-- wait for zero --\n");
    CHECK(semctl(id, 2, SETVAL, 2));
    c = fork();
    if (c == 0) {
        printf("child zero wait = %d\n", op(id, 2, 0, 0));
        _exit(0);
    }
    wait_cnt(id, 2, GETZCNT, 1);
    CHECK(semctl(id, 2, GETNCNT));
    CHECK(op(id, 2, -1, 0));
    woke = semctl(id, 2, SETVAL, 0);
    waitpid(c, &st, 0);
    printf("semctl(id, 2, SETVAL, 0) = %d\n", woke);
    CHECK(semctl(id, 2, GETZCNT));

    printf("-- signals --\n");
    struct sigaction sa = { .sa_handler = on_alarm };
    for (int restart = 0; restart < 2; restart++) {
        sa.sa_flags = restart ? SA_RESTART : 0;
        sigaction(SIGALRM, &sa, NULL);
        c = fork();
        if (c == 0) {
            alarm(1);
            int r = op(id, 1, -1, 0);
            printf("child (SA_RESTART=%d) semop = %d %s\n", restart, r, errname(errno));
            _exit(0);
        }
        wait_cnt(id, 1, GETNCNT, 1);
        waitpid(c, &st, 0);
        CHECK(semctl(id, 1, GETNCNT));
    }
    c = fork();
    if (c == 0) {
        op(id, 1, -1, 0);
        _exit(0);
    }
    wait_cnt(id, 1, GETNCNT, 1);
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    printf("killed: %d, ncnt %d\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, semctl(id, 1, GETNCNT));

    printf("-- SEM_UNDO --\n");
    CHECK(semctl(id, 0, SETVAL, 3));
    c = fork();
    if (c == 0) {
        op(id, 0, -1, SEM_UNDO);
        op(id, 0, -1, SEM_UNDO);
        op(id, 0, 4, 0);
        printf("child: %d\n", getval(id, 0));
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("after the child's exit: %d\n", getval(id, 0));
    c = fork();
    if (c == 0) {
        op(id, 0, 2, SEM_UNDO);
        semctl(id, 0, SETVAL, 7); /* clears every adjustment of semaphore 0 */
        op(id, 1, 1, SEM_UNDO);
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("SETVAL cleared the undo: %d %d\n", getval(id, 0), getval(id, 1));
    CHECK(semctl(id, 0, SETVAL, 1));
    c = fork();
    if (c == 0) {
        op(id, 0, 5, SEM_UNDO);
        op(id, 0, -4, 0); /* 2 left: the adjustment of -5 would go below 0, so it is clamped */
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("clamped at 0: %d\n", getval(id, 0));
    CHECK(semctl(id, 0, SETVAL, 0));
    c = fork();
    if (c == 0) {
        CHECK(op(id, 0, -32767, SEM_UNDO | IPC_NOWAIT));
        CHECK(semctl(id, 0, SETVAL, 32767));
        CHECK(op(id, 0, -32767, SEM_UNDO));
        CHECK(op(id, 0, 32767, SEM_UNDO));
        CHECK(op(id, 0, 1, SEM_UNDO));
        CHECK(op(id, 0, -1, SEM_UNDO));
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("value %d\n", getval(id, 0));

    printf("-- removal --\n");
    c = fork();
    if (c == 0) {
        int r = op(id, 1, -5, 0);
        printf("child semop = %d %s\n", r, errname(errno));
        _exit(0);
    }
    wait_cnt(id, 1, GETNCNT, 1);

    printf("-- info --\n");
    struct seminfo si;
    SHOW(semctl(0, 0, IPC_INFO, (union semun){ .__buf = &si }) >= 0);
    printf("semmni=%d semmns=%d semmsl=%d semopm=%d semvmx=%d semaem=%d semume=%d semusz=%d semmnu=%d semmap=%d\n",
           si.semmni, si.semmns, si.semmsl, si.semopm, si.semvmx, si.semaem, si.semume, si.semusz, si.semmnu, si.semmap);
    SHOW(semctl(0, 0, SEM_INFO, (union semun){ .__buf = &si }) >= 0);
    SHOW(si.semusz >= 1 && si.semaem >= 3);
    SHOW(semctl(id & 0x7fff, 0, SEM_STAT, (union semun){ .buf = &ds }) == id);
    SHOW(semctl(id & 0x7fff, 0, SEM_STAT_ANY, (union semun){ .buf = &ds }) == id);
    slurp("/proc/sysvipc/sem");
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        int k, sid;
        unsigned mode, n;
        if (strstr(line, "semid"))
            printf("header: %s\n", line);
        else if (sscanf(line, "%d %d %o %u", &k, &sid, &mode, &n) == 4 && sid == id)
            printf("proc: key=%d perms=%o nsems=%u\n", k, mode, n);
    }
    slurp("/proc/sys/kernel/sem");
    printf("sem: %s", buf);

    printf("-- permissions --\n");
    ds.sem_perm.mode = 0644;
    ds.sem_perm.gid = 77;
    CHECK(semctl(id, 0, IPC_SET, (union semun){ .buf = &ds }));
    CHECK(semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }));
    printf("mode=%o gid=%u\n", ds.sem_perm.mode, ds.sem_perm.gid);
    pid_t u = fork();
    if (u == 0) {
        setresgid(5, 5, 5);
        CHECK(setresuid(4321, 4321, 4321));
        CHECK(semctl(id, 0, GETVAL));
        CHECK(semctl(id, 0, SETVAL, 1));
        CHECK(op(id, 0, 0, IPC_NOWAIT));
        CHECK(op(id, 0, 1, IPC_NOWAIT));
        CHECK(semctl(id, 0, IPC_RMID));
        _exit(0);
    }
    waitpid(u, &st, 0);

    // The woken child prints its EIDRM: print the removal's result after it, in one order on every run.
    int removed = semctl(id, 0, IPC_RMID);
    waitpid(c, &st, 0);
    printf("semctl(id, 0, IPC_RMID) = %d\n", removed);
    CHECK(semctl(id, 0, GETVAL));
    CHECK(op(id, 0, 1, 0));
    return 0;
}
