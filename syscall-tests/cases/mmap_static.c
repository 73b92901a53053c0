/* Memory syscalls from a static binary (brk-based malloc, mmap, mremap). */
#include "common.h"
#include <stdint.h>
#include <sys/mman.h>

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t b = syscall(SYS_brk, 0);
    SHOW(b != 0);
    SHOW(syscall(SYS_brk, b + 8 * pg) == (long)(b + 8 * pg));
    memset((void *)b, 1, 8 * pg);
    char *small[100];
    for (int i = 0; i < 100; i++) {
        small[i] = malloc(1000 + i);
        memset(small[i], i, 1000 + i);
    }
    int ok = 1;
    for (int i = 0; i < 100; i++) {
        ok &= small[i][999] == i;
        free(small[i]);
    }
    SHOW(ok);
    char *big = malloc(8 << 20); /* mmap-backed */
    memset(big, 7, 8 << 20);
    SHOW(big[(8 << 20) - 1] == 7);
    big = realloc(big, 32 << 20); /* mremap-backed */
    SHOW(big[(8 << 20) - 1] == 7);
    free(big);
    char *m = CHECK_PTR(mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    m[0] = 1;
    char *r = CHECK_PTR(mremap(m, 3 * pg, 30 * pg, MREMAP_MAYMOVE));
    SHOW(r[0] == 1);
    CHECK(mprotect(r, pg, PROT_READ));
    CHECK(munmap(r, 30 * pg));
    return 0;
}
