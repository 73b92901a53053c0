/* umask set/get; the initial value is not printed. */
#include "common.h"
#include <sys/stat.h>

int main(void)
{
    umask(027);
    printf("umask(022) returns %04o\n", umask(022));
    printf("umask(0) returns %04o\n", umask(0));
    printf("umask(0777777) returns %04o\n", umask(0777777));
    printf("umask(022) returns %04o\n", umask(022));
    /* the umask applies to file creation */
    const char *path = scratch_path("umask");
    umask(077);
    int fd = CHECK_OK(open(path, O_CREAT | O_EXCL | O_RDWR, 0666));
    struct stat st;
    CHECK(fstat(fd, &st));
    printf("mode with umask 077: %04o\n", st.st_mode & 0777);
    CHECK(fchmod(fd, 0640));
    CHECK(fstat(fd, &st));
    printf("after fchmod: %04o\n", st.st_mode & 0777);
    CHECK(unlink(path));
    CHECK(mkdir(path, 0777));
    CHECK(stat(path, &st));
    printf("dir mode: %04o\n", st.st_mode & 0777);
    CHECK(rmdir(path));
    return 0;
}
