/* Private and shared mappings of a /tmp file as Linux's: a private page not yet written shows later writes to the
 * file, MADV_DONTNEED brings the file's bytes back, a page past the end of the file is SIGBUS (also a written private
 * page after a truncate), the Sentry's own access there is EFAULT; and mmap's argument edges: MAP_FIXED_NOREPLACE
 * with MAP_FIXED, MAP_SHARED_VALIDATE, offsets past the largest file size, MAP_32BIT, lengths that wrap. */
#include "common.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 3
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

static long pg;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    printf("  child: signal %s si_code %d\n", sig == SIGBUS ? "SIGBUS" : "other", si->si_code);
    _exit(7);
}

/* Touches p (reads, or writes when write) in a child and reports how that went. */
static void touch(const char *what, volatile char *p, int write)
{
    printf("%s:\n", what);
    pid_t c = fork();
    if (c == 0) {
        struct sigaction sa = {.sa_sigaction = on_bus, .sa_flags = SA_SIGINFO};
        sigaction(SIGBUS, &sa, NULL);
        if (write)
            *p = 'w';
        else
            printf("  child: read %d\n", *p);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("  exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
}

int main(void)
{
    pg = sysconf(_SC_PAGESIZE);
    const char *path = scratch_path("mmap-private");
    int fd = CHECK_OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    unlink(path);
    char page[4096];
    memset(page, 'a', sizeof page);
    CHECK(write(fd, page, pg));
    CHECK(write(fd, page, 100)); /* the file ends 100 bytes into its second page */

    char *m = CHECK_PTR(mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
    SHOW(m[0] == 'a' && m[pg + 99] == 'a' && m[pg + 100] == 0);
    /* a write to the file shows through a private page not yet written */
    CHECK(pwrite(fd, "b", 1, 0));
    SHOW(m[0] == 'b');
    m[1] = 'p'; /* copy-on-write: now the page is the mapping's own */
    CHECK(pwrite(fd, "c", 1, 0));
    SHOW(m[0] == 'b' && m[1] == 'p');
    /* MADV_DONTNEED drops the private copy: the file's bytes again */
    CHECK(madvise(m, pg, MADV_DONTNEED));
    SHOW(m[0] == 'c' && m[1] == 'a');

    /* the third page lies wholly past the end of the file */
    touch("read past EOF", m + 2 * pg, 0);
    touch("write past EOF", m + 2 * pg, 1);
    touch("read the last partial page", m + pg + 200, 0);
    /* the Sentry reading there for write(2) faults: EFAULT */
    int p[2];
    pipe(p);
    CHECK(write(p[1], m + 2 * pg, 16));

    /* a truncate takes the private copies past the new end too */
    m[pg] = 'x';
    CHECK(ftruncate(fd, 10));
    touch("read a written private page after truncate", m + pg, 0);
    touch("read within the truncated file", m + 5, 0);
    CHECK(munmap(m, 3 * pg));

    /* mapping at an offset past the end: any touch is SIGBUS */
    char *o = CHECK_PTR(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4 * pg));
    touch("write a shared mapping past EOF", o, 1);
    munmap(o, pg);

    /* argument edges */
    char *a = CHECK_PTR(mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK_PTR(mmap(a, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_FIXED_NOREPLACE, -1, 0));
    CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0));
    CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0));
    char *v = CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_SHARED_VALIDATE | MAP_POPULATE, fd, 0));
    munmap(v, pg);
    CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, INT64_MAX & ~(pg - 1)));
    CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, INT64_MIN));
    CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, -2 * pg));
    CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, -pg));
    int zero = open("/dev/zero", O_RDONLY);
    char *z = CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, zero, INT64_MAX & ~(pg - 1)));
    munmap(z, pg);
    char *low = CHECK_PTR(mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0));
    SHOW((uintptr_t)low < (1UL << 32) && (uintptr_t)low + pg <= (1UL << 32));
    munmap(low, pg);
    CHECK(mprotect(a, (size_t)-1, PROT_READ));
    CHECK(madvise(NULL, SIZE_MAX - pg / 2, MADV_DONTFORK));
    CHECK(madvise(a, 1, MADV_NORMAL));
    munmap(a, pg);
    close(fd);
    return 0;
}
