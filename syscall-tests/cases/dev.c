/* /dev/null, /dev/zero, /dev/full, /dev/urandom, /dev/random. */
#include "common.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void kind(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        printf("%s: %s\n", path, errname(errno));
        return;
    }
    printf("%s: chr=%d rdev=%u:%u perm=%04o\n", path, S_ISCHR(st.st_mode),
           major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);
}

int main(void)
{
    char buf[64];
    kind("/dev/null");
    kind("/dev/zero");
    kind("/dev/full");
    kind("/dev/random");
    kind("/dev/urandom");

    int n = CHECK_OK(open("/dev/null", O_RDWR));
    CHECK(write(n, "abc", 3));
    CHECK(read(n, buf, sizeof buf));
    CHECK(pread(n, buf, sizeof buf, 100));
    CHECK(lseek(n, 0, SEEK_CUR));

    int z = CHECK_OK(open("/dev/zero", O_RDWR));
    memset(buf, 1, sizeof buf);
    CHECK(read(z, buf, sizeof buf));
    int allz = 1;
    for (size_t i = 0; i < sizeof buf; i++)
        allz &= buf[i] == 0;
    SHOW(allz);
    CHECK(write(z, "abc", 3));

    int f = CHECK_OK(open("/dev/full", O_RDWR));
    CHECK(write(f, "abc", 3));
    memset(buf, 1, sizeof buf);
    CHECK(read(f, buf, 16));
    SHOW(buf[0] == 0 && buf[15] == 0);

    int u = CHECK_OK(open("/dev/urandom", O_RDONLY));
    CHECK(read(u, buf, 32));
    int nz = 0;
    for (int i = 0; i < 32; i++)
        nz |= buf[i];
    SHOW(nz != 0);
    int r = CHECK_OK(open("/dev/random", O_RDONLY));
    CHECK(read(r, buf, 16));
    CHECK(write(u, "x", 1) >= 0 || errno == EBADF);
    CHECK(close(u));
    CHECK(close(r));
    CHECK(open("/dev/nonexistent-device", O_RDONLY));
    return 0;
}
