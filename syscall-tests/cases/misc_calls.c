/* Small calls: memory protection keys on a machine without them (the test host has none either), restart_syscall
 * with nothing to restart, sysfs(2)'s file system type queries, process_madvise on a child's ranges and
 * process_mrelease of live, dying and reaped processes. */
#include "common.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

int main(void)
{
    char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 1, 4 * 4096);

    puts("-- protection keys");
    CHECK(syscall(SYS_pkey_alloc, 0, 0));
    CHECK(syscall(SYS_pkey_alloc, 1, 0));
    CHECK(syscall(SYS_pkey_free, 1));
    CHECK(syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, -1));
    CHECK(syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, 1));
    CHECK(syscall(SYS_pkey_mprotect, p + 1, 4096, PROT_READ, -1));
    CHECK(syscall(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_WRITE, -1));

    puts("-- restart_syscall");
    CHECK(syscall(SYS_restart_syscall));

    puts("-- sysfs");
    CHECK(syscall(SYS_sysfs, 1, "tmpfs"));
    CHECK(syscall(SYS_sysfs, 1, "proc"));
    CHECK(syscall(SYS_sysfs, 1, "no-such-fs"));
    CHECK(syscall(SYS_sysfs, 1, (char *)8));
    char name[64] = "";
    CHECK(syscall(SYS_sysfs, 2, 0, name));
    printf("type 0: %s\n", name);
    CHECK(syscall(SYS_sysfs, 2, 100000, name));
    CHECK(syscall(SYS_sysfs, 2, 0, (char *)8));
    long n = syscall(SYS_sysfs, 3);
    SHOW(n >= 3);
    CHECK(syscall(SYS_sysfs, 4));

    puts("-- process_madvise");
    int pipefd[2];
    pipe(pipefd);
    pid_t pid = fork();
    if (pid == 0)
    {
        char c;
        read(pipefd[0], &c, 1);
        _exit(0);
    }
    int pidfd = syscall(SYS_pidfd_open, pid, 0);
    struct iovec iov[2] = { { p, 4096 }, { p + 2 * 4096, 2 * 4096 } };
    CHECK(syscall(SYS_process_madvise, pidfd, iov, 2, MADV_COLD, 0));
    CHECK(syscall(SYS_process_madvise, pidfd, iov, 2, MADV_PAGEOUT, 0));
    CHECK(syscall(SYS_process_madvise, pidfd, iov, 2, MADV_COLD, 1));
    CHECK(syscall(SYS_process_madvise, pidfd, iov, 2, MADV_DONTNEED, 0));
    CHECK(syscall(SYS_process_madvise, pipefd[0], iov, 2, MADV_COLD, 0));
    CHECK(syscall(SYS_process_madvise, pidfd, (void *)8, 2, MADV_COLD, 0));
    CHECK(syscall(SYS_process_madvise, pidfd, iov, 2000, MADV_COLD, 0));
    struct iovec hole[2] = { { p, 4096 }, { (char *)4096, 4096 } };
    CHECK(syscall(SYS_process_madvise, pidfd, hole, 2, MADV_COLD, 0));
    CHECK(syscall(SYS_process_madvise, pidfd, hole + 1, 1, MADV_COLD, 0));
    CHECK(syscall(SYS_process_madvise, pidfd, iov, 0, MADV_COLD, 0));

    puts("-- process_mrelease");
    CHECK(syscall(SYS_process_mrelease, pidfd, 0));
    CHECK(syscall(SYS_process_mrelease, pidfd, 1));
    CHECK(syscall(SYS_process_mrelease, pipefd[0], 0));
    write(pipefd[1], "x", 1);
    int st;
    waitpid(pid, &st, 0);
    CHECK(syscall(SYS_process_mrelease, pidfd, 0));
    CHECK(syscall(SYS_process_madvise, pidfd, iov, 2, MADV_COLD, 0));
    return 0;
}
