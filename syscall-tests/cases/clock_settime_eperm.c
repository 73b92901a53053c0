/* Setting the clocks without CAP_SYS_TIME: clock_settime, settimeofday, adjtimex and clock_adjtime check their
 * arguments (EINVAL, EFAULT), then refuse (EPERM); reading with adjtimex is allowed. The case first drops
 * CAP_SYS_TIME from every set and proves it gone, so natively (as root) nothing is ever set. */
#include "common.h"
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

static int has_sys_time(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0) return 1;
    return ((d[0].effective | d[0].permitted) >> CAP_SYS_TIME) & 1;
}

int main(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    CHECK(syscall(SYS_capget, &h, d));
    d[0].effective &= ~(1u << CAP_SYS_TIME);
    d[0].permitted &= ~(1u << CAP_SYS_TIME);
    d[0].inheritable &= ~(1u << CAP_SYS_TIME);
    CHECK(syscall(SYS_capset, &h, d));
    if (has_sys_time()) {
        printf("CAP_SYS_TIME still held: stopping before any clock is set\n");
        return 1;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    CHECK(syscall(SYS_clock_settime, CLOCK_REALTIME, &now));
    struct timespec bad = now;
    bad.tv_nsec = 1000000000;
    CHECK(syscall(SYS_clock_settime, CLOCK_REALTIME, &bad));
    bad.tv_nsec = 0;
    bad.tv_sec = -1;
    CHECK(syscall(SYS_clock_settime, CLOCK_REALTIME, &bad));
    CHECK(syscall(SYS_clock_settime, CLOCK_REALTIME, NULL));
    CHECK(syscall(SYS_clock_settime, CLOCK_MONOTONIC, &now));
    CHECK(syscall(SYS_clock_settime, CLOCK_BOOTTIME, &now));
    CHECK(syscall(SYS_clock_settime, CLOCK_PROCESS_CPUTIME_ID, &now));
    CHECK(syscall(SYS_clock_settime, CLOCK_THREAD_CPUTIME_ID, &now));
    CHECK(syscall(SYS_clock_settime, 100, &now));
    CHECK(syscall(SYS_clock_settime, CLOCK_MONOTONIC, NULL));

    struct timeval tv = { now.tv_sec, 0 };
    CHECK(syscall(SYS_settimeofday, &tv, NULL));
    struct timezone tz = { 0, 0 };
    CHECK(syscall(SYS_settimeofday, NULL, &tz));
    CHECK(syscall(SYS_settimeofday, NULL, NULL));
    tv.tv_usec = 1000000;
    CHECK(syscall(SYS_settimeofday, &tv, NULL));
    tv.tv_usec = -1;
    CHECK(syscall(SYS_settimeofday, &tv, NULL));
    CHECK(syscall(SYS_settimeofday, (void *)8, NULL));

    struct timex tx;
    memset(&tx, 0, sizeof tx);
    long st = syscall(SYS_adjtimex, &tx);
    SHOW(st >= 0 && st <= 5);
    SHOW(tx.tick > 0 && tx.time.tv_sec >= now.tv_sec && tx.time.tv_sec < now.tv_sec + 10);
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_OFFSET_SS_READ;
    st = syscall(SYS_adjtimex, &tx);
    SHOW(st >= 0 && st <= 5);
    tx.modes = ADJ_OFFSET;
    CHECK(syscall(SYS_adjtimex, &tx));
    tx.modes = ADJ_FREQUENCY;
    CHECK(syscall(SYS_adjtimex, &tx));
    tx.modes = ADJ_OFFSET_SINGLESHOT;
    CHECK(syscall(SYS_adjtimex, &tx));
    tx.modes = 0x8000; /* ADJ_ADJTIME without single-shot */
    CHECK(syscall(SYS_adjtimex, &tx));
    CHECK(syscall(SYS_adjtimex, NULL));
    memset(&tx, 0, sizeof tx);
    st = syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx);
    SHOW(st >= 0 && st <= 5);
    CHECK(syscall(SYS_clock_adjtime, CLOCK_MONOTONIC, &tx));
    CHECK(syscall(SYS_clock_adjtime, 100, &tx));
    tx.modes = ADJ_OFFSET;
    CHECK(syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx));
    return 0;
}
