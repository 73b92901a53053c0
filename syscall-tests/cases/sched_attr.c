/* sched_getattr/sched_setattr: the struct's size rules (EINVAL for a get buffer out of range, E2BIG with the
 * kernel's size written back for a set, a zero size meaning the first version, non-zero bytes past the kernel's
 * struct E2BIG), the argument checks (flags, pid, policy, priority, sched_flags), and nice through SCHED_OTHER
 * as getpriority sees it. Real-time policies are not set (the sandbox does not give them). */
#include "common.h"
#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>

struct attr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
    uint32_t util_min, util_max;
    char extra[16];
};

static int getattr(pid_t pid, struct attr *a, unsigned size, unsigned flags) { return syscall(SYS_sched_getattr, pid, a, size, flags); }
static int setattr(pid_t pid, struct attr *a, unsigned flags) { return syscall(SYS_sched_setattr, pid, a, flags); }

static void show(const char *what, struct attr *a)
{
    printf("%s: size %u policy %u flags %llu nice %d priority %u\n", what, a->size, a->policy,
           (unsigned long long)a->flags, a->nice, a->priority);
}

int main(void)
{
    struct attr a;
    memset(&a, 0xee, sizeof a);
    CHECK(getattr(0, &a, 48, 0));
    show("get 48", &a);
    memset(&a, 0, sizeof a);
    CHECK(getattr(0, &a, sizeof a, 0));
    show("get big", &a);
    CHECK(getattr(0, &a, 47, 0));
    CHECK(getattr(0, &a, 8192, 0));
    CHECK(getattr(0, &a, 48, 1));
    CHECK(getattr(-1, &a, 48, 0));
    CHECK(getattr(0, NULL, 48, 0));
    CHECK(getattr(999999, &a, 48, 0));
    CHECK(getattr(0, (struct attr *)8, 48, 0));

    memset(&a, 0, sizeof a);
    a.size = 48;
    a.nice = 5;
    CHECK(setattr(0, &a, 0));
    printf("getpriority: %d\n", getpriority(PRIO_PROCESS, 0));
    a.size = 0;
    a.nice = 7;
    CHECK(setattr(0, &a, 0));
    printf("getpriority: %d\n", getpriority(PRIO_PROCESS, 0));
    a.size = 40;
    CHECK(setattr(0, &a, 0));
    printf("size written back: %u\n", a.size);
    a.size = sizeof a;
    a.extra[3] = 1;
    CHECK(setattr(0, &a, 0));
    printf("size written back: %u\n", a.size);
    a.extra[3] = 0;
    a.size = sizeof a;
    a.nice = 100; /* clamped to 19 */
    CHECK(setattr(0, &a, 0));
    printf("getpriority: %d\n", getpriority(PRIO_PROCESS, 0));
    a.nice = 0;
    CHECK(setattr(0, &a, 1));
    CHECK(setattr(-1, &a, 0));
    CHECK(setattr(0, NULL, 0));
    a.policy = 4;
    CHECK(setattr(0, &a, 0));
    a.policy = -1;
    CHECK(setattr(0, &a, 0));
    a.policy = SCHED_OTHER;
    a.priority = 5;
    CHECK(setattr(0, &a, 0));
    a.priority = 0;
    a.policy = SCHED_FIFO;
    CHECK(setattr(0, &a, 0)); /* priority 0 */
    a.priority = 100;
    CHECK(setattr(0, &a, 0));
    a.policy = SCHED_OTHER;
    a.priority = 0;
    a.flags = 1ull << 40;
    CHECK(setattr(0, &a, 0));
    a.flags = 0x20; /* SCHED_FLAG_UTIL_CLAMP_MIN */
    a.util_min = 2000;
    CHECK(setattr(0, &a, 0));
    a.flags = 0x18; /* KEEP_POLICY | KEEP_PARAMS: nothing changes */
    a.util_min = 0;
    a.nice = -3;
    CHECK(setattr(0, &a, 0));
    printf("getpriority: %d\n", getpriority(PRIO_PROCESS, 0));
    a.flags = 0;
    a.policy = SCHED_BATCH;
    a.nice = 2;
    CHECK(setattr(0, &a, 0));
    printf("getpriority: %d\n", getpriority(PRIO_PROCESS, 0));
    CHECK(setattr(999999, &a, 0));
    return 0;
}
