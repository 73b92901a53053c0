/* MADV_DONTFORK/DOFORK and MADV_WIPEONFORK/KEEPONFORK: what a fork child gets of a range. A DONTFORK range is not
 * mapped in the child (msync ENOMEM, a touch SIGSEGV), the rest is; a WIPEONFORK range reads as zeros there; only
 * private anonymous memory may be wiped (EINVAL, the VMAs before the bad one changed); holes are ENOMEM. */
#include "common.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

static long pg;

static void child_report(const char *what, char *p)
{
    int mapped = msync(p, pg, MS_ASYNC) == 0;
    printf("  %s: mapped %d", what, mapped);
    if (mapped)
        printf(" byte %d", p[0]);
    printf("\n");
}

static void in_child(char *base, int pages)
{
    pid_t c = fork();
    if (c == 0) {
        for (int i = 0; i < pages; i++) {
            char name[16];
            snprintf(name, sizeof name, "page %d", i);
            child_report(name, base + i * pg);
        }
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("  child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
}

int main(void)
{
    pg = sysconf(_SC_PAGESIZE);
    char *m = CHECK_PTR(mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    for (int i = 0; i < 4; i++)
        memset(m + i * pg, i + 1, pg);
    CHECK(madvise(m + pg, pg, MADV_DONTFORK));
    CHECK(madvise(m + 2 * pg, pg, MADV_WIPEONFORK));
    printf("after DONTFORK of page 1, WIPEONFORK of page 2:\n");
    in_child(m, 4);
    /* the parent's pages are untouched */
    SHOW(m[pg] == 2 && m[2 * pg] == 3);

    /* a touch of a DONTFORK page in the child is SIGSEGV */
    pid_t c = fork();
    if (c == 0) {
        m[pg] = 9;
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("child writing the DONTFORK page: %s\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV ? "SIGSEGV" : "no signal");

    CHECK(madvise(m + pg, pg, MADV_DOFORK));
    CHECK(madvise(m + 2 * pg, pg, MADV_KEEPONFORK));
    printf("after DOFORK and KEEPONFORK:\n");
    in_child(m, 4);

    /* a shared mapping: DONTFORK yes, WIPEONFORK EINVAL */
    char *s = CHECK_PTR(mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    memset(s, 5, 2 * pg);
    CHECK(madvise(s, pg, MADV_WIPEONFORK));
    CHECK(madvise(s + pg, pg, MADV_DONTFORK));
    printf("shared, second page DONTFORK:\n");
    in_child(s, 2);

    /* a file mapping cannot be wiped either */
    char *f = CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, open("/etc/passwd", O_RDONLY), 0));
    CHECK(madvise(f, pg, MADV_WIPEONFORK));
    CHECK(madvise(f, pg, MADV_DONTFORK));

    /* holes: the mapped part changes, ENOMEM */
    CHECK(munmap(m + 3 * pg, pg));
    CHECK(madvise(m + 2 * pg, 2 * pg, MADV_DONTFORK));
    printf("page 2 DONTFORK through a hole:\n");
    in_child(m, 3);
    CHECK(madvise(m + 3 * pg, pg, MADV_DOFORK));
    CHECK(madvise(m, pg, 999));
    CHECK(madvise(m + 1, pg, MADV_DONTFORK));
    CHECK(madvise(m, 0, MADV_DONTFORK));
    return 0;
}
