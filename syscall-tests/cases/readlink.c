/* readlink/readlinkat: /proc/self/exe, a host symlink (/bin), errors. */
#include "common.h"
#include <limits.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

int main(int argc, char **argv)
{
    char buf[PATH_MAX + 1];
    char want[256];
    snprintf(want, sizeof want, "/%s", base_name(argv[0]));

    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    printf("readlink /proc/self/exe ok: %s\n", n > 0 ? "yes" : "no");
    buf[n > 0 ? n : 0] = 0;
    printf("absolute: %s\n", buf[0] == '/' ? "yes" : "no");
    printf("ends with binary name: %s\n", ends_with(buf, want) ? "yes" : "no");
    /* the target is the real path of argv[0] */
    char real[PATH_MAX];
    printf("matches realpath(argv[0]): %s\n",
           realpath(argv[0], real) && !strcmp(real, buf) ? "yes" : "no");

    n = readlinkat(AT_FDCWD, "/proc/self/exe", buf, 3);
    printf("truncated readlink: %zd\n", n);

    n = readlink("/bin", buf, sizeof buf);
    printf("readlink /bin = %zd", n);
    if (n >= 0)
        printf(" \"%.*s\"", (int)n, buf);
    printf("\n");
    int dfd = open("/", O_RDONLY | O_DIRECTORY);
    n = readlinkat(dfd, "lib", buf, sizeof buf);
    printf("readlinkat(/, lib) = %zd", n);
    if (n >= 0)
        printf(" \"%.*s\"", (int)n, buf);
    printf("\n");

    CHECK(readlink("/etc/passwd", buf, sizeof buf));
    CHECK(readlink("/nonexistent", buf, sizeof buf));
    CHECK(readlink("/bin", buf, 0));
    CHECK(readlink("/bin", buf, -1));
    CHECK(readlink("/bin", (char *)1, sizeof buf));
    CHECK(readlink((char *)1, buf, sizeof buf));
    CHECK(readlink("", buf, sizeof buf));
    CHECK(readlinkat(-1, "bin", buf, sizeof buf));
    CHECK(readlink("/bin/", buf, sizeof buf));
    return 0;
}
