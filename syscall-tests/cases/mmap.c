/* Anonymous mmap/munmap/mprotect/madvise/msync/mincore behaviour. */
#include "common.h"
#include <stdint.h>
#include <sys/mman.h>

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    printf("page size: %ld\n", pg);
    char *p = CHECK_PTR(mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    SHOW(((uintptr_t)p & (pg - 1)) == 0);
    int zero = 1;
    for (long i = 0; i < 4 * pg; i++)
        zero &= p[i] == 0;
    SHOW(zero); /* fresh anonymous memory is zero */
    for (long i = 0; i < 4 * pg; i++)
        p[i] = (char)(i * 7);
    int ok = 1;
    for (long i = 0; i < 4 * pg; i++)
        ok &= p[i] == (char)(i * 7);
    SHOW(ok);

    /* mprotect: read-only pages are still readable */
    CHECK(mprotect(p, pg, PROT_READ));
    SHOW(p[5] == (char)35);
    CHECK(mprotect(p, pg, PROT_READ | PROT_WRITE));
    p[5] = 1;
    CHECK(mprotect(p + 1, pg, PROT_READ));
    CHECK(mprotect(p, pg, 0x100));

    /* MADV_DONTNEED on private anonymous memory zero-fills */
    CHECK(madvise(p + pg, pg, MADV_DONTNEED));
    SHOW(p[pg] == 0 && p[2 * pg - 1] == 0);
    SHOW(p[2 * pg + 1] == (char)((2 * pg + 1) * 7));
    CHECK(madvise(p, pg, MADV_WILLNEED));
    CHECK(madvise(p, pg, MADV_NORMAL));
    CHECK(madvise(p + 1, pg, MADV_NORMAL));
    CHECK(madvise(p, pg, 12345));

    unsigned char vec[4];
    CHECK(mincore(p, 4 * pg, vec));
    SHOW(vec[0] & 1);
    CHECK(msync(p, pg, MS_SYNC));
    CHECK(msync(p + 1, pg, MS_SYNC));

    /* munmap a middle page, the rest stays */
    CHECK(munmap(p + pg, pg));
    SHOW(p[2 * pg + 1] == (char)((2 * pg + 1) * 7));
    CHECK(mincore(p + pg, pg, vec)); /* unmapped: ENOMEM */
    CHECK(munmap(p + pg, pg)); /* unmapping nothing is fine */
    CHECK(munmap(p + 1, pg));
    CHECK(munmap(p, 0));

    /* MAP_FIXED into the hole, MAP_FIXED_NOREPLACE over a mapping */
    char *q = CHECK_PTR(mmap(p + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    SHOW(q == p + pg);
    SHOW(q[0] == 0);
    CHECK_PTR(mmap(p, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
    char *r = CHECK_PTR(mmap(p + 2 * pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    SHOW(r == p + 2 * pg && r[1] == 0); /* MAP_FIXED replaces */
    CHECK(munmap(p, 4 * pg));

    /* argument errors */
    CHECK_PTR(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_ANONYMOUS, -1, 0));
    CHECK_PTR(mmap((void *)(pg + 1), pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, -1, 0));
    CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 99, 0));
    CHECK_PTR(mmap(NULL, (size_t)1 << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1));

    /* a hint address is respected when free */
    void *hint = (void *)0x200000000000UL;
    char *h = CHECK_PTR(mmap(hint, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    SHOW(h == hint);
    munmap(h, pg);

    /* shared anonymous memory */
    char *s = CHECK_PTR(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    strcpy(s, "shared");
    printf("shared: %s\n", s);
    CHECK(munmap(s, pg));

    /* PROT_NONE reservation then mprotect a part of it */
    char *n = CHECK_PTR(mmap(NULL, 8 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
    CHECK(mprotect(n + 2 * pg, pg, PROT_READ | PROT_WRITE));
    n[2 * pg] = 42;
    SHOW(n[2 * pg] == 42);
    CHECK(munmap(n, 8 * pg));
    return 0;
}
