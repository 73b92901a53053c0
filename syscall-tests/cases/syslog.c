/* syslog(2): the buffer's size and a read of the newest bytes with CAP_SYSLOG, argument checks, and EPERM without
 * the capability (dmesg_restrict=1: open too). Nothing here changes the host's log or console when run natively. */
#include "common.h"
#include <linux/capability.h>
#include <sys/wait.h>

#define SYSLOG_ACTION_OPEN 1
#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_CONSOLE_LEVEL 8
#define SYSLOG_ACTION_SIZE_BUFFER 10

int main(void)
{
    char buf[100];
    long size = syscall(SYS_syslog, SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
    printf("size buffer > 0: %d\n", size > 0);
    long n = syscall(SYS_syslog, SYSLOG_ACTION_READ_ALL, buf, sizeof buf);
    printf("read all: 0 <= n <= 100: %d\n", n >= 0 && n <= 100);
    CHECK(syscall(SYS_syslog, SYSLOG_ACTION_READ_ALL, buf, 0));
    CHECK(syscall(SYS_syslog, SYSLOG_ACTION_READ_ALL, NULL, 10));
    CHECK(syscall(SYS_syslog, SYSLOG_ACTION_READ_ALL, buf, -1));
    CHECK(syscall(SYS_syslog, SYSLOG_ACTION_CONSOLE_LEVEL, NULL, 0));
    CHECK(syscall(SYS_syslog, 11, NULL, 0));
    CHECK(syscall(SYS_syslog, -1, NULL, 0));

    pid_t c = fork();
    if (c == 0) {
        struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct d[2];
        syscall(SYS_capget, &h, d);
        d[0].effective &= ~(1u << 21);       /* CAP_SYS_ADMIN */
        d[1].effective &= ~(1u << (34 - 32)); /* CAP_SYSLOG */
        syscall(SYS_capset, &h, d);
        CHECK(syscall(SYS_syslog, SYSLOG_ACTION_READ_ALL, buf, sizeof buf));
        CHECK(syscall(SYS_syslog, SYSLOG_ACTION_SIZE_BUFFER, NULL, 0));
        CHECK(syscall(SYS_syslog, SYSLOG_ACTION_OPEN, NULL, 0));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    return 0;
}
