/* lseek: SEEK_SET/CUR/END, bad whence, negative results, unseekable fds. */
#include "common.h"
#include <sys/stat.h>

int main(void)
{
    const char *path = scratch_path("lseek");
    int fd = CHECK_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    if (fd < 0)
        return 1;
    CHECK(write(fd, "0123456789", 10));
    CHECK(lseek(fd, 0, SEEK_CUR));
    CHECK(lseek(fd, 3, SEEK_SET));
    char c;
    CHECK(read(fd, &c, 1));
    printf("byte at 3: %c\n", c);
    CHECK(lseek(fd, 2, SEEK_CUR));
    CHECK(read(fd, &c, 1));
    printf("byte at 6: %c\n", c);
    CHECK(lseek(fd, -1, SEEK_END));
    CHECK(read(fd, &c, 1));
    printf("last byte: %c\n", c);
    CHECK(lseek(fd, 0, SEEK_END));
    CHECK(lseek(fd, 100, SEEK_END));
    CHECK(lseek(fd, -11, SEEK_END));
    CHECK(lseek(fd, -1, SEEK_SET));
    CHECK(lseek(fd, 5, SEEK_SET));
    CHECK(lseek(fd, -6, SEEK_CUR));
    CHECK(lseek(fd, 0, SEEK_CUR)); /* failed seeks leave the offset */
    CHECK(lseek(fd, 0, 3 + 42));
    CHECK(lseek(fd, 0, -1));
    /* seek past the end then write: the gap reads as zeros */
    CHECK(lseek(fd, 15, SEEK_SET));
    CHECK(write(fd, "Z", 1));
    CHECK(lseek(fd, 0, SEEK_END));
    char buf[16];
    CHECK(pread(fd, buf, 6, 10));
    printf("gap: %d %d %d %d %d %c\n", buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]);
    CHECK(lseek(fd, 0, SEEK_DATA));
    CHECK(close(fd));
    CHECK(unlink(path));

    CHECK(lseek(-1, 0, SEEK_SET));
    CHECK(lseek(99, 0, SEEK_SET));

    int p[2];
    CHECK(pipe(p));
    CHECK(lseek(p[0], 0, SEEK_CUR));
    CHECK(lseek(p[1], 0, SEEK_SET));

    int dn = CHECK_OK(open("/dev/null", O_RDWR));
    CHECK(lseek(dn, 123, SEEK_SET));
    int dz = CHECK_OK(open("/dev/zero", O_RDONLY));
    CHECK(lseek(dz, 123, SEEK_SET));

    /* directories: SEEK_SET 0 is allowed */
    int d = CHECK_OK(open("/etc", O_RDONLY | O_DIRECTORY));
    CHECK(lseek(d, 0, SEEK_SET));

    /* a read-only file on the root */
    int pw = CHECK_OK(open("/etc/passwd", O_RDONLY));
    off_t end = lseek(pw, 0, SEEK_END);
    struct stat st;
    fstat(pw, &st);
    SHOW(end == st.st_size);

    /* /proc's seq files take only SEEK_SET and SEEK_CUR; /proc/sys files and proc/sys directories seek from 0 */
    const char *paths[] = { "/proc/self", "/proc/meminfo", "/proc/self/status", "/proc/sys/kernel/ostype", "/sys/devices" };
    for (int i = 0; i < 5; i++) {
        int fd = open(paths[i], O_RDONLY);
        long cur = lseek(fd, 0, SEEK_CUR);
        long e = lseek(fd, 10, SEEK_END);
        printf("%s: cur %ld end+10 %ld %s\n", paths[i], cur, e, e < 0 ? errname(errno) : "");
        close(fd);
    }
    return 0;
}
