/* Blocking lock waits and signals: F_SETLKW, F_OFD_SETLKW and flock wait for
 * a lock another process holds; a handled signal without SA_RESTART makes them
 * fail with EINTR, with SA_RESTART they go on waiting; a fatal signal kills
 * the waiter; POSIX lock deadlocks are EDEADLK. */
#include "common.h"
#include <signal.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/wait.h>

static const char *path = "/tmp/fs_lock_wait.tmp";
static volatile int alarms;
static void on_alarm(int s) { alarms++; }

static void timer_ms(int ms)
{
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void handler(int flags)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = flags;
    sigaction(SIGALRM, &sa, NULL);
}

static int lk(int fd, int cmd, int type, off_t start, off_t len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

/* A child that holds a POSIX lock on [0,10), an OFD lock on [20,30) and an exclusive flock until it reads
 * a byte from *release (then it waits holdms before letting go). */
static pid_t holder(int release_fd, int holdms)
{
    int ready[2];
    pipe(ready);
    pid_t c = fork();
    if (c == 0) {
        int fd = open(path, O_RDWR);
        char x;
        if (lk(fd, F_SETLK, F_WRLCK, 0, 10) || lk(fd, F_OFD_SETLK, F_WRLCK, 20, 10) || flock(fd, LOCK_EX)) _exit(1);
        write(ready[1], "r", 1);
        read(release_fd, &x, 1);
        usleep(holdms * 1000);
        _exit(0);
    }
    char x;
    read(ready[0], &x, 1);
    close(ready[0]);
    close(ready[1]);
    return c;
}

int main(void)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    int rel[2];
    pipe(rel);
    pid_t c = holder(rel[0], 0);

    /* No SA_RESTART: each blocking wait fails with EINTR after the handler. */
    handler(0);
    timer_ms(200);
    CHECK(lk(fd, F_SETLKW, F_WRLCK, 0, 10));
    timer_ms(200);
    CHECK(lk(fd, F_OFD_SETLKW, F_WRLCK, 20, 10));
    timer_ms(200);
    CHECK(flock(fd, LOCK_EX));
    printf("handler ran %d times\n", alarms);
    CHECK(lk(fd, F_SETLK, F_WRLCK, 0, 10));
    CHECK(flock(fd, LOCK_EX | LOCK_NB));

    /* SA_RESTART: the handler runs at 200 ms, the wait goes on until the holder lets go at 600 ms. */
    handler(SA_RESTART);
    alarms = 0;
    write(rel[1], "x", 1);
    close(rel[1]);
    int st;
    waitpid(c, &st, 0); /* the first holder lets go at once */
    pipe(rel);
    c = holder(rel[0], 600);
    write(rel[1], "x", 1);
    timer_ms(200);
    CHECK(lk(fd, F_SETLKW, F_WRLCK, 0, 10));
    printf("handler ran %d times\n", alarms);
    waitpid(c, &st, 0);
    CHECK(lk(fd, F_SETLK, F_UNLCK, 0, 10));
    alarms = 0;
    pipe(rel);
    c = holder(rel[0], 600);
    write(rel[1], "x", 1);
    timer_ms(200);
    CHECK(flock(fd, LOCK_EX));
    printf("handler ran %d times\n", alarms);
    waitpid(c, &st, 0);
    CHECK(flock(fd, LOCK_UN));

    /* A fatal signal ends a waiter: SIGTERM (default action) and SIGKILL. */
    int sigs[] = {SIGTERM, SIGKILL};
    for (int i = 0; i < 2; i++) {
        pipe(rel);
        c = holder(rel[0], 0);
        pid_t w = fork();
        if (w == 0) {
            signal(SIGALRM, SIG_DFL);
            lk(fd, F_SETLKW, F_WRLCK, 0, 10);
            _exit(3);
        }
        usleep(100000);
        CHECK(kill(w, sigs[i]));
        SHOW(waitpid(w, &st, 0) == w && WIFSIGNALED(st) && WTERMSIG(st) == sigs[i]);
        write(rel[1], "x", 1);
        waitpid(c, &st, 0);
    }

    /* Deadlock: we hold byte 0 and want byte 1, the child holds byte 1 and wants byte 0. Whichever asks
     * second gets EDEADLK; the other gets its lock once the first lets go. */
    int go[2];
    pipe(go);
    CHECK(lk(fd, F_SETLK, F_WRLCK, 0, 1));
    c = fork();
    if (c == 0) {
        int r = lk(fd, F_SETLK, F_WRLCK, 1, 1);
        write(go[1], "g", 1);
        r = lk(fd, F_SETLKW, F_WRLCK, 0, 1);
        _exit(r == 0 ? 0 : errno == EDEADLK ? 2 : 3);
    }
    char x;
    read(go[0], &x, 1);
    usleep(100000);
    int r = lk(fd, F_SETLKW, F_WRLCK, 1, 1);
    int mine = r == 0 ? 0 : errno == EDEADLK ? 2 : 3;
    lk(fd, F_SETLK, F_UNLCK, 0, 2);
    waitpid(c, &st, 0);
    int theirs = WIFEXITED(st) ? WEXITSTATUS(st) : 9;
    printf("deadlock: one EDEADLK and one granted: %s\n", (mine == 2 && theirs == 0) || (mine == 0 && theirs == 2) ? "yes" : "no");
    unlink(path);
    return 0;
}
