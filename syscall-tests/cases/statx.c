/* statx on host files; compares with fstat. */
#include "common.h"
#include <sys/stat.h>

int main(void)
{
    struct statx sx;
    struct stat st;
    CHECK(statx(AT_FDCWD, "/etc/passwd", 0, STATX_BASIC_STATS, &sx));
    SHOW((sx.stx_mask & (STATX_TYPE | STATX_MODE | STATX_SIZE)) == (STATX_TYPE | STATX_MODE | STATX_SIZE));
    SHOW(S_ISREG(sx.stx_mode));
    CHECK(stat("/etc/passwd", &st));
    SHOW(sx.stx_size == (unsigned long long)st.st_size);
    SHOW(sx.stx_ino == st.st_ino);
    SHOW(sx.stx_mode == st.st_mode);
    SHOW(sx.stx_nlink == st.st_nlink);
    SHOW(sx.stx_uid == st.st_uid && sx.stx_gid == st.st_gid);
    SHOW(sx.stx_mtime.tv_sec == st.st_mtim.tv_sec);

    CHECK(statx(AT_FDCWD, "/usr/bin", 0, STATX_TYPE, &sx));
    SHOW(S_ISDIR(sx.stx_mode));
    CHECK(statx(AT_FDCWD, "/bin", AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_SIZE, &sx));
    SHOW(S_ISLNK(sx.stx_mode));
    printf("symlink size: %llu\n", (unsigned long long)sx.stx_size);
    CHECK(statx(AT_FDCWD, "/bin", 0, STATX_TYPE, &sx));
    SHOW(S_ISDIR(sx.stx_mode));

    int fd = open("/usr/bin/env", O_RDONLY);
    CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx));
    SHOW(S_ISREG(sx.stx_mode) && (sx.stx_mode & 0111));
    CHECK(fstat(fd, &st));
    SHOW(sx.stx_size == (unsigned long long)st.st_size);

    CHECK(statx(AT_FDCWD, "/nonexistent", 0, STATX_BASIC_STATS, &sx));
    CHECK(statx(AT_FDCWD, "/etc/passwd", 0, STATX__RESERVED, &sx));
    CHECK(statx(AT_FDCWD, "/etc/passwd", 0x40000000, STATX_BASIC_STATS, &sx));
    CHECK(statx(AT_FDCWD, "/etc/passwd", 0, STATX_BASIC_STATS, (struct statx *)1));
    CHECK(statx(AT_FDCWD, (char *)1, 0, STATX_BASIC_STATS, &sx));
    return 0;
}
