/* getpid/gettid/getuid/... compared with each other, never printed. */
#include "common.h"
#include <sys/types.h>

int main(void)
{
    SHOW(getpid() > 0);
    SHOW(getpid() == gettid());
    SHOW(syscall(SYS_gettid) == getpid());
    SHOW(getpid() == getpid());
    SHOW(getuid() == geteuid());
    SHOW(getgid() == getegid());
    uid_t r, e, s;
    gid_t gr, ge, gs;
    CHECK(getresuid(&r, &e, &s));
    SHOW(r == getuid() && e == geteuid() && s == geteuid());
    CHECK(getresgid(&gr, &ge, &gs));
    SHOW(gr == getgid() && ge == getegid() && gs == getegid());
    CHECK(getresuid((uid_t *)1, &e, &s));
    SHOW(getpgrp() == getpgid(0));
    SHOW(getpgid(0) == getpgid(getpid()));
    SHOW(getsid(0) == getsid(getpid()));
    SHOW(getsid(0) >= 0); /* 0 when the session leader is outside our pid namespace (CI) */
    SHOW(getppid() >= 0);
    CHECK(getpgid(-1));
    CHECK(getsid(-1));
    int n = getgroups(0, NULL);
    SHOW(n >= 0);
    gid_t groups[256];
    SHOW(getgroups(256, groups) == n);
    CHECK(n > 0 ? getgroups(n - 1, groups) : (errno = EINVAL, -1L));
    /* set*id to the current values is always allowed */
    CHECK(setuid(getuid()));
    CHECK(setgid(getgid()));
    CHECK(setresuid(-1, -1, -1));
    CHECK(setreuid(-1, -1));
    SHOW(getuid() == geteuid());
    /* set_tid_address returns the tid */
    int dummy;
    SHOW(syscall(SYS_set_tid_address, &dummy) == getpid());
    return 0;
}
