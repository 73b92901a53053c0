/* File and directory syscalls from a static binary. */
#include "common.h"
#include <dirent.h>
#include <sys/stat.h>

int main(void)
{
    int fd = CHECK_OK(open("/etc/passwd", O_RDONLY | O_CLOEXEC));
    struct stat st;
    CHECK(fstat(fd, &st));
    char *buf = malloc(st.st_size + 1);
    long total = 0, n;
    while ((n = read(fd, buf + total, st.st_size - total)) > 0)
        total += n;
    SHOW(total == st.st_size);
    buf[total] = 0;
    printf("has root entry: %s\n", strncmp(buf, "root:", 5) == 0 ? "yes" : "no");
    CHECK(close(fd));
    DIR *d = opendir("/usr/bin");
    int count = 0;
    while (readdir(d))
        count++;
    closedir(d);
    SHOW(count > 10);
    CHECK(chdir("/etc"));
    CHECK(access("passwd", R_OK));
    char cwd[64];
    printf("cwd: %s\n", getcwd(cwd, sizeof cwd));
    CHECK(open("nonexistent", O_RDONLY));
    return 0;
}
