/* stat/lstat/fstat/newfstatat on host files under /etc and /usr/bin. */
#include "common.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const char *type(mode_t m)
{
    switch (m & S_IFMT) {
    case S_IFREG: return "reg";
    case S_IFDIR: return "dir";
    case S_IFLNK: return "lnk";
    case S_IFCHR: return "chr";
    case S_IFBLK: return "blk";
    case S_IFIFO: return "fifo";
    case S_IFSOCK: return "sock";
    }
    return "?";
}

static void show(const char *what, int r, struct stat *st)
{
    if (r != 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    printf("%s: type=%s perm=%04o", what, type(st->st_mode), st->st_mode & 07777);
    if (S_ISREG(st->st_mode))
        printf(" size=%ld", (long)st->st_size);
    if (S_ISLNK(st->st_mode))
        printf(" size=%ld", (long)st->st_size);
    printf("\n");
}

int main(void)
{
    struct stat st, st2;
    int r;
    r = stat("/etc/passwd", &st);           show("stat /etc/passwd", r, &st);
    r = stat("/etc", &st);                  show("stat /etc", r, &st);
    r = stat("/usr/bin/env", &st);          show("stat /usr/bin/env", r, &st);
    r = stat("/usr/bin", &st);              show("stat /usr/bin", r, &st);
    r = stat("/bin", &st);                  show("stat /bin", r, &st);
    r = lstat("/bin", &st);                 show("lstat /bin", r, &st);
    r = stat("/bin/env", &st);              show("stat /bin/env", r, &st);
    r = stat("/", &st);                     show("stat /", r, &st);
    r = stat("/dev/null", &st);             show("stat /dev/null", r, &st);
    printf("/dev/null rdev: %u:%u\n", major(st.st_rdev), minor(st.st_rdev));
    r = stat("/nonexistent", &st);          show("stat /nonexistent", r, &st);
    r = stat("/etc/passwd/x", &st);         show("stat /etc/passwd/x", r, &st);
    r = stat("/etc/passwd/", &st);          show("stat /etc/passwd/", r, &st);
    r = stat("", &st);                      show("stat \"\"", r, &st);
    r = lstat("/etc/../etc/./passwd", &st); show("lstat /etc/../etc/./passwd", r, &st);

    int dfd = open("/etc", O_RDONLY | O_DIRECTORY);
    r = fstatat(dfd, "passwd", &st, 0);     show("fstatat(/etc, passwd)", r, &st);
    r = fstatat(dfd, "", &st, AT_EMPTY_PATH); show("fstatat(/etc, \"\", AT_EMPTY_PATH)", r, &st);
    r = fstatat(dfd, "", &st, 0);           show("fstatat(/etc, \"\", 0)", r, &st);
    r = fstatat(AT_FDCWD, "/bin", &st, AT_SYMLINK_NOFOLLOW); show("fstatat(/bin, NOFOLLOW)", r, &st);
    r = fstatat(dfd, "passwd", &st, 0x12345678); show("fstatat bad flags", r, &st);
    r = fstatat(-1, "passwd", &st, 0);      show("fstatat(-1, passwd)", r, &st);
    r = fstatat(-1, "/etc/passwd", &st, 0); show("fstatat(-1, /etc/passwd)", r, &st);
    int f = open("/etc/passwd", O_RDONLY);
    r = fstatat(f, "x", &st, 0);            show("fstatat(file, x)", r, &st);

    /* fstat and stat agree on the identity of a file */
    CHECK(fstat(f, &st));
    CHECK(stat("/etc/passwd", &st2));
    SHOW(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    SHOW(st.st_nlink >= 1);
    SHOW(st.st_blksize > 0);
    CHECK(fstat(-1, &st));
    CHECK(fstat(f, (struct stat *)1));
    int pfd = open("/etc/passwd", O_PATH);
    r = fstat(pfd, &st);                    show("fstat O_PATH", r, &st);
    return 0;
}
