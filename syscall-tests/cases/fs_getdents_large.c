/* getdents64 of a directory with 3000 files through a small buffer: every
 * name exactly once, d_type, resuming at a d_off, rewinding after half the
 * files are unlinked. */
#include "fs_common.h"
#include <dirent.h>
#include <stdint.h>

#define NFILES 3000

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int seen[NFILES];

struct scan {
    int entries, calls, dot, dotdot, bad_type, bad_name, bad_reclen;
    int64_t first_call_last_off; /* d_off of the last entry of the first call */
    int first_call_entries;
};

/* Reads the directory from the current offset to the end. */
static struct scan scan(int fd, int bufsize)
{
    static char buf[65536];
    struct scan s = {0};
    memset(seen, 0, sizeof seen);
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, bufsize);
        if (n < 0) {
            printf("getdents64: -1 %s\n", errname(errno));
            break;
        }
        if (n == 0)
            break;
        s.calls++;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (void *)(buf + off);
            if (d->d_reclen == 0 || d->d_reclen % 8 != 0 || off + d->d_reclen > n) {
                s.bad_reclen++;
                break;
            }
            s.entries++;
            if (s.calls == 1) {
                s.first_call_last_off = d->d_off;
                s.first_call_entries++;
            }
            if (!strcmp(d->d_name, "."))
                s.dot++;
            else if (!strcmp(d->d_name, ".."))
                s.dotdot++;
            else {
                int i;
                char c;
                if (sscanf(d->d_name, "file%d%c", &i, &c) == 1 && i >= 0 && i < NFILES)
                    seen[i]++;
                else
                    s.bad_name++;
                if (d->d_type != DT_REG)
                    s.bad_type++;
            }
            off += d->d_reclen;
        }
    }
    return s;
}

/* Prints how many of the files selected by WANT(i) were seen once, and
 * how many were seen more than once or unexpectedly. */
static void report(const char *what, struct scan s, int (*want)(int))
{
    int once = 0, dup = 0, missing = 0, unexpected = 0;
    for (int i = 0; i < NFILES; i++) {
        if (want(i)) {
            if (seen[i] == 1)
                once++;
            else if (seen[i] == 0)
                missing++;
            else
                dup++;
        } else if (seen[i]) {
            unexpected++;
        }
    }
    printf("%s: entries %d, . %d, .. %d, once %d, missing %d, duplicated %d, unexpected %d,"
           " bad names %d, bad d_type %d, bad reclen %d, several calls %s\n",
           what, s.entries, s.dot, s.dotdot, once, missing, dup, unexpected, s.bad_name,
           s.bad_type, s.bad_reclen, s.calls > 1 ? "yes" : "no");
}

static int all(int i)
{
    (void)i;
    return 1;
}

static int even(int i)
{
    return i % 2 == 0;
}

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    char name[32];

    CHECK(mkdir("big", 0755));
    int created = 0;
    for (int i = 0; i < NFILES; i++) {
        snprintf(name, sizeof name, "big/file%d", i);
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) {
            printf("create %s: %s\n", name, errname(errno));
            break;
        }
        close(fd);
        created++;
    }
    printf("created %d files\n", created);

    int fd = CHECK_OK(open("big", O_RDONLY | O_DIRECTORY));
    struct scan s = scan(fd, 1024);
    report("buf 1024", s, all);
    printf("entries in the first call: %s\n",
           s.first_call_entries > 2 && s.first_call_entries < 60 ? "some" : "unexpected");
    /* at the end: 0, and again 0 */
    char buf[1024];
    CHECK(syscall(SYS_getdents64, fd, buf, sizeof buf));
    CHECK(syscall(SYS_getdents64, fd, buf, sizeof buf));

    /* resume after the first call: the rest of the entries follow */
    CHECK(lseek(fd, s.first_call_last_off, SEEK_SET) == s.first_call_last_off);
    struct scan rest = scan(fd, 1024);
    printf("resumed at the first call's last d_off: first call + rest %s the full count\n",
           s.first_call_entries + rest.entries == s.entries ? "make" : "do not make");

    /* a large buffer sees the same */
    CHECK(lseek(fd, 0, SEEK_SET));
    report("buf 65536", scan(fd, 65536), all);
    /* a tiny one that fits one entry at a time */
    CHECK(lseek(fd, 0, SEEK_SET));
    s = scan(fd, 40);
    report("buf 40", s, all);
    printf("calls with buf 40 == entries: %s\n", s.calls == s.entries ? "yes" : "no");

    /* unlink the odd files; a rewound scan sees only the even ones */
    int removed = 0;
    for (int i = 1; i < NFILES; i += 2) {
        snprintf(name, sizeof name, "big/file%d", i);
        if (unlink(name) == 0)
            removed++;
        else
            printf("unlink %s: %s\n", name, errname(errno));
    }
    printf("removed %d files\n", removed);
    CHECK(lseek(fd, 0, SEEK_SET));
    report("after unlink, buf 1024", scan(fd, 1024), even);
    /* a fresh descriptor agrees */
    int fd2 = CHECK_OK(open("big", O_RDONLY | O_DIRECTORY));
    report("new fd, buf 4096", scan(fd2, 4096), even);
    CHECK(close(fd2));

    /* libc readdir */
    DIR *dir = opendir("big");
    int n = 0;
    while (readdir(dir))
        n++;
    closedir(dir);
    printf("readdir: %d\n", n);

    /* remove the rest; the directory reads as just . and .. */
    for (int i = 0; i < NFILES; i += 2) {
        snprintf(name, sizeof name, "big/file%d", i);
        if (unlink(name) != 0)
            printf("unlink %s: %s\n", name, errname(errno));
    }
    CHECK(lseek(fd, 0, SEEK_SET));
    s = scan(fd, 1024);
    printf("emptied: entries %d, . %d, .. %d\n", s.entries, s.dot, s.dotdot);
    CHECK(close(fd));
    CHECK(rmdir("big"));

    fs_cleanup();
    return 0;
}
