/* A debugger's memory and stepping: POKETEXT puts an int3 into the tracee's (read-only) code, which traps as
 * SIGTRAP with si_code SI_KERNEL and rip after it; the tracer's own copy is untouched (copy-on-write). The code
 * is put back and stepped one instruction at a time (TRAP_TRACE, the trap flag hidden from the tracer), a syscall
 * included (the step stops right after it, TRAP_BRKPT); SYSEMU_SINGLESTEP stops at a syscall's entry and skips it.
 * POKEDATA changes a const in .rodata and a PROT_NONE private page, not a read-only shared mapping (EIO). */
#include "common.h"
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

long steps(void);
__asm__(".text\n.globl steps\n.type steps,@function\nsteps:\n"
        "mov $1, %eax\n"         /* +0, 5 bytes */
        "add $2, %eax\n"         /* +5, 3 */
        "nop\n"                  /* +8, 1 */
        "mov $39, %eax\n"        /* +9, 5: getpid */
        "syscall\n"              /* +14, 2 */
        "mov $7, %eax\n"         /* +16, 5 */
        "imul $3, %eax, %eax\n"  /* +21, 3 */
        "mov $39, %eax\n"        /* +24, 5 */
        "syscall\n"              /* +29, 2: skipped by SYSEMU */
        "ret\n");

static const int konst = 42;
static char *shared_ro, *private_none;

static void show_trap(pid_t c, const char *what)
{
    int st;
    siginfo_t si;
    struct user_regs_struct r;
    if (waitpid(c, &st, 0) != c || !WIFSTOPPED(st)) {
        printf("%s: no stop (status 0x%x)\n", what, st);
        exit(1);
    }
    memset(&si, 0, sizeof si);
    ptrace(PTRACE_GETSIGINFO, c, 0, &si);
    ptrace(PTRACE_GETREGS, c, 0, &r);
    printf("%s: stop %d si_code %d rip steps%+ld rax %lld orig_rax %lld TF %d\n", what, WSTOPSIG(st), si.si_code,
           (long)(r.rip - (unsigned long)steps), (long long)r.rax == (long long)c ? -100 : (long long)r.rax,
           (long long)r.orig_rax, (int)(r.eflags >> 8 & 1));
}

int main(void)
{
    shared_ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    private_none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pid_t c = fork();
    if (c == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        long v = steps();
        printf("child: steps returned %ld, konst %d\n", v, *(volatile const int *)&konst);
        mprotect(private_none, 4096, PROT_READ);
        printf("child: private page %c%c\n", private_none[0], private_none[1]);
        _exit(0);
    }
    int st;
    SHOW(waitpid(c, &st, 0) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);

    /* A breakpoint in the child's code. */
    errno = 0;
    long orig = ptrace(PTRACE_PEEKTEXT, c, steps, 0);
    SHOW(errno == 0 && orig == *(long *)steps);
    long bp = (orig & ~0xffL) | 0xcc;
    CHECK(ptrace(PTRACE_POKETEXT, c, steps, bp));
    SHOW(ptrace(PTRACE_PEEKTEXT, c, steps, 0) == bp);
    SHOW(*(unsigned char *)steps == 0xb8); /* ours is not the child's */
    CHECK(ptrace(PTRACE_CONT, c, 0, 0));
    show_trap(c, "breakpoint");

    /* Put the code back, rewind, step. */
    CHECK(ptrace(PTRACE_POKETEXT, c, steps, orig));
    struct user_regs_struct r;
    ptrace(PTRACE_GETREGS, c, 0, &r);
    r.rip = (unsigned long)steps;
    CHECK(ptrace(PTRACE_SETREGS, c, 0, &r));
    for (int i = 1; i <= 6; i++) {
        char what[16];
        snprintf(what, sizeof what, "step %d", i);
        if (ptrace(PTRACE_SINGLESTEP, c, 0, 0) != 0)
            printf("SINGLESTEP: %s\n", errname(errno));
        show_trap(c, what);
    }
    CHECK(ptrace(PTRACE_SYSEMU_SINGLESTEP, c, 0, 0));
    show_trap(c, "sysemu step 1");
    CHECK(ptrace(PTRACE_SYSEMU_SINGLESTEP, c, 0, 0));
    show_trap(c, "sysemu step 2");
    CHECK(ptrace(PTRACE_SYSEMU_SINGLESTEP, c, 0, 0));
    show_trap(c, "sysemu step 3");
    ptrace(PTRACE_GETREGS, c, 0, &r);
    r.rax = 1234; /* the emulated call's result */
    CHECK(ptrace(PTRACE_SETREGS, c, 0, &r));

    /* Data the child cannot write itself. */
    long k;
    errno = 0;
    k = ptrace(PTRACE_PEEKDATA, c, &konst, 0);
    SHOW(errno == 0 && (int)k == 42);
    CHECK(ptrace(PTRACE_POKEDATA, c, &konst, (k & ~0xffffffffL) | 43));
    SHOW(konst == 42);
    CHECK(ptrace(PTRACE_POKEDATA, c, private_none, 0x4b4f));
    errno = 0;
    SHOW(ptrace(PTRACE_PEEKDATA, c, private_none, 0) == 0x4b4f && errno == 0);
    errno = 0;
    SHOW(ptrace(PTRACE_PEEKDATA, c, shared_ro, 0) == 0 && errno == 0);
    CHECK(ptrace(PTRACE_POKEDATA, c, shared_ro, 1));
    printf("continue\n"); /* before the child's lines */
    if (ptrace(PTRACE_CONT, c, 0, 0) != 0)
        printf("CONT: %s\n", errname(errno));
    SHOW(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return 0;
}
