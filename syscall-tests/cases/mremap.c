/* mremap: grow in place or with MREMAP_MAYMOVE (contents kept), shrink,
 * MREMAP_FIXED, errors. */
#include "common.h"
#include <sys/mman.h>

static int check_pattern(const char *p, long n)
{
    for (long i = 0; i < n; i++)
        if (p[i] != (char)(i % 251))
            return 0;
    return 1;
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    /* three pages: two data pages, then a guard page that blocks growth in place */
    char *p = CHECK_PTR(mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    for (long i = 0; i < 2 * pg; i++)
        p[i] = (char)(i % 251);
    CHECK(mprotect(p + 2 * pg, pg, PROT_NONE));
    CHECK_PTR(mremap(p, 2 * pg, 4 * pg, 0));
    char *q = CHECK_PTR(mremap(p, 2 * pg, 16 * pg, MREMAP_MAYMOVE));
    SHOW(q != p);
    SHOW(check_pattern(q, 2 * pg));
    int zero = 1;
    for (long i = 2 * pg; i < 16 * pg; i++)
        zero &= q[i] == 0;
    SHOW(zero);
    q[16 * pg - 1] = 9;
    /* the old range is gone: mapping FIXED_NOREPLACE there succeeds */
    char *old = mmap(p, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    SHOW(old == p);
    munmap(old, pg);
    CHECK(munmap(p + 2 * pg, pg)); /* the guard */

    /* shrink in place */
    char *s = CHECK_PTR(mremap(q, 16 * pg, pg, 0));
    SHOW(s == q);
    SHOW(check_pattern(s, pg));
    char *after = mmap(q + pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    SHOW(after == q + pg); /* the tail was released */
    munmap(after, pg);

    /* grow in place when there is room */
    char *g = CHECK_PTR(mremap(s, pg, 3 * pg, 0));
    SHOW(g == s);
    SHOW(check_pattern(g, pg));

    /* MREMAP_FIXED to a chosen place */
    char *dst = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *f = CHECK_PTR(mremap(g, 3 * pg, 3 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, dst));
    SHOW(f == dst);
    SHOW(check_pattern(f, pg));

    /* errors */
    CHECK_PTR(mremap(f + 1, pg, 2 * pg, MREMAP_MAYMOVE));
    CHECK_PTR(mremap(f, pg, 0, MREMAP_MAYMOVE));
    CHECK_PTR(mremap(f, pg, 2 * pg, 0x80));
    CHECK_PTR(mremap(f, pg, 2 * pg, MREMAP_FIXED, f + 8 * pg));
    char *un = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(un, pg);
    CHECK_PTR(mremap(un, pg, 2 * pg, MREMAP_MAYMOVE));
    CHECK(munmap(f, 3 * pg));
    /* old_size 0 duplicates a shared mapping (both show the same pages); a private one is EINVAL; without
     * MREMAP_MAYMOVE it is ENOMEM */
    char *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    sh[0] = 'a';
    CHECK_PTR(mremap(sh, 0, 4096, 0));
    char *dup = mremap(sh, 0, 4096, MREMAP_MAYMOVE);
    printf("duplicate: %s\n", dup == MAP_FAILED ? errname(errno) : dup == sh ? "same address" : "new address");
    if (dup != MAP_FAILED) {
        dup[1] = 'b';
        printf("shared pages: %c%c %c\n", sh[0], sh[1], dup[0]);
        munmap(dup, 4096);
    }
    munmap(sh, 4096);
    char *pv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_PTR(mremap(pv, 0, 4096, MREMAP_MAYMOVE));
    munmap(pv, 4096);
    return 0;
}
