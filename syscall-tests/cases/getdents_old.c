/* The old getdents(2) (struct linux_dirent, d_type in the record's last
 * byte) lists what getdents64 lists: names, types and offsets that resume,
 * EINVAL for a buffer too small for one record, ENOTDIR, EBADF. */
#include "common.h"
#include <sys/stat.h>
#include <sys/syscall.h>
#include <dirent.h>

struct old_dirent {
    unsigned long d_ino;
    unsigned long d_off;
    unsigned short d_reclen;
    char d_name[];
};

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void)
{
    char dir[] = "/tmp/getdents_old_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[200];
    const char *files[] = {"alpha", "beta", "a-name-that-is-rather-longer-than-the-others"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        close(open(path, O_CREAT | O_WRONLY, 0644));
    }
    snprintf(path, sizeof path, "%s/sub", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/link", dir);
    symlink("alpha", path);

    int fd = CHECK_OK(open(dir, O_RDONLY | O_DIRECTORY));
    char *names[32];
    int n = 0;
    /* A small buffer: several calls, each resuming where the last stopped. */
    char buf[64];
    int calls = 0;
    for (;;) {
        long r = syscall(SYS_getdents, fd, buf, sizeof buf);
        if (r < 0) { printf("getdents: %s\n", errname(errno)); break; }
        if (r == 0) break;
        calls++;
        for (long off = 0; off < r;) {
            struct old_dirent *d = (struct old_dirent *)(buf + off);
            char type = buf[off + d->d_reclen - 1];
            char line[300];
            snprintf(line, sizeof line, "%s type=%d", d->d_name, type);
            if (n < 32) names[n++] = strdup(line);
            off += d->d_reclen;
        }
    }
    qsort(names, n, sizeof names[0], cmp);
    for (int i = 0; i < n; i++) printf("%s\n", names[i]);
    SHOW(calls > 1);
    CHECK(lseek(fd, 0, SEEK_SET));
    CHECK(syscall(SYS_getdents, fd, buf, 20));
    close(fd);
    snprintf(path, sizeof path, "%s/alpha", dir);
    int f = CHECK_OK(open(path, O_RDONLY));
    CHECK(syscall(SYS_getdents, f, buf, sizeof buf));
    close(f);
    CHECK(syscall(SYS_getdents, 999, buf, sizeof buf));
    for (int i = 0; i < 3; i++) { snprintf(path, sizeof path, "%s/%s", dir, files[i]); unlink(path); }
    snprintf(path, sizeof path, "%s/link", dir); unlink(path);
    snprintf(path, sizeof path, "%s/sub", dir); rmdir(path);
    rmdir(dir);
    return 0;
}
