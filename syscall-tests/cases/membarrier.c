/* membarrier: QUERY names the commands served (the rseq pair too: rseq_register.c uses them),
 * flags and unknown commands are EINVAL, an expedited barrier needs its own registration (EPERM), registrations
 * are per address space (GET_REGISTRATIONS; a fork child keeps them, and the host barrier works there), and barriers
 * made from several threads at once all succeed. */
#include "common.h"
#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/wait.h>

#ifndef MEMBARRIER_CMD_GET_REGISTRATIONS
#define MEMBARRIER_CMD_GET_REGISTRATIONS (1 << 9) /* Linux 6.3; Debian 12's headers predate it */
#endif

static int mb(int cmd, unsigned flags) { return syscall(SYS_membarrier, cmd, flags, 0); }

static void *barriers(void *arg)
{
    long failed = 0;
    for (int i = 0; i < 200; i++) failed += mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) != 0;
    return (void *)failed;
}

int main(void)
{
    const int served = MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED |
                       MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED |
                       MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE |
                       MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ |
                       MEMBARRIER_CMD_GET_REGISTRATIONS;
    int q = mb(MEMBARRIER_CMD_QUERY, 0);
    SHOW(q > 0 && (q & served) == served);
    CHECK(mb(MEMBARRIER_CMD_QUERY, 1));
    CHECK(mb(1 << 20, 0));
    CHECK(mb(-1, 0));
    CHECK(mb(MEMBARRIER_CMD_GLOBAL, 2));
    CHECK(mb(MEMBARRIER_CMD_GET_REGISTRATIONS, 0));
    CHECK(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0));
    CHECK(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0));
    CHECK(mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0));
    CHECK(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0)); /* still not registered for the plain kind */
    CHECK(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0));
    CHECK(mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0));
    CHECK(mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0));
    CHECK(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0));
    CHECK(mb(MEMBARRIER_CMD_GLOBAL, 0));
    CHECK(mb(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0));
    CHECK(mb(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0));
    CHECK(mb(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0));
    CHECK(mb(MEMBARRIER_CMD_GET_REGISTRATIONS, 0));

    pid_t c = fork();
    if (c == 0) {
        printf("child: registrations %d, private expedited %s\n", mb(MEMBARRIER_CMD_GET_REGISTRATIONS, 0),
               mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0 ? "0" : errname(errno));
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);

    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, barriers, NULL);
    long failed = 0;
    for (int i = 0; i < 4; i++) { void *r; pthread_join(th[i], &r); failed += (long)r; }
    printf("800 barriers from 4 threads, %ld failed\n", failed);
    return 0;
}
