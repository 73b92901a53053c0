/* access/faccessat/faccessat2 on host files. */
#include "common.h"

int main(void)
{
    CHECK(access("/etc/passwd", F_OK));
    CHECK(access("/etc/passwd", R_OK));
    CHECK(access("/etc/passwd", X_OK));
    CHECK(access("/usr/bin/env", X_OK));
    CHECK(access("/usr/bin/env", R_OK | X_OK));
    CHECK(access("/usr/bin", X_OK));
    CHECK(access("/nonexistent", F_OK));
    CHECK(access("/etc/passwd/x", F_OK));
    CHECK(access("/etc/passwd", 0x40));
    CHECK(access("", F_OK));
    CHECK(access((char *)1, F_OK));

    int dfd = open("/etc", O_RDONLY | O_DIRECTORY);
    CHECK(faccessat(dfd, "passwd", R_OK, 0));
    CHECK(faccessat(dfd, "passwd", R_OK, AT_EACCESS));
    CHECK(faccessat(-1, "passwd", R_OK, 0));
    CHECK(syscall(SYS_faccessat, dfd, "passwd", R_OK));
    CHECK(syscall(SYS_faccessat2, dfd, "passwd", R_OK, 0));
    CHECK(syscall(SYS_faccessat2, dfd, "passwd", X_OK, AT_EACCESS));
    CHECK(syscall(SYS_faccessat2, AT_FDCWD, "/bin", F_OK, AT_SYMLINK_NOFOLLOW));
    CHECK(syscall(SYS_faccessat2, dfd, "", F_OK, AT_EMPTY_PATH));
    CHECK(syscall(SYS_faccessat2, dfd, "", F_OK, 0));
    CHECK(syscall(SYS_faccessat2, dfd, "passwd", F_OK, 0x1));
    CHECK(syscall(SYS_faccessat2, dfd, "passwd", 0x80, 0));
    return 0;
}
