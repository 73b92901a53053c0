/* getrlimit/setrlimit/prlimit64: values compared, limits enforced. */
#include "common.h"
#include <sys/resource.h>

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
    return 0;
}
