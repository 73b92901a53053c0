/* getcwd/chdir/fchdir and relative path resolution. */
#include "common.h"

static void pwd(void)
{
    char buf[256];
    if (getcwd(buf, sizeof buf))
        printf("cwd: %s\n", buf);
    else
        printf("getcwd: %s\n", errname(errno));
}

int main(void)
{
    char buf[256];
    CHECK(chdir("/usr/bin"));
    pwd();
    CHECK(access("env", X_OK));
    CHECK(chdir(".."));
    pwd();
    CHECK(chdir("./lib/../bin/./"));
    pwd();
    CHECK(chdir("/bin")); /* symlink: getcwd shows the resolved path */
    pwd();
    CHECK(chdir("/"));
    pwd();
    CHECK(chdir(".."));
    pwd();
    CHECK(chdir("/etc/passwd"));
    CHECK(chdir("/nonexistent"));
    CHECK(chdir(""));
    CHECK(chdir((char *)1));
    pwd();

    int d = open("/etc", O_RDONLY | O_DIRECTORY);
    CHECK(fchdir(d));
    pwd();
    CHECK(access("passwd", R_OK));
    int f = CHECK_OK(open("passwd", O_RDONLY));
    close(f);
    int p = open("/usr", O_PATH);
    CHECK(fchdir(p));
    pwd();
    int file = open("/etc/passwd", O_RDONLY);
    CHECK(fchdir(file));
    CHECK(fchdir(-1));
    CHECK(fchdir(99));
    pwd();

    CHECK(chdir("/usr/bin"));
    CHECK(syscall(SYS_getcwd, buf, sizeof buf)); /* length including NUL */
    CHECK(syscall(SYS_getcwd, buf, 5));
    CHECK(syscall(SYS_getcwd, buf, 0));
    CHECK(syscall(SYS_getcwd, (char *)1, sizeof buf));
    printf("getcwd(buf, 9): %s\n", getcwd(buf, 9) ? buf : errname(errno));
    printf("getcwd(buf, 8): %s\n", getcwd(buf, 8) ? buf : errname(errno));
    char *m = getcwd(NULL, 0);
    printf("getcwd(NULL, 0): %s\n", m ? m : errname(errno));
    free(m);
    return 0;
}
