/* rseq registration: glibc registered the main thread at start (its cpu_id is a CPU); the checks of sys_rseq
 * (flags, length, alignment, an address past user space EFAULT, EBUSY for the same registration, EINVAL for another
 * address or length, EPERM for another signature, on unregister too); registration writes cpu_id_start and cpu_id,
 * unregistration resets them (0, -1); an unmapped struct registers but the return to user space is a SIGSEGV; a fork
 * child inherits the registration, a CLONE_VM child and a new exec image start without one (glibc registers again);
 * membarrier's RSEQ fence needs its registration. */
#include "common.h"
#include <linux/membarrier.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/wait.h>

#define SIG 0x53053053

static long rseq(void *r, unsigned len, int flags, unsigned sig) { return syscall(SYS_rseq, r, len, flags, sig); }

/* glibc registers 32 bytes (__rseq_size says how many of them are features). */
static struct rseq *glibc_area(void) { return (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset); }

static struct rseq area __attribute__((aligned(32)));
static char big[64] __attribute__((aligned(32)));

static void status(const char *what, int st)
{
    if (WIFSIGNALED(st)) printf("%s: killed by %s\n", what, sigabbrev_np(WTERMSIG(st)));
    else printf("%s: exit %d\n", what, WEXITSTATUS(st));
}

static int clone_child(void *arg)
{
    /* Not inherited across CLONE_VM: this thread of execution may register the same area itself. */
    long r = rseq(&area, sizeof area, 0, SIG);
    long u = rseq(&area, sizeof area, RSEQ_FLAG_UNREGISTER, SIG);
    return r == 0 && u == 0 ? 7 : 8;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        /* The exec'd image: glibc's registration at start worked only if exec dropped the old one. */
        printf("after exec: glibc cpu_id %s\n", (int)glibc_area()->cpu_id >= 0 ? "is a CPU" : "not registered");
        return 0;
    }
    SHOW(__rseq_size > 0);
    SHOW((int)glibc_area()->cpu_id >= 0);
    CHECK(rseq(glibc_area(), 32, 0, RSEQ_SIG)); /* glibc's own registration: EBUSY */
    CHECK(rseq(glibc_area(), 32, 0, SIG + 1));
    CHECK(rseq(&area, sizeof area, 0, RSEQ_SIG));
    CHECK(rseq(glibc_area(), 32, RSEQ_FLAG_UNREGISTER, SIG));
    CHECK(rseq(glibc_area(), 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG));
    SHOW(glibc_area()->cpu_id == (uint32_t)-1 && glibc_area()->cpu_id_start == 0);

    CHECK(rseq(&area, sizeof area, 2, SIG));
    CHECK(rseq(&area, sizeof area, RSEQ_FLAG_UNREGISTER | 2, SIG));
    CHECK(rseq((char *)&area + 8, sizeof area, 0, SIG));
    CHECK(rseq(&area, 31, 0, SIG));
    CHECK(rseq(&area, 0, 0, SIG));
    CHECK(rseq((void *)0x7ffffffff000UL, sizeof area, 0, SIG));
    CHECK(rseq((void *)0xffff800000000000UL, sizeof area, 0, SIG));
    CHECK(rseq(&area, sizeof area, RSEQ_FLAG_UNREGISTER, SIG)); /* nothing registered */

    area.cpu_id = 0xdead;
    area.cpu_id_start = 0xdead;
    CHECK(rseq(&area, sizeof area, 0, SIG));
    SHOW((int)area.cpu_id >= 0 && (int)area.cpu_id_start >= 0 && area.cpu_id != 0xdead);
    CHECK(rseq(&area, sizeof area, 0, SIG));
    CHECK(rseq(&area, sizeof area, 0, SIG + 1));
    CHECK(rseq(big, sizeof area, 0, SIG));
    CHECK(rseq(&area, 64, 0, SIG));

    pid_t c = fork();
    if (c == 0) {
        printf("fork child: register again %ld errno %s\n", rseq(&area, sizeof area, 0, SIG), errname(errno));
        _exit(rseq(&area, sizeof area, RSEQ_FLAG_UNREGISTER, SIG) == 0 ? 0 : 1);
    }
    int st;
    waitpid(c, &st, 0);
    status("fork child", st);

    char *stack = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* The parent's own registration covers `area`: the child unregisters nothing of ours (it has none). */
    CHECK(rseq(&area, sizeof area, RSEQ_FLAG_UNREGISTER, SIG));
    c = clone(clone_child, stack + (1 << 16), CLONE_VM | SIGCHLD, NULL);
    waitpid(c, &st, 0);
    status("CLONE_VM child", st);

    CHECK(rseq(&area, sizeof area, 0, SIG));
    CHECK(rseq(&area, sizeof area, RSEQ_FLAG_UNREGISTER, SIG + 1));
    CHECK(rseq(big, sizeof area, RSEQ_FLAG_UNREGISTER, SIG));
    CHECK(rseq(&area, 64, RSEQ_FLAG_UNREGISTER, SIG));
    CHECK(rseq(&area, sizeof area, RSEQ_FLAG_UNREGISTER, SIG));
    SHOW(area.cpu_id == (uint32_t)-1 && area.cpu_id_start == 0);

    /* A struct in no mapping is accepted; writing its cpu fields on the way back is a SIGSEGV. */
    c = fork();
    if (c == 0) {
        char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        munmap(p, 4096);
        long r = rseq(p, 32, 0, SIG);
        printf("unmapped struct: %ld %s\n", r, errname(r ? errno : 0));
        _exit(3);
    }
    waitpid(c, &st, 0);
    status("unmapped struct", st);

    CHECK(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0));
    CHECK(syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0));
    CHECK(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0));
    CHECK(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU, 0));
    CHECK(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU, 100000));
    CHECK(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, MEMBARRIER_CMD_FLAG_CPU, 0));
    CHECK(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 2, 0));

    fflush(stdout);
    execl("/proc/self/exe", argv[0], "again", (char *)NULL);
    printf("exec failed\n");
    return 1;
}
