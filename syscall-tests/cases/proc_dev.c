/* /dev beyond the memory devices: fd, stdin/stdout/stderr links, tty, shm, pts.
 * (Opening /dev/tty depends on whether the runner has a controlling
 * terminal, so only its node is checked here.) */
#include "common.h"
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void link_of(const char *path)
{
    char t[256];
    ssize_t n = readlink(path, t, sizeof t - 1);
    if (n < 0) {
        printf("%s: %s\n", path, errname(errno));
        return;
    }
    t[n] = 0;
    printf("%s -> %s\n", path, t);
}

int main(void)
{
    link_of("/dev/fd");
    link_of("/dev/stdin");
    link_of("/dev/stdout");
    link_of("/dev/stderr");
    CHECK(access("/dev/fd/0", F_OK));
    CHECK(access("/dev/stdin", R_OK));

    struct stat st;
    CHECK(stat("/dev/fd", &st));
    SHOW(S_ISDIR(st.st_mode));
    /* stdin is /dev/null in both runs: reading through the link gives EOF */
    int fd = CHECK_OK(open("/dev/stdin", O_RDONLY));
    char c;
    CHECK(read(fd, &c, 1));
    close(fd);
    fd = CHECK_OK(open("/dev/fd/0", O_RDONLY));
    close(fd);

    /* /dev/fd/N of a pipe */
    int p[2];
    pipe(p);
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", p[0]);
    fd = CHECK_OK(open(path, O_RDONLY | O_NONBLOCK));
    CHECK(write(p[1], "hi", 2));
    char b[4] = "";
    CHECK(read(fd, b, sizeof b - 1));
    printf("through /dev/fd: %s\n", b);
    close(fd);
    close(p[0]);
    close(p[1]);

    CHECK(stat("/dev/tty", &st));
    printf("/dev/tty: chr=%d rdev=%u:%u perm=%04o\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev),
           st.st_mode & 07777);

    CHECK(stat("/dev/shm", &st));
    printf("/dev/shm: dir=%d perm=%04o\n", S_ISDIR(st.st_mode), st.st_mode & 07777);
    char name[128];
    snprintf(name, sizeof name, "/dev/shm/appkernel-proc-dev-%d", getpid());
    fd = CHECK_OK(open(name, O_CREAT | O_RDWR | O_EXCL, 0600));
    CHECK(write(fd, "abc", 3));
    close(fd);
    CHECK(unlink(name));

    CHECK(stat("/dev/pts", &st));
    printf("/dev/pts: dir=%d\n", S_ISDIR(st.st_mode));
    CHECK(open("/dev/no-such-device", O_RDONLY));
    return 0;
}
