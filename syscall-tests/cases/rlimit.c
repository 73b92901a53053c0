/* getrlimit/setrlimit/prlimit64: values compared, limits enforced. */
#include "common.h"
#include <sys/wait.h>
#include <signal.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/mman.h>

int main(void)
{
    struct rlimit r;
    CHECK(getrlimit(RLIMIT_STACK, &r));
    SHOW(r.rlim_cur > 0);
    SHOW(r.rlim_cur <= r.rlim_max);
    struct rlimit p;
    CHECK(syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &p));
    SHOW(p.rlim_cur == r.rlim_cur && p.rlim_max == r.rlim_max);
    CHECK(prlimit(getpid(), RLIMIT_STACK, NULL, &p));
    SHOW(p.rlim_cur == r.rlim_cur);

    CHECK(getrlimit(RLIMIT_NOFILE, &r));
    SHOW(r.rlim_cur >= 64 && r.rlim_cur <= r.rlim_max);
    struct rlimit n = {64, r.rlim_max};
    struct rlimit old;
    CHECK(prlimit(0, RLIMIT_NOFILE, &n, &old));
    SHOW(old.rlim_cur == r.rlim_cur);
    CHECK(getrlimit(RLIMIT_NOFILE, &r));
    printf("nofile cur: %lu\n", (unsigned long)r.rlim_cur);
    CHECK(dup2(0, 63));
    CHECK(dup2(0, 64));
    CHECK(fcntl(0, F_DUPFD, 64));
    int opened = 0;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) {
            printf("open stopped: %s\n", errname(errno));
            break;
        }
        opened++;
    }
    SHOW(opened < 64);
    /* cur above max is invalid */
    struct rlimit bad = {r.rlim_max, 10};
    CHECK(setrlimit(RLIMIT_NOFILE, &bad));
    CHECK(getrlimit(1000, &r));
    CHECK(getrlimit(RLIMIT_NOFILE, (struct rlimit *)1));

    CHECK(getrlimit(RLIMIT_AS, &r));
    CHECK(getrlimit(RLIMIT_CORE, &r));
    CHECK(getrlimit(RLIMIT_CPU, &r));
    CHECK(getrlimit(RLIMIT_DATA, &r));
    struct rlimit cpu = {RLIM_INFINITY, RLIM_INFINITY};
    getrlimit(RLIMIT_CPU, &cpu);
    SHOW(cpu.rlim_cur == RLIM_INFINITY);

    /* prlimit on another process: read and change a child's limit; a missing pid */
    pid_t c = fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    struct rlimit set = {100, 200}, prev, now;
    CHECK(prlimit(c, RLIMIT_NOFILE, &set, &prev));
    CHECK(prlimit(c, RLIMIT_NOFILE, NULL, &now));
    SHOW(now.rlim_cur == 100 && now.rlim_max == 200);
    struct rlimit mine;
    getrlimit(RLIMIT_NOFILE, &mine);
    SHOW(mine.rlim_cur != 100);
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    CHECK(prlimit(999999, RLIMIT_NOFILE, NULL, &now));
    /* the scheduler calls name any process too */
    CHECK(sched_getscheduler(getpid()));
    CHECK(sched_getscheduler(999999));

    /* RLIMIT_DATA bounds the heap (brk), RLIMIT_AS every mapping; in a child, whose limits go with it */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        struct rlimit data = { 0, RLIM_INFINITY };
        void *before = sbrk(0);
        CHECK(setrlimit(RLIMIT_DATA, &data));
        printf("sbrk(8192) past RLIMIT_DATA 0: %s\n", sbrk(8192) == (void *)-1 ? errname(errno) : "grew");
        SHOW(sbrk(0) == before);
        data.rlim_cur = RLIM_INFINITY;
        CHECK(setrlimit(RLIMIT_DATA, &data));
        printf("sbrk(8192) without it: %s\n", sbrk(8192) == (void *)-1 ? errname(errno) : "grew");
        struct rlimit as = { 256 << 20, RLIM_INFINITY };
        CHECK(setrlimit(RLIMIT_AS, &as));
        void *big = mmap(NULL, 512 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("mmap 512 MiB past RLIMIT_AS: %s\n", big == MAP_FAILED ? errname(errno) : "mapped");
        void *small = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("mmap 1 MiB within it: %s\n", small == MAP_FAILED ? errname(errno) : "mapped");
        _exit(0);
    }
    waitpid(c, NULL, 0);
    return 0;
}
