/* open/openat path walk and flag errors. */
#include "common.h"
#include <limits.h>

int main(void)
{
    char longname[300], longpath[PATH_MAX + 100];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    memset(longpath, 0, sizeof longpath);
    for (size_t i = 0; i + 2 < sizeof longpath; i += 2)
        memcpy(longpath + i, "/.", 2);

    CHECK_OK(open("/etc/passwd", O_RDONLY));
    CHECK(open("/nonexistent", O_RDONLY));
    CHECK(open("/nonexistent/x", O_RDONLY));
    CHECK(open("", O_RDONLY));
    CHECK(open("/etc/passwd/x", O_RDONLY));
    CHECK(open("/etc/passwd/", O_RDONLY));
    CHECK(open("/etc/passwd", O_RDONLY | O_DIRECTORY));
    CHECK(open("/etc", O_WRONLY));
    CHECK(open("/etc", O_RDWR));
    CHECK(open("/etc", O_RDONLY | O_CREAT, 0644));
    CHECK(open("/etc", O_WRONLY | O_TRUNC));
    CHECK_OK(open("/etc", O_RDONLY));
    CHECK_OK(open("/etc/", O_RDONLY | O_DIRECTORY));
    CHECK_OK(open("/etc/.", O_RDONLY));
    CHECK(open("/bin", O_RDONLY | O_NOFOLLOW));
    CHECK_OK(open("/bin", O_PATH | O_NOFOLLOW));
    CHECK_OK(open("/bin/", O_RDONLY | O_NOFOLLOW)); /* trailing slash follows */
    CHECK_OK(open("/bin/env", O_RDONLY | O_NOFOLLOW));
    CHECK(open("/etc/passwd", O_RDONLY | O_CREAT | O_EXCL, 0644));
    CHECK(open(longname, O_RDONLY));
    CHECK(open(longpath, O_RDONLY));
    CHECK(open("/etc/passwd", O_PATH | O_RDWR) >= 0);

    int dfd = open("/etc", O_RDONLY | O_DIRECTORY);
    CHECK_OK(openat(dfd, "passwd", O_RDONLY));
    CHECK_OK(openat(dfd, "../etc/passwd", O_RDONLY));
    CHECK_OK(openat(dfd, "/etc/passwd", O_RDONLY));
    CHECK(openat(-1, "passwd", O_RDONLY));
    CHECK_OK(openat(-1, "/etc/passwd", O_RDONLY));
    CHECK(openat(55, "passwd", O_RDONLY));
    int f = open("/etc/passwd", O_RDONLY);
    CHECK(openat(f, "x", O_RDONLY));
    CHECK(openat(f, "", O_RDONLY));

    /* the lowest free descriptor is used */
    int a = open("/dev/null", O_RDONLY);
    int b = open("/dev/null", O_RDONLY);
    close(a);
    int c = open("/dev/null", O_RDONLY);
    SHOW(b == a + 1 && c == a);
    return 0;
}
