/* What a parent learns of its children's resource use: wait4's and waitid's rusage (a reaped child's CPU time and
 * peak memory), getrusage(RUSAGE_CHILDREN), and RUSAGE_SELF's peak memory. */
#include "common.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#define TOUCH_KB (16 * 1024)

static void child_work(int spin_ms)
{
    char *m = mmap(NULL, TOUCH_KB * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (long i = 0; i < TOUCH_KB * 1024L; i += 4096) m[i] = 1;
    burn_cpu_ms(spin_ms);
    _exit(0);
}

static double cpu(const struct rusage *ru)
{
    return ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 + ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
}

int main(void)
{
    struct rusage ru;
    pid_t c = fork();
    if (c == 0) child_work(300);
    CHECK(wait4(c, NULL, 0, &ru) == c);
    printf("wait4: child's cpu >= 0.2 s %d, maxrss >= %d KiB %d\n", cpu(&ru) >= 0.2, TOUCH_KB, ru.ru_maxrss >= TOUCH_KB);

    c = fork();
    if (c == 0) child_work(300);
    siginfo_t si;
    memset(&ru, 0, sizeof ru);
    CHECK(syscall(SYS_waitid, P_PID, c, &si, WEXITED, &ru));
    printf("waitid: child's cpu >= 0.2 s %d, maxrss >= %d KiB %d\n", cpu(&ru) >= 0.2, TOUCH_KB, ru.ru_maxrss >= TOUCH_KB);

    CHECK(getrusage(RUSAGE_CHILDREN, &ru));
    printf("RUSAGE_CHILDREN: cpu >= 0.4 s %d, maxrss >= %d KiB %d\n", cpu(&ru) >= 0.4, TOUCH_KB, ru.ru_maxrss >= TOUCH_KB);
    CHECK(getrusage(RUSAGE_SELF, &ru));
    printf("RUSAGE_SELF: maxrss > 0 %d, below the children's %d\n", ru.ru_maxrss > 0, ru.ru_maxrss < TOUCH_KB);
    return 0;
}
