/* brk: query, grow, write, shrink; malloc still works afterwards. */
#include "common.h"
#include <stdint.h>

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t cur = syscall(SYS_brk, 0);
    SHOW(cur != 0);
    SHOW(syscall(SYS_brk, 0) == (long)cur);
    uintptr_t want = cur + 10 * pg;
    uintptr_t got = syscall(SYS_brk, want);
    SHOW(got == want);
    char *p = (char *)cur;
    int zero = 1;
    for (long i = 0; i < 10 * pg; i++)
        zero &= p[i] == 0;
    SHOW(zero);
    memset(p, 0x5a, 10 * pg);
    SHOW(p[10 * pg - 1] == 0x5a);
    /* unaligned break */
    got = syscall(SYS_brk, want + 123);
    SHOW(got == want + 123);
    p[10 * pg + 122] = 1;
    /* shrink then grow: the released memory comes back zeroed */
    got = syscall(SYS_brk, cur + pg);
    SHOW(got == cur + pg);
    got = syscall(SYS_brk, cur + 3 * pg);
    SHOW(got == cur + 3 * pg);
    SHOW(p[pg] == 0 && p[2 * pg] == 0);
    SHOW(p[0] == 0x5a);
    /* below the start: refused, the break stays */
    got = syscall(SYS_brk, 4096);
    SHOW(got == cur + 3 * pg);
    /* absurd size: refused */
    got = syscall(SYS_brk, cur + ((uintptr_t)1 << 46));
    SHOW(got == cur + 3 * pg);
    /* beyond the address space (brk(-1) must not round up to 0): refused, the break and heap stay */
    got = syscall(SYS_brk, (uintptr_t)-1);
    SHOW(got == cur + 3 * pg);
    got = syscall(SYS_brk, (uintptr_t)-4096);
    SHOW(got == cur + 3 * pg);
    SHOW(p[0] == 0x5a);
    /* libc brk/sbrk (brk() first so libc knows the current break) */
    SHOW(brk((void *)(cur + 3 * pg)) == 0);
    void *s = sbrk(0);
    SHOW((uintptr_t)s == cur + 3 * pg);
    SHOW(sbrk(pg) == s);
    SHOW(sbrk(0) == (char *)s + pg);
    SHOW(brk((char *)s) == 0);
    /* malloc of small and large blocks */
    char *a = malloc(100), *b = malloc(1 << 20);
    SHOW(a && b);
    memset(b, 1, 1 << 20);
    free(a);
    free(b);
    return 0;
}
