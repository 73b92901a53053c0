/* mlock, mlock2, munlock, mlockall and munlockall as bookkeeping Linux shows: VmLck in /proc/self/status, ENOMEM
 * for holes, the flag checks, locks not inherited by fork, MCL_FUTURE locking new mappings, and RLIMIT_MEMLOCK for a
 * process without CAP_IPC_LOCK (ENOMEM for mlock, EAGAIN for MAP_LOCKED, EPERM with a zero limit). */
#include "common.h"
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static long vmlck(void)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    int n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    char *p = strstr(buf, "VmLck:");
    return p ? strtol(p + 6, NULL, 10) : -1;
}

static void drop_ipc_lock(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    syscall(SYS_capget, &h, d);
    d[0].effective &= ~(1u << CAP_IPC_LOCK);
    d[0].permitted &= ~(1u << CAP_IPC_LOCK);
    if (syscall(SYS_capset, &h, d) != 0)
        printf("capset: %s\n", errname(errno));
}

int main(void)
{
    char *p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p + 6 * 4096, 4096);
    printf("VmLck at start: %ld kB\n", vmlck());

    puts("-- mlock and munlock");
    CHECK(mlock(p, 3 * 4096));
    printf("VmLck: %ld kB\n", vmlck());
    CHECK(mlock(p + 2 * 4096 + 100, 4096));
    printf("VmLck (unaligned, overlapping): %ld kB\n", vmlck());
    CHECK(mlock(p + 5 * 4096, 2 * 4096));
    CHECK(munlock(p + 5 * 4096, 2 * 4096));
    CHECK(mlock(p, 0));
    CHECK(munlock(p + 4096, 4096));
    printf("VmLck after munlock of one page: %ld kB\n", vmlck());
    CHECK(syscall(SYS_mlock2, p, 4096, 2));
    CHECK(syscall(SYS_mlock2, p + 7 * 4096, 4096, MLOCK_ONFAULT));
    printf("VmLck with an on-fault lock: %ld kB\n", vmlck());

    puts("-- fork does not inherit locks");
    pid_t pid = fork();
    if (pid == 0)
    {
        printf("child VmLck: %ld kB\n", vmlck());
        _exit(0);
    }
    waitpid(pid, NULL, 0);

    puts("-- munmap of a locked page");
    CHECK(munmap(p + 7 * 4096, 4096));
    printf("VmLck: %ld kB\n", vmlck());

    puts("-- mlockall");
    CHECK(mlockall(0));
    CHECK(mlockall(MCL_ONFAULT));
    CHECK(mlockall(8));
    CHECK(munlockall());
    printf("VmLck after munlockall: %ld kB\n", vmlck());
    CHECK(mlockall(MCL_FUTURE));
    printf("VmLck with MCL_FUTURE only: %ld kB\n", vmlck());
    char *q = mmap(NULL, 5 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("VmLck after a new mapping: %ld kB\n", vmlck());
    CHECK(munlockall());
    munmap(q, 5 * 4096);
    CHECK(mlockall(MCL_CURRENT));
    SHOW(vmlck() > 20);
    CHECK(munlockall());
    printf("VmLck: %ld kB\n", vmlck());

    puts("-- RLIMIT_MEMLOCK without CAP_IPC_LOCK");
    pid = fork();
    if (pid == 0)
    {
        drop_ipc_lock();
        struct rlimit rl = { 16384, 16384 };
        setrlimit(RLIMIT_MEMLOCK, &rl);
        CHECK(mlock(p, 3 * 4096));
        CHECK(mlock(p + 3 * 4096, 2 * 4096));
        CHECK(mlock(p + 2 * 4096, 2 * 4096));
        printf("child VmLck: %ld kB\n", vmlck());
        void *r = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
        printf("MAP_LOCKED past the limit: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
        r = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
        printf("MAP_LOCKED within it: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
        printf("child VmLck: %ld kB\n", vmlck());
        CHECK(mlockall(MCL_CURRENT));
        CHECK(munlockall());
        rl.rlim_cur = 0;
        setrlimit(RLIMIT_MEMLOCK, &rl);
        CHECK(mlock(p, 4096));
        CHECK(mlockall(MCL_FUTURE));
        r = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
        printf("MAP_LOCKED with a zero limit: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
        CHECK(munlock(p, 4096));
        _exit(0);
    }
    waitpid(pid, NULL, 0);

    puts("-- what a lock refuses");
    char *lk = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(msync(lk, 4096, MS_ASYNC | MS_INVALIDATE));
    CHECK(mlock(lk, 4096));
    CHECK(msync(lk, 4096, MS_ASYNC | MS_INVALIDATE));
    CHECK(msync(lk, 2 * 4096, MS_SYNC | MS_INVALIDATE));
    CHECK(msync(lk, 4096, MS_SYNC));
    CHECK(madvise(lk, 4096, MADV_DONTNEED));
    CHECK(madvise(lk + 4096, 4096, MADV_DONTNEED));
    CHECK(munlock(lk, 4096));
    CHECK(madvise(lk, 4096, MADV_DONTNEED));
    char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(mlock(none, 4096));
    CHECK(msync(none, 4096, MS_ASYNC | MS_INVALIDATE));
    CHECK(munlock(none, 4096));
    CHECK(mlock2(none, 4096, MLOCK_ONFAULT));
    CHECK(munmap(none, 4096));
    CHECK(munmap(lk, 2 * 4096));
    return 0;
}
