/* Huge PROT_NONE reservations (hundreds of GB to TBs, as allocators and gVisor's mmap_eternal test make) are placed
 * like any mapping, then used a page at a time; the process keeps running and its syscalls keep working. */
#include "common.h"
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

static void reserve(size_t size)
{
    char *m = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    printf("reserve %zu GiB: %s\n", size >> 30, m == MAP_FAILED ? errname(errno) : "ok");
    if (m == MAP_FAILED)
        return;
    /* a page in the middle and one at the end become usable */
    char *mid = m + (size / 2 & ~(size_t)4095), *last = m + size - 4096;
    SHOW(mmap(mid, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE, -1, 0) == mid);
    SHOW(mprotect(last, 4096, PROT_READ | PROT_WRITE) == 0);
    mid[0] = 1;
    last[4095] = 2;
    SHOW(mid[0] + last[4095] == 3);
    SHOW(getpid() > 0);
    CHECK(munmap(m, size));
}

int main(void)
{
    reserve(1UL << 30);
    reserve(256UL << 30);
    reserve(1UL << 40);
    reserve(6UL << 40);
    /* and in a forked child, which then exits normally */
    pid_t c = fork();
    if (c == 0) {
        reserve(2UL << 40);
        _exit(7);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    SHOW(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    return 0;
}
