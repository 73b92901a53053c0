/* arch_prctl: ARCH_GET_FS is the thread pointer; ARCH_SET_FS round trip;
 * GS; bad codes. */
#include "common.h"
#include <asm/prctl.h>
#include <pthread.h>

int main(void)
{
    unsigned long fs = 0, gs = 1;
    CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
    SHOW(fs != 0);
    SHOW(fs == (unsigned long)pthread_self()); /* glibc: TCB == pthread_t */
    unsigned long self;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(self));
    SHOW(self == fs);
    /* setting FS to the same value is harmless */
    CHECK(syscall(SYS_arch_prctl, ARCH_SET_FS, fs));
    unsigned long fs2 = 0;
    CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs2));
    SHOW(fs2 == fs);
    CHECK(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs));
    SHOW(gs == 0);
    static unsigned long gsblock[4] = {0x1234};
    CHECK(syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)gsblock));
    CHECK(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs));
    SHOW(gs == (unsigned long)gsblock);
    unsigned long v;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(v));
    SHOW(v == 0x1234);
    CHECK(syscall(SYS_arch_prctl, ARCH_SET_GS, 0UL));
    CHECK(syscall(SYS_arch_prctl, 0x9999, &gs));
    CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, (void *)1));
    CHECK(syscall(SYS_arch_prctl, ARCH_SET_FS, 0xffff800000000000UL));
    printf("%s\n", "printf still works");
    return 0;
}
