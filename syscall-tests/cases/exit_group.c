/* exit_group via the raw syscall, skipping libc's exit path: the status is
 * truncated to 8 bits (300 & 0xff = 44). */
#include "common.h"

int main(void)
{
    printf("calling exit_group(300)\n");
    syscall(SYS_exit_group, 300);
    printf("not reached\n");
    return 0;
}
