/* Record locks and flock within one process: POSIX locks never conflict
 * with the process's own, OFD locks of different open file descriptions
 * do (and POSIX locks conflict with OFD locks); range splitting and
 * merging; close semantics; flock; errors. */
#include "fs_common.h"
#include <sys/file.h>

static const char *ltype(int t)
{
    return t == F_RDLCK ? "F_RDLCK" : t == F_WRLCK ? "F_WRLCK" : t == F_UNLCK ? "F_UNLCK" : "?";
}

static long setlk(int fd, int cmd, int type, int whence, off_t start, off_t len)
{
    struct flock fl = {.l_type = type, .l_whence = whence, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

/* F_GETLK / F_OFD_GETLK for TYPE on [start, start+len); prints the answer.
 * l_pid is printed as "self" for our pid, as a number only if negative. */
static void getlk(const char *what, int fd, int cmd, int type, off_t start, off_t len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    if (fcntl(fd, cmd, &fl) != 0) {
        printf("%s %s [%ld,%+ld): -1 %s\n", what, ltype(type), (long)start, (long)len,
               errname(errno));
        return;
    }
    if (fl.l_type == F_UNLCK) {
        printf("%s %s [%ld,%+ld): F_UNLCK\n", what, ltype(type), (long)start, (long)len);
        return;
    }
    char pid[32];
    if (fl.l_pid == getpid())
        snprintf(pid, sizeof pid, "self");
    else if (fl.l_pid <= 0)
        snprintf(pid, sizeof pid, "%d", (int)fl.l_pid);
    else
        snprintf(pid, sizeof pid, "other");
    printf("%s %s [%ld,%+ld): %s whence %d start %ld len %ld pid %s\n", what, ltype(type),
           (long)start, (long)len, ltype(fl.l_type), fl.l_whence, (long)fl.l_start,
           (long)fl.l_len, pid);
}

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    char zeros[200] = {0};

    int fd1 = CHECK_OK(open("f", O_RDWR | O_CREAT | O_EXCL, 0644));
    CHECK(write(fd1, zeros, sizeof zeros));
    int fd2 = CHECK_OK(open("f", O_RDWR));

    /* POSIX locks: our own locks never conflict, whatever the fd */
    CHECK(setlk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    getlk("getlk fd1", fd1, F_GETLK, F_WRLCK, 0, 10);
    getlk("getlk fd2", fd2, F_GETLK, F_WRLCK, 0, 10);
    CHECK(setlk(fd2, F_SETLK, F_WRLCK, SEEK_SET, 5, 10));
    CHECK(setlk(fd2, F_SETLK, F_RDLCK, SEEK_SET, 0, 100));
    CHECK(setlk(fd1, F_SETLKW, F_WRLCK, SEEK_SET, 0, 100));
    /* ... but they do conflict with OFD locks, whose owner differs */
    getlk("ofd_getlk fd1", fd1, F_OFD_GETLK, F_RDLCK, 50, 10);
    getlk("ofd_getlk fd2", fd2, F_OFD_GETLK, F_WRLCK, 99, 5);
    getlk("ofd_getlk fd2", fd2, F_OFD_GETLK, F_WRLCK, 100, 5);
    CHECK(setlk(fd1, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1));
    CHECK(setlk(fd1, F_OFD_SETLK, F_WRLCK, SEEK_SET, 100, 1));
    CHECK(setlk(fd1, F_OFD_SETLK, F_UNLCK, SEEK_SET, 100, 1));

    /* unlocking a middle range splits a lock */
    CHECK(setlk(fd1, F_SETLK, F_UNLCK, SEEK_SET, 40, 20));
    getlk("split", fd2, F_OFD_GETLK, F_WRLCK, 0, 200);
    getlk("split", fd2, F_OFD_GETLK, F_WRLCK, 40, 20);
    getlk("split", fd2, F_OFD_GETLK, F_WRLCK, 50, 1);
    getlk("split", fd2, F_OFD_GETLK, F_WRLCK, 45, 30);
    getlk("split", fd2, F_OFD_GETLK, F_WRLCK, 99, 1);
    /* unlocking everything (len 0 = to the end of file and beyond) */
    CHECK(setlk(fd1, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    getlk("all unlocked", fd2, F_OFD_GETLK, F_WRLCK, 0, 0);
    /* adjacent locks of one type merge */
    CHECK(setlk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    CHECK(setlk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 10, 10));
    getlk("merged", fd2, F_OFD_GETLK, F_WRLCK, 0, 100);
    /* a read lock in the middle of a write lock makes three pieces */
    CHECK(setlk(fd1, F_SETLK, F_RDLCK, SEEK_SET, 5, 10));
    getlk("three", fd2, F_OFD_GETLK, F_WRLCK, 0, 100);
    getlk("three", fd2, F_OFD_GETLK, F_RDLCK, 0, 100);
    getlk("three", fd2, F_OFD_GETLK, F_RDLCK, 7, 1);
    getlk("three", fd2, F_OFD_GETLK, F_WRLCK, 7, 1);
    getlk("three", fd2, F_OFD_GETLK, F_RDLCK, 14, 100);
    /* len 0 reaches to infinity; negative lengths lock backwards; whence */
    CHECK(setlk(fd1, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    CHECK(setlk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 1000, 0));
    getlk("to eof", fd2, F_OFD_GETLK, F_WRLCK, 5000000, 1);
    CHECK(setlk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 50, -10));
    getlk("negative len", fd2, F_OFD_GETLK, F_WRLCK, 0, 100);
    CHECK(lseek(fd1, 30, SEEK_SET));
    CHECK(setlk(fd1, F_SETLK, F_RDLCK, SEEK_CUR, -10, 5));
    getlk("seek_cur", fd2, F_OFD_GETLK, F_WRLCK, 0, 39);
    CHECK(setlk(fd1, F_SETLK, F_RDLCK, SEEK_END, -5, 2)); /* size 200 */
    getlk("seek_end", fd2, F_OFD_GETLK, F_WRLCK, 100, 900);
    CHECK(setlk(fd1, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));

    /* closing any fd of the file drops the process's POSIX locks */
    CHECK(setlk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    int fd3 = CHECK_OK(open("f", O_RDONLY));
    getlk("before close", fd2, F_OFD_GETLK, F_WRLCK, 0, 10);
    CHECK(close(fd3));
    getlk("after close of another fd", fd2, F_OFD_GETLK, F_WRLCK, 0, 10);

    /* OFD locks: different open file descriptions conflict */
    CHECK(setlk(fd1, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    getlk("ofd fd1", fd1, F_OFD_GETLK, F_WRLCK, 0, 10);
    getlk("ofd fd2", fd2, F_OFD_GETLK, F_WRLCK, 5, 10);
    getlk("ofd fd2", fd2, F_OFD_GETLK, F_RDLCK, 9, 1);
    getlk("ofd fd2", fd2, F_OFD_GETLK, F_RDLCK, 10, 1);
    CHECK(setlk(fd2, F_OFD_SETLK, F_RDLCK, SEEK_SET, 5, 1));
    CHECK(setlk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 10, 10));
    getlk("ofd fd1", fd1, F_OFD_GETLK, F_WRLCK, 0, 20);
    getlk("ofd fd1", fd1, F_OFD_GETLK, F_WRLCK, 0, 0);
    /* a POSIX lock now conflicts with the OFD locks */
    CHECK(setlk(fd1, F_SETLK, F_RDLCK, SEEK_SET, 15, 1));
    getlk("posix getlk", fd1, F_GETLK, F_WRLCK, 12, 1);
    /* read locks are shared */
    CHECK(setlk(fd1, F_OFD_SETLK, F_RDLCK, SEEK_SET, 50, 10));
    CHECK(setlk(fd2, F_OFD_SETLK, F_RDLCK, SEEK_SET, 50, 10));
    CHECK(setlk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 55, 1));
    CHECK(setlk(fd1, F_OFD_SETLK, F_WRLCK, SEEK_SET, 59, 10));
    getlk("shared", fd1, F_OFD_GETLK, F_WRLCK, 50, 10);
    /* converting a lock we hold */
    CHECK(setlk(fd2, F_OFD_SETLK, F_UNLCK, SEEK_SET, 50, 10));
    CHECK(setlk(fd1, F_OFD_SETLK, F_WRLCK, SEEK_SET, 50, 10));
    getlk("converted", fd2, F_OFD_GETLK, F_RDLCK, 50, 10);
    /* a dup shares the description, so it shares the locks */
    int dup1 = CHECK_OK(dup(fd1));
    getlk("dup of fd1", dup1, F_OFD_GETLK, F_WRLCK, 0, 100);
    CHECK(setlk(dup1, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 5));
    /* OFD locks stay until the last fd of the description is closed */
    CHECK(close(fd1));
    getlk("after close(fd1)", fd2, F_OFD_GETLK, F_WRLCK, 0, 100);
    CHECK(close(dup1));
    getlk("after close(dup1)", fd2, F_OFD_GETLK, F_WRLCK, 0, 100);
    fd1 = CHECK_OK(open("f", O_RDWR));
    getlk("fresh fd1", fd1, F_OFD_GETLK, F_WRLCK, 0, 100);
    CHECK(setlk(fd2, F_OFD_SETLK, F_UNLCK, SEEK_SET, 0, 0));

    /* errors */
    CHECK(setlk(fd1, F_SETLK, 99, SEEK_SET, 0, 1));
    CHECK(setlk(fd1, F_SETLK, F_WRLCK, 99, 0, 1));
    CHECK(setlk(fd1, F_SETLK, F_WRLCK, SEEK_SET, -1, 1));
    CHECK(setlk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 5, -10));
    CHECK(setlk(fd1, F_GETLK, F_UNLCK, SEEK_SET, 0, 1));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1,
                       .l_pid = 1};
    CHECK(fcntl(fd1, F_OFD_SETLK, &fl)); /* l_pid must be 0 */
    CHECK(fcntl(fd1, F_OFD_GETLK, &fl));
    CHECK(fcntl(fd1, F_SETLK, &fl)); /* ignored for POSIX locks */
    CHECK(setlk(fd1, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    CHECK(fcntl(fd1, F_SETLK, NULL));
    int rfd = CHECK_OK(open("f", O_RDONLY));
    int wfd = CHECK_OK(open("f", O_WRONLY));
    CHECK(setlk(rfd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
    CHECK(setlk(wfd, F_SETLK, F_RDLCK, SEEK_SET, 0, 1));
    CHECK(setlk(rfd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1));
    CHECK(setlk(rfd, F_SETLK, F_RDLCK, SEEK_SET, 0, 1));
    CHECK(setlk(rfd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1));
    CHECK(setlk(wfd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
    CHECK(setlk(wfd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1));
    CHECK(setlk(-1, F_SETLK, F_RDLCK, SEEK_SET, 0, 1));
    int pfd = CHECK_OK(open("f", O_PATH));
    CHECK(setlk(pfd, F_SETLK, F_RDLCK, SEEK_SET, 0, 1));

    /* flock: two open() of one file conflict */
    int fa = CHECK_OK(open("f", O_RDONLY));
    int fb = CHECK_OK(open("f", O_RDONLY));
    CHECK(flock(fa, LOCK_EX | LOCK_NB));
    CHECK(flock(fa, LOCK_EX | LOCK_NB)); /* again: fine */
    CHECK(flock(fb, LOCK_EX | LOCK_NB));
    CHECK(flock(fb, LOCK_SH | LOCK_NB));
    printf("EWOULDBLOCK == EAGAIN: %s\n", EWOULDBLOCK == EAGAIN ? "yes" : "no");
    /* flock and record locks are independent */
    CHECK(setlk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0));
    CHECK(setlk(fd2, F_OFD_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    CHECK(flock(fa, LOCK_UN));
    CHECK(flock(fb, LOCK_EX | LOCK_NB));
    CHECK(flock(fa, LOCK_SH | LOCK_NB));
    /* downgrade to shared: now others may share */
    CHECK(flock(fb, LOCK_SH | LOCK_NB));
    CHECK(flock(fa, LOCK_SH | LOCK_NB));
    CHECK(flock(fa, LOCK_EX | LOCK_NB)); /* fb still shares */
    /* a dup shares the lock of its description */
    int fc = CHECK_OK(dup(fb));
    CHECK(flock(fc, LOCK_UN)); /* unlocks fb's lock */
    CHECK(flock(fa, LOCK_EX | LOCK_NB));
    CHECK(flock(fb, LOCK_SH | LOCK_NB));
    CHECK(flock(fc, LOCK_SH | LOCK_NB));
    /* the lock goes away when the description's last fd closes */
    CHECK(close(fa));
    CHECK(flock(fb, LOCK_EX | LOCK_NB));
    fa = CHECK_OK(open("f", O_WRONLY));
    CHECK(flock(fa, LOCK_SH | LOCK_NB));
    CHECK(close(fb));
    CHECK(flock(fa, LOCK_SH | LOCK_NB)); /* fc still holds it */
    CHECK(close(fc));
    CHECK(flock(fa, LOCK_EX | LOCK_NB));
    CHECK(flock(fa, LOCK_UN));
    CHECK(flock(fa, LOCK_UN)); /* unlocking an unlocked file is fine */
    /* invalid operations */
    CHECK(flock(fa, 0));
    CHECK(flock(fa, LOCK_NB));
    CHECK(flock(fa, LOCK_SH | LOCK_EX));
    CHECK(flock(fa, 16));
    CHECK(flock(-1, LOCK_SH));
    CHECK(flock(pfd, LOCK_SH));
    /* flock on a directory works */
    CHECK(mkdir("d", 0755));
    int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
    CHECK(flock(dfd, LOCK_EX | LOCK_NB));
    CHECK(close(dfd));

    fs_cleanup();
    return 0;
}
