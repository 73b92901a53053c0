/* A signal frame holds the whole extended FP state (XSAVE), as Linux's: the
 * software bytes and magics, a handler starting with AVX state cleared, the
 * interrupted code's ymm upper halves and zmm16-31 back after sigreturn (for a
 * signal at a syscall and for one that arrives while the code runs), a
 * handler's edit of the saved state taking effect, a frame whose magic2
 * is broken restoring the fxsave part alone, one without an FP area the
 * initial state, and one whose area cannot be read killing with SIGSEGV. */
#include "common.h"
#include <cpuid.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>

#define MAGIC1 0x46505853u
#define MAGIC2 0x46505845u
#define UC_FP_XSTATE 1

static int have_avx, have_avx512;
static unsigned avx_off, hi16_off; /* XSAVE offsets of components 2 (ymm upper) and 7 (zmm16-31) */

static uint8_t pattern[32], pattern512[64], out[32], out512[64];
static volatile int mode, handled, handler_upper_zero;
static volatile int frame_flags_ok, magic1_ok, sizes_ok, magic2_ok;

static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig, (void)si;
    ucontext_t *uc = ctx;
    uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;
    uint32_t m1, ext, size;
    memcpy(&m1, fp + 464, 4);
    memcpy(&ext, fp + 468, 4);
    memcpy(&size, fp + 480, 4);
    frame_flags_ok = (uc->uc_flags & UC_FP_XSTATE) != 0;
    magic1_ok = m1 == MAGIC1;
    sizes_ok = ext == size + 4 && size >= 576;
    uint32_t m2 = 0;
    if (sizes_ok)
        memcpy(&m2, fp + size, 4);
    magic2_ok = m2 == MAGIC2;

    /* The handler's own ymm3 upper half: the initial state, zero. */
    uint8_t up[16];
    __asm__ volatile("vextracti128 $1, %%ymm3, %0" : "=m"(up) :: "memory");
    int zero = 1;
    for (int i = 0; i < 16; i++)
        zero &= up[i] == 0;
    handler_upper_zero = zero;

    /* Clobber what the interrupted code holds. */
    static const uint8_t junk[64] = {[0 ... 63] = 0xee};
    __asm__ volatile("vmovdqu %0, %%ymm3" ::"m"(*(const uint8_t(*)[32])junk) : "xmm3");
    if (have_avx512)
        __asm__ volatile("vmovdqu64 %0, %%zmm17" ::"m"(junk));

    if (mode == 1 && sizes_ok) {
        /* Edit the saved ymm3: its low half (fxsave part) and its upper half (component 2). */
        memset(fp + 160 + 16 * 3, 0x11, 16);
        memset(fp + avx_off + 16 * 3, 0x22, 16);
    } else if (mode == 2 && sizes_ok) {
        memset(fp + size, 0, 4); /* no magic2: only the fxsave part comes back */
    } else if (mode == 3) {
        uc->uc_mcontext.fpregs = NULL; /* no FP area: the initial state comes back */
    } else if (mode == 4) {
        uc->uc_mcontext.fpregs = (void *)8; /* an area that cannot be read: a bad frame, SIGSEGV */
    }
    handled++;
}

/* ymm3 (and zmm17) loaded, a tgkill of ourselves, then stored: the handler runs at the syscall's return. */
static void at_syscall(void)
{
    long pid = getpid(), tid = syscall(SYS_gettid);
    if (have_avx512)
        __asm__ volatile("vmovdqu64 %0, %%zmm17" ::"m"(pattern512));
    __asm__ volatile("vmovdqu %[p], %%ymm3\n\t"
                     "mov $234, %%eax\n\t"
                     "syscall\n\t"
                     "vmovdqu %%ymm3, %[o]"
                     : [o] "=m"(out)
                     : [p] "m"(pattern), "D"(pid), "S"(tid), "d"(SIGUSR1)
                     : "rax", "rcx", "r11", "memory", "xmm3");
    if (have_avx512)
        __asm__ volatile("vmovdqu64 %%zmm17, %0" : "=m"(out512) :: "memory");
}

