/* File-backed mmap: MAP_PRIVATE of /etc/passwd equals read(); private
 * writes do not reach the file; offsets; errors. */
#include "common.h"
#include <sys/mman.h>
#include <sys/stat.h>

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    int fd = open("/etc/passwd", O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    size_t len = st.st_size;
    char *buf = malloc(len);
    CHECK(read(fd, buf, len) == (long)len);

    char *m = CHECK_PTR(mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0));
    SHOW(memcmp(m, buf, len) == 0);
    /* the tail of the last page beyond EOF reads as zero */
    int tail = 1;
    for (size_t i = len; i % pg; i++)
        tail &= m[i] == 0;
    SHOW(tail);
    CHECK(munmap(m, len));

    /* private writable mapping: copy-on-write, the file is unchanged */
    char *w = CHECK_PTR(mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
    memset(w, 'X', 10);
    char again[10];
    CHECK(pread(fd, again, 10, 0));
    SHOW(memcmp(again, buf, 10) == 0);
    SHOW(w[0] == 'X' && memcmp(w + 10, buf + 10, len - 10) == 0);
    CHECK(munmap(w, len));

    /* mapping closes nothing: the mapping outlives the fd */
    int fd2 = open("/etc/passwd", O_RDONLY);
    char *k = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd2, 0);
    CHECK(close(fd2));
    SHOW(memcmp(k, buf, len) == 0);
    munmap(k, len);

    /* errors */
    CHECK_PTR(mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    CHECK_PTR(mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 1));
    int wr = open("/dev/null", O_WRONLY);
    CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, wr, 0));
    int dir = open("/etc", O_RDONLY);
    CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, dir, 0));
    int p[2];
    pipe(p);
    CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, p[0], 0));

    /* an executable mapping of a binary's first page starts with the ELF magic */
    int ex = open("/usr/bin/env", O_RDONLY);
    char *e = CHECK_PTR(mmap(NULL, pg, PROT_READ | PROT_EXEC, MAP_PRIVATE, ex, 0));
    SHOW(memcmp(e, "\177ELF", 4) == 0);
    /* offset mapping */
    struct stat est;
    fstat(ex, &est);
    if (est.st_size > 2 * pg) {
        char *o = CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, ex, pg));
        char chunk[64];
        pread(ex, chunk, sizeof chunk, pg);
        SHOW(memcmp(o, chunk, sizeof chunk) == 0);
    }
    /* a shared read-only mapping of a read-only file is fine */
    char *sh = CHECK_PTR(mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0));
    SHOW(memcmp(sh, buf, len) == 0);
    return 0;
}
