/* personality(2): 0xffffffff reads the persona without changing it; a new
 * one comes back as the old value next time; a child inherits it. */
#include "common.h"
#include <sys/personality.h>
#include <sys/wait.h>

int main(void)
{
    printf("initial: 0x%x\n", personality(0xffffffff));
    printf("set ADDR_NO_RANDOMIZE returns 0x%x\n", personality(PER_LINUX | ADDR_NO_RANDOMIZE));
    printf("now: 0x%x\n", personality(0xffffffff));
    pid_t c = fork();
    if (c == 0) {
        printf("child sees: 0x%x\n", personality(0xffffffff));
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("set PER_LINUX returns 0x%x\n", personality(PER_LINUX));
    printf("finally: 0x%x\n", personality(0xffffffff));
    return 0;
}
