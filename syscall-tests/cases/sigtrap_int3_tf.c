/* SIGTRAP without a debugger: an int3 arrives with si_code SI_KERNEL and rip after the int3; a trap flag the program
 * sets itself (popf) traps after the next instruction with TRAP_TRACE, si_addr the rip, and stays set in the
 * frame until the handler clears it. */
#include "common.h"
#include <signal.h>
#include <ucontext.h>

extern char after_int3[], tf_set[], tf_next[];
static volatile int traps;

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    unsigned long rip = uc->uc_mcontext.gregs[REG_RIP];
    const char *where = rip == (unsigned long)after_int3 ? "after int3"
        : rip == (unsigned long)tf_next ? "after the instruction past popf" : "elsewhere";
    printf("SIGTRAP %d: si_code %d, at %s, si_addr is rip %d, TF %d\n", ++traps, si->si_code, where,
           si->si_addr == (void *)rip, (int)(uc->uc_mcontext.gregs[REG_EFL] >> 8 & 1));
    uc->uc_mcontext.gregs[REG_EFL] &= ~0x100L;
}

int main(void)
{
    struct sigaction sa = { .sa_sigaction = on_trap, .sa_flags = SA_SIGINFO };
    sigaction(SIGTRAP, &sa, NULL);
    __asm__ volatile("int3\n.globl after_int3\nafter_int3:\n");
    __asm__ volatile("pushf\norq $0x100, (%%rsp)\npopf\n.globl tf_set\ntf_set:\nnop\n.globl tf_next\ntf_next:\nnop\n"
                     ::: "memory", "cc");
    printf("traps: %d\n", traps);
    return 0;
}
