/* Signals from guest faults: the signal, si_code and si_addr of each, caught by a handler that jumps back. */
#include "common.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static void *volatile got_addr;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    siglongjmp(jb, 1);
}

extern char ud2_at[], int3_after[], div_at[];

static void do_ud2(void) { asm volatile(".globl ud2_at\nud2_at: ud2"); }
static void do_int3(void) { asm volatile("int3\n.globl int3_after\nint3_after: nop"); }
static int do_div(int a, int b)
{
    int q;
    asm volatile(".globl div_at\ndiv_at: cltd\n idivl %2" : "=a"(q) : "a"(a), "r"(b) : "rdx");
    return q;
}

#define TRY(label, stmt)                                                                        \
    do {                                                                                         \
        got_sig = 0;                                                                             \
        if (sigsetjmp(jb, 1) == 0) { stmt; printf("%s: no signal\n", label); }                  \
        else printf("%s: %s code %d", label, strsignal(got_sig), got_code);                      \
    } while (0)

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
    for (int i = 0; i < 5; i++) sigaction(sigs[i], &sa, NULL);
    long pg = sysconf(_SC_PAGESIZE);

    /* a write to a read-only page: SEGV_ACCERR at that address */
    char *ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    TRY("write read-only", ((volatile char *)ro)[17] = 1);
    printf(" (SEGV_ACCERR %d) addr ok %d\n", SEGV_ACCERR, got_addr == ro + 17);

    /* an unmapped page: SEGV_MAPERR */
    char *gone = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, pg);
    TRY("read unmapped", (void)((volatile char *)gone)[5]);
    printf(" (SEGV_MAPERR %d) addr ok %d\n", SEGV_MAPERR, got_addr == gone + 5);

    /* PROT_NONE: SEGV_ACCERR */
    char *none = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    TRY("read PROT_NONE", (void)((volatile char *)none)[0]);
    printf(" addr ok %d\n", got_addr == none);

    /* a non-canonical address: SIGSEGV SI_KERNEL, address 0 */
    TRY("non-canonical", (void)*(volatile char *)0x8000000000000000UL);
    printf(" (SI_KERNEL %d) addr %p\n", SI_KERNEL, got_addr);

    /* integer division by zero: FPE_INTDIV at the instruction */
    TRY("divide by zero", do_div(7, 0));
    printf(" (FPE_INTDIV %d) addr ok %d\n", FPE_INTDIV, got_addr == div_at + 1);

    /* ud2: ILL_ILLOPN at the instruction */
    TRY("ud2", do_ud2());
    printf(" (ILL_ILLOPN %d) addr ok %d\n", ILL_ILLOPN, got_addr == ud2_at);

    /* int3: SIGTRAP, SI_KERNEL */
    TRY("int3", do_int3());
    printf(" (SI_KERNEL %d)\n", SI_KERNEL);

    /* a blocked fault signal is not held back: the default action kills (the child shows it) */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGSEGV);
        sigprocmask(SIG_BLOCK, &set, NULL);
        ((volatile char *)ro)[0] = 1;
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("blocked SIGSEGV: killed by %s\n", WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "nothing");
    (void)int3_after;
    return 0;
}
