/* sched_rr_get_interval for a SCHED_OTHER task (its slice, for ours and for
 * another process; EINVAL, ESRCH, EFAULT) and mlock2's flags (MLOCK_ONFAULT
 * or none; anything else EINVAL). */
#include "common.h"
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int main(void)
{
    struct timespec ts = {7, 7};
    CHECK(sched_rr_get_interval(0, &ts));
    /* The slice itself depends on the kernel's scheduler (0 with EEVDF, a few ms with CFS): under a second. */
    SHOW(ts.tv_sec == 0 && ts.tv_nsec < 1000000000);
    pid_t c = fork();
    if (c == 0) { pause(); _exit(0); }
    ts.tv_sec = 7;
    CHECK(sched_rr_get_interval(c, &ts));
    SHOW(ts.tv_sec == 0 && ts.tv_nsec < 1000000000);
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    CHECK(sched_rr_get_interval(-1, &ts));
    CHECK(sched_rr_get_interval(999999, &ts));
    CHECK(syscall(SYS_sched_rr_get_interval, 0, (void *)8));

    void *p = CHECK_PTR(mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK(syscall(SYS_mlock2, p, 8192, 0));
    CHECK(syscall(SYS_mlock2, p, 8192, 1 /* MLOCK_ONFAULT */));
    CHECK(syscall(SYS_mlock2, p, 8192, 2));
    CHECK(munlock(p, 8192));
    return 0;
}
