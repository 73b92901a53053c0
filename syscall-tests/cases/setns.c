/* setns(2) with /proc/self/ns files and a pidfd: back into a saved UTS namespace and mount namespace (the cwd
 * moves to the namespace's root), nstype checks (EINVAL for another kind, 0 for any), EBADF, EINVAL for a file
 * that names no namespace, EPERM without CAP_SYS_ADMIN, EINVAL for a mount namespace while another task
 * shares the fs context; the nsfs file's inode number tells namespaces apart. */
#include "mount_common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/utsname.h>

static int uts_fd, mnt_fd;

static void unprivileged(void)
{
    CHECK(setns(uts_fd, CLONE_NEWUTS));
    CHECK(setns(mnt_fd, CLONE_NEWNS));
}

static void *sleeper(void *arg) { (void)arg; pause(); return NULL; }

static void nodename(const char *what)
{
    struct utsname u;
    uname(&u);
    printf("%s: %s\n", what, u.nodename);
}

static void body(void)
{
    CHECK(sethostname("case-start", 10));
    uts_fd = CHECK_OK(open("/proc/self/ns/uts", O_RDONLY));
    mnt_fd = CHECK_OK(open("/proc/self/ns/mnt", O_RDONLY));
    struct stat a, b;
    CHECK(fstat(uts_fd, &a));
    CHECK(stat("/proc/self/ns/uts", &b));
    printf("regular 0444: %d, same inode: %d\n", S_ISREG(a.st_mode) && (a.st_mode & 0777) == 0444, a.st_ino == b.st_ino);

    CHECK(unshare(CLONE_NEWUTS));
    CHECK(stat("/proc/self/ns/uts", &b));
    printf("after unshare same inode: %d\n", a.st_ino == b.st_ino);
    CHECK(sethostname("case-new", 8));
    nodename("new");
    CHECK(setns(uts_fd, CLONE_NEWNS));
    CHECK(setns(uts_fd, CLONE_NEWIPC));
    CHECK(setns(uts_fd, CLONE_NEWUTS));
    nodename("back");
    CHECK(setns(uts_fd, 0));
    CHECK(setns(-1, CLONE_NEWUTS));
    CHECK(setns(100, 0));
    int plain = CHECK_OK(open("/proc/self/status", O_RDONLY));
    CHECK(setns(plain, 0));
    close(plain);
    int path = CHECK_OK(open("/proc/self/ns/uts", O_PATH));
    CHECK(setns(path, 0));
    close(path);
    as_nobody(unprivileged);

    /* The mount namespace: a mount taken away in a new namespace is back after setns, and the cwd is "/". */
    CHECK(mkdir(sp("m"), 0755));
    CHECK(mount("m", sp("m"), "tmpfs", 0, NULL));
    write_file(sp("m/file"), "m file");
    CHECK(unshare(CLONE_NEWNS));
    CHECK(umount2(sp("m"), 0));
    printf("in new: %s\n", read_line(sp("m/file")));
    CHECK(chdir(scratch));
    CHECK(setns(mnt_fd, CLONE_NEWNS));
    printf("back: %s\n", read_line(sp("m/file")));
    char cwd[256];
    long n = syscall(SYS_getcwd, cwd, sizeof cwd);
    printf("cwd: %s\n", n < 0 ? errname(errno) : cwd);

    /* A thread shares our fs context: EINVAL for a mount namespace, fine for UTS. */
    pthread_t th;
    pthread_create(&th, NULL, sleeper, NULL);
    CHECK(setns(mnt_fd, CLONE_NEWNS));
    CHECK(setns(uts_fd, CLONE_NEWUTS));

    /* A pidfd: the namespaces of another process, by flags. */
    int pipefd[2];
    pipe(pipefd);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
    {
        unshare(CLONE_NEWUTS);
        sethostname("kid", 3);
        write(pipefd[1], "r", 1);
        pause();
        _exit(0);
    }
    char r;
    read(pipefd[0], &r, 1);
    int pfd = CHECK_OK(syscall(SYS_pidfd_open, c, 0));
    CHECK(setns(pfd, 0));
    CHECK(setns(pfd, 0x1));
    CHECK(setns(pfd, CLONE_NEWUTS));
    nodename("joined by pidfd");
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    CHECK(setns(uts_fd, CLONE_NEWUTS));
    nodename("back again");
    _exit(0);
}

int main(void)
{
    return isolated(body, CLONE_NEWUTS);
}
