/* getdents64 of /usr/bin and /etc: entry counts, a hash of the sorted
 * names, d_type of a few known entries, small buffers, errors. */
#include "common.h"
#include <dirent.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static char *names[8192];

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir, int bufsize)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    static char buf[65536];
    int count = 0, dot = 0, dotdot = 0, calls = 0;
    int t_env = -1, t_passwd = -1, t_ssl = -1; /* printed in a fixed order */
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, bufsize);
        if (n < 0) {
            printf("getdents64(%s): -1 %s\n", dir, errname(errno));
            return;
        }
        if (n == 0)
            break;
        calls++;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (void *)(buf + off);
            if (!strcmp(d->d_name, "."))
                dot = d->d_type == DT_DIR;
            else if (!strcmp(d->d_name, ".."))
                dotdot = d->d_type == DT_DIR;
            else if (!strcmp(d->d_name, "env"))
                t_env = d->d_type;
            else if (!strcmp(d->d_name, "passwd"))
                t_passwd = d->d_type;
            else if (!strcmp(d->d_name, "ssl"))
                t_ssl = d->d_type;
            if (count < 8192)
                names[count] = strdup(d->d_name);
            count++;
            off += d->d_reclen;
        }
    }
    printf("  d_type: env %d, passwd %d, ssl %d\n", t_env, t_passwd, t_ssl);
    qsort(names, count, sizeof names[0], cmp);
    uint32_t h = 2166136261u;
    for (int i = 0; i < count; i++) {
        for (const char *p = names[i]; *p; p++)
            h = (h ^ (unsigned char)*p) * 16777619u;
        h = (h ^ '/') * 16777619u;
        if (i > 0 && !strcmp(names[i], names[i - 1]))
            printf("  duplicate entry %s\n", names[i]);
        free(names[i]);
    }
    printf("%s (buf %d): %d entries, . %d, .. %d, sorted-name hash %08x, multiple calls %s\n",
           dir, bufsize, count, dot, dotdot, h, calls > 1 ? "yes" : "no");
    /* at EOF: further calls return 0; rewinding starts over */
    printf("  again at EOF: %ld\n", syscall(SYS_getdents64, fd, buf, bufsize));
    lseek(fd, 0, SEEK_SET);
    printf("  after rewind: %s\n", syscall(SYS_getdents64, fd, buf, bufsize) > 0 ? "data" : "none");
    close(fd);
}

int main(void)
{
    list("/usr/bin", 65536);
    list("/usr/bin", 512);
    list("/etc", 4096);
    list("/", 4096);

    char buf[256];
    int fd = open("/usr/bin", O_RDONLY | O_DIRECTORY);
    CHECK(syscall(SYS_getdents64, fd, buf, 8));
    CHECK(syscall(SYS_getdents64, fd, (void *)1, sizeof buf));
    CHECK(syscall(SYS_getdents64, -1, buf, sizeof buf));
    int f = open("/etc/passwd", O_RDONLY);
    CHECK(syscall(SYS_getdents64, f, buf, sizeof buf));
    CHECK(open("/etc/passwd", O_RDONLY | O_DIRECTORY));

    /* libc's readdir on top of getdents64 */
    DIR *d = opendir("/usr/bin");
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    printf("readdir /usr/bin: %d\n", n);

    /* A buffer that claims a page but has 256 writable bytes: each call returns the whole entries that fit;
     * a count past INT_MAX fits none (EINVAL). */
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/getdents.%d", (int)getpid());
    mkdir(dir, 0755);
    char name[128];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "%s/entry-with-a-longish-name-%03d", dir, i);
        close(open(name, O_CREAT | O_WRONLY, 0644));
    }
    char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(pages + 4096, 4096, PROT_NONE);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    int total = 0, calls = 0;
    long r;
    while ((r = syscall(SYS_getdents64, dfd, pages + 4096 - 256, 4096)) > 0) {
        calls++;
        for (long off = 0; off < r; off += ((struct linux_dirent64 *)(pages + 4096 - 256 + off))->d_reclen) total++;
    }
    printf("through 256 bytes: %d entries, last %ld %s, more than one call %d\n", total, r, r < 0 ? errname(errno) : "", calls > 1);
    CHECK(lseek(dfd, 0, SEEK_SET));
    CHECK(syscall(SYS_getdents64, dfd, pages, 0x80000000u));
    CHECK(syscall(SYS_getdents64, dfd, pages + 4096, 4096));
    close(dfd);
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "%s/entry-with-a-longish-name-%03d", dir, i);
        unlink(name);
    }
    rmdir(dir);
    return 0;
}
