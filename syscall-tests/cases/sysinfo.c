/* sysinfo, sched_getaffinity, sched_* and getcpu sanity. */
#include "common.h"
#include <sched.h>
#include <sys/sysinfo.h>

int main(void)
{
    struct sysinfo si;
    CHECK(sysinfo(&si));
    SHOW(si.totalram > 0);
    SHOW(si.mem_unit >= 1);
    SHOW(si.freeram <= si.totalram);
    SHOW(si.procs >= 1);
    SHOW(si.uptime >= 0);
    CHECK(sysinfo((struct sysinfo *)1));

    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK(sched_getaffinity(0, sizeof set, &set));
    SHOW(CPU_COUNT(&set) >= 1);
    long raw = syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
    SHOW(raw > 0 && raw % 8 == 0); /* returns the kernel's mask size */
    CHECK(sched_getaffinity(0, 1, &set));
    CHECK(sched_getaffinity(0, sizeof set, (cpu_set_t *)1));
    SHOW(sysconf(_SC_NPROCESSORS_ONLN) >= 1);

    CHECK(sched_getscheduler(0));
    struct sched_param sp;
    CHECK(sched_getparam(0, &sp));
    printf("priority: %d\n", sp.sched_priority);
    CHECK(sched_get_priority_max(SCHED_FIFO));
    CHECK(sched_get_priority_min(SCHED_FIFO));
    CHECK(sched_get_priority_max(SCHED_OTHER));
    CHECK(sched_yield());
    unsigned cpu = 999, node = 999;
    CHECK(getcpu(&cpu, &node));
    SHOW(cpu < 4096 && CPU_ISSET(cpu, &set));
    return 0;
}
