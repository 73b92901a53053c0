/* prctl: task name (also via /proc/self/comm), no_new_privs, pdeathsig. */
#include "common.h"
#include <signal.h>
#include <sys/prctl.h>

int main(void)
{
    char name[32] = "";
    CHECK(prctl(PR_SET_NAME, "sandboxed-name-is-long"));
    CHECK(prctl(PR_GET_NAME, name));
    printf("name: %s\n", name);
    int fd = open("/proc/self/comm", O_RDONLY);
    char comm[32] = "";
    long n = read(fd, comm, sizeof comm - 1);
    comm[n > 0 ? n : 0] = 0;
    printf("comm: %s", comm);
    CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    CHECK(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));
    int sig = -1;
    CHECK(prctl(PR_GET_PDEATHSIG, &sig));
    printf("pdeathsig: %d\n", sig);
    CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR1));
    CHECK(prctl(PR_GET_PDEATHSIG, &sig));
    printf("pdeathsig: %d\n", sig);
    CHECK(prctl(PR_SET_PDEATHSIG, 999));
    CHECK(prctl(PR_SET_DUMPABLE, 1));
    CHECK(prctl(PR_GET_DUMPABLE));
    CHECK(prctl(PR_GET_KEEPCAPS));
    CHECK(prctl(0x7fff));
    CHECK(prctl(PR_GET_NAME, (char *)1));
    return 0;
}
