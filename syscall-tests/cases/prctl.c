/* prctl: task name (also via /proc/self/comm), no_new_privs, pdeathsig. */
#include "common.h"
#include <signal.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>

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
    /* dumpable is remembered and inherited by fork; SUID_DUMP_ROOT is not the caller's to set */
    CHECK(prctl(PR_SET_DUMPABLE, 0));
    CHECK(prctl(PR_GET_DUMPABLE));
    CHECK(prctl(PR_SET_DUMPABLE, 2));
    pid_t dc = fork();
    if (dc == 0) _exit(prctl(PR_GET_DUMPABLE));
    int dst;
    waitpid(dc, &dst, 0);
    printf("child's dumpable: %d\n", WEXITSTATUS(dst));
    CHECK(prctl(PR_SET_DUMPABLE, 1));
    /* PR_SET_MM needs CAP_SYS_RESOURCE (a child without it: EPERM) */
    dc = fork();
    if (dc == 0) {
        prctl(PR_CAPBSET_DROP, 24 /* CAP_SYS_RESOURCE */);
        struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct d[2];
        syscall(SYS_capget, &h, d);
        d[0].effective &= ~(1u << 24);
        syscall(SYS_capset, &h, d);
        _exit(prctl(PR_SET_MM, 0, 0, 0, 0) == -1 ? errno : 0);
    }
    waitpid(dc, &dst, 0);
    printf("PR_SET_MM without CAP_SYS_RESOURCE: %s\n", errname(WEXITSTATUS(dst)));
    CHECK(prctl(PR_GET_KEEPCAPS));
    CHECK(prctl(0x7fff));
    CHECK(prctl(PR_GET_NAME, (char *)1));
    return 0;
}