/* ymm3 and zmm17 held in a loop that waits for the timer's signal without a syscall. */
static void while_running(void)
{
    handled = 0;
    struct itimerval it = {.it_value = {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    if (have_avx512)
        __asm__ volatile("vmovdqu64 %[p], %%zmm17\n\t"
                         "vmovdqu %[q], %%ymm3\n\t"
                         "1: cmpl $0, %[h]\n\t"
                         "je 1b\n\t"
                         "vmovdqu64 %%zmm17, %[o5]\n\t"
                         "vmovdqu %%ymm3, %[o]"
                         : [o] "=m"(out), [o5] "=m"(out512)
                         : [p] "m"(pattern512), [q] "m"(pattern), [h] "m"(handled)
                         : "memory", "xmm3");
    else
        __asm__ volatile("vmovdqu %[q], %%ymm3\n\t"
                         "1: cmpl $0, %[h]\n\t"
                         "je 1b\n\t"
                         "vmovdqu %%ymm3, %[o]"
                         : [o] "=m"(out)
                         : [q] "m"(pattern), [h] "m"(handled)
                         : "memory", "xmm3");
}

static void show_bytes(const char *what, const uint8_t *b, int n)
{
    printf("%s:", what);
    for (int i = 0; i < n; i += 8)
        printf(" %02x", b[i]);
    printf("\n");
}

int main(void)
{
    unsigned a, b, c, d;
    __cpuid_count(1, 0, a, b, c, d);
    int osxsave = (c >> 27) & 1;
    have_avx = osxsave && ((c >> 28) & 1);
    if (have_avx) {
        __cpuid_count(7, 0, a, b, c, d);
        have_avx512 = (b >> 16) & 1;
        __cpuid_count(0xd, 2, a, b, c, d);
        avx_off = b;
        __cpuid_count(0xd, 7, a, b, c, d);
        hi16_off = b;
    }
    if (!have_avx) {
        printf("no AVX: nothing to check\n");
        return 0;
    }
    printf("avx512: %d\n", have_avx512);
    for (int i = 0; i < 32; i++)
        pattern[i] = (uint8_t)(0x40 + i);
    for (int i = 0; i < 64; i++)
        pattern512[i] = (uint8_t)(0x80 + i);

    struct sigaction sa = {.sa_sigaction = handler, .sa_flags = SA_SIGINFO};
    CHECK(sigaction(SIGUSR1, &sa, NULL));
    CHECK(sigaction(SIGALRM, &sa, NULL));

    mode = 0;
    at_syscall();
    printf("frame: uc_flags FP_XSTATE %d, magic1 %d, sizes %d, magic2 %d\n", frame_flags_ok, magic1_ok, sizes_ok, magic2_ok);
    printf("handler starts with ymm upper half zero: %d\n", handler_upper_zero);
    SHOW(memcmp(out, pattern, 32) == 0);
    if (have_avx512)
        SHOW(memcmp(out512, pattern512, 64) == 0);

    while_running();
    printf("while running: handled %d\n", handled > 0);
    SHOW(memcmp(out, pattern, 32) == 0);
    if (have_avx512)
        SHOW(memcmp(out512, pattern512, 64) == 0);

    mode = 1;
    at_syscall();
    show_bytes("edited ymm3", out, 32);

    mode = 2;
    at_syscall();
    show_bytes("ymm3 after a frame without magic2", out, 32);
    if (have_avx512)
        show_bytes("zmm17 after a frame without magic2", out512, 64);

    mode = 3;
    at_syscall();
    show_bytes("ymm3 after a frame without an FP area", out, 32);

    pid_t p = fork();
    if (p == 0) {
        mode = 4;
        at_syscall();
        _exit(0);
    }
    int st;
    CHECK(waitpid(p, &st, 0) == p);
    printf("a frame whose FP area is unreadable: %s %d\n", WIFSIGNALED(st) ? "killed by" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    return 0;
}
