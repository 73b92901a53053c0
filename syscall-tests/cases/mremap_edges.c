/* mremap edges: shrinking in place across several VMAs just unmaps the tail (only the first page must be mapped);
 * growing across VMAs is EFAULT; growing a locked mapping needs room under RLIMIT_MEMLOCK without CAP_IPC_LOCK
 * (EAGAIN), and the growth is locked too. */
#include "common.h"
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

static long pg;

static int mapped(char *p) { return msync(p, pg, MS_ASYNC) == 0; }

static int locked_kb(void)
{
    if (slurp("/proc/self/status") < 0)
        return -1;
    char *l = strstr(buf, "VmLck:");
    return l ? atoi(l + 6) : -1;
}

int main(void)
{
    pg = sysconf(_SC_PAGESIZE);
    char *m = CHECK_PTR(mmap(NULL, 3 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK(mprotect(m, pg, PROT_NONE));
    char *r = CHECK_PTR(mremap(m, 3 * pg, 2 * pg, 0));
    SHOW(r == m);
    SHOW(mapped(m) && mapped(m + pg) && !mapped(m + 2 * pg));
    /* growing across the two VMAs is EFAULT */
    CHECK_PTR(mremap(m, 2 * pg, 3 * pg, MREMAP_MAYMOVE));
    /* a hole after the first page: shrinking still works */
    CHECK(munmap(m + pg, pg));
    CHECK_PTR(mremap(m, 2 * pg, pg, 0));
    /* the first page must be mapped */
    CHECK_PTR(mremap(m + pg, pg, 1, 0));
    munmap(m, pg);

    pid_t c = fork();
    if (c == 0) {
        char *l = CHECK_PTR(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0));
        printf("VmLck %d kB\n", locked_kb());
        char *g = CHECK_PTR(mremap(l, pg, 2 * pg, MREMAP_MAYMOVE));
        printf("VmLck %d kB after growing\n", locked_kb());
        /* drop CAP_IPC_LOCK with root's uid: unprivileged, the limit counts */
        struct rlimit rl = {2 * pg, 3 * pg};
        CHECK(setrlimit(RLIMIT_MEMLOCK, &rl));
        if (setuid(65534) != 0)
            _exit(1);
        CHECK_PTR(mremap(g, 2 * pg, 3 * pg, MREMAP_MAYMOVE));
        rl.rlim_cur = 3 * pg;
        CHECK(setrlimit(RLIMIT_MEMLOCK, &rl));
        CHECK_PTR(mremap(g, 2 * pg, 3 * pg, MREMAP_MAYMOVE));
        printf("VmLck %d kB\n", locked_kb());
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));
    return 0;
}
