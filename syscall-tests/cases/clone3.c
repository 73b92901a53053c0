/* clone3: a fork through clone_args, a child on its own stack, and the argument checks. */
#include "common.h"
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

static long clone3(struct clone_args *a, size_t size) { return syscall(SYS_clone3, a, size); }

/* clone3 whose child, on its new stack, cannot return through C: it exits at once with 1 if rsp is inside
 * [lo, hi], else 2. */
static long clone3_check_stack(struct clone_args *a, char *lo, char *hi)
{
    long ret;
    register char *r12 asm("r12") = lo;
    register char *r13 asm("r13") = hi;
    asm volatile("syscall\n\t"
                 "test %%rax, %%rax\n\t"
                 "jnz 1f\n\t"
                 "mov $2, %%edi\n\t"
                 "cmp %%r12, %%rsp\n\t"
                 "jb 2f\n\t"
                 "cmp %%r13, %%rsp\n\t"
                 "ja 2f\n\t"
                 "mov $1, %%edi\n\t"
                 "2: mov $60, %%eax\n\t"
                 "syscall\n\t"
                 "1:\n\t"
                 : "=a"(ret)
                 : "0"((long)SYS_clone3), "D"(a), "S"(sizeof *a), "r"(r12), "r"(r13)
                 : "rcx", "r11", "memory");
    return ret;
}

int main(void)
{
    struct clone_args a;
    int st;

    /* a plain fork: exit_signal SIGCHLD, parent_tid written */
    memset(&a, 0, sizeof a);
    pid_t ptid = 0;
    a.flags = CLONE_PARENT_SETTID;
    a.parent_tid = (uintptr_t)&ptid;
    a.exit_signal = SIGCHLD;
    long c = clone3(&a, sizeof a);
    if (c == 0) _exit(9);
    SHOW(c > 0 && ptid == c);
    SHOW(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 9);

    /* no exit signal: waitpid needs __WALL */
    memset(&a, 0, sizeof a);
    c = clone3(&a, 64);
    if (c == 0) _exit(4);
    CHECK(waitpid(c, &st, WNOHANG) == -1 ? -1 : 0);
    SHOW(waitpid(c, &st, __WALL) == c && WEXITSTATUS(st) == 4);

    /* a child on a stack of its own (stack is the base, stack_size its length) */
    size_t ss = 64 * 1024;
    char *stk = mmap(NULL, ss, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    a.stack = (uintptr_t)stk;
    a.stack_size = ss;
    c = clone3_check_stack(&a, stk, stk + ss);
    SHOW(waitpid(c, &st, 0) == c && WEXITSTATUS(st) == 1);

    /* argument checks */
    memset(&a, 0, sizeof a);
    CHECK(clone3(&a, 32));                                 /* smaller than version 0 */
    a.flags = SIGCHLD;
    CHECK(clone3(&a, sizeof a));                           /* the signal goes in exit_signal, not flags */
    a.flags = 0;
    a.exit_signal = 65;
    CHECK(clone3(&a, sizeof a));
    a.exit_signal = SIGCHLD;
    a.stack = (uintptr_t)stk;
    CHECK(clone3(&a, sizeof a));                           /* a stack without a size */
    a.stack = 0;
    char big[sizeof a + 16];
    memset(big, 0, sizeof big);
    memcpy(big, &a, sizeof a);
    big[sizeof a + 3] = 1;
    CHECK(clone3((struct clone_args *)big, sizeof big));   /* unknown trailing fields must be zero */
    CHECK(clone3((struct clone_args *)8, sizeof a));
    return 0;
}
