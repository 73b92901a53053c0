/* Helpers for the Landlock cases: a domain binds the process for good, so every restriction runs in a fork.
 * The UAPI is spelled here (the host's header predates the network rules and scopes). */
#ifndef LANDLOCK_COMMON_H
#define LANDLOCK_COMMON_H
#include "common.h"
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

struct ll_ruleset_attr { uint64_t fs, net, scoped; };
struct ll_path_attr { uint64_t allowed; int32_t parent_fd; } __attribute__((packed));
struct ll_port_attr { uint64_t allowed; uint64_t port; };

#define LL_RULE_PATH 1
#define LL_RULE_PORT 2
#define LL_VERSION 1u

#define FS_EXECUTE (1ull << 0)
#define FS_WRITE_FILE (1ull << 1)
#define FS_READ_FILE (1ull << 2)
#define FS_READ_DIR (1ull << 3)
#define FS_REMOVE_DIR (1ull << 4)
#define FS_REMOVE_FILE (1ull << 5)
#define FS_MAKE_CHAR (1ull << 6)
#define FS_MAKE_DIR (1ull << 7)
#define FS_MAKE_REG (1ull << 8)
#define FS_MAKE_SOCK (1ull << 9)
#define FS_MAKE_FIFO (1ull << 10)
#define FS_MAKE_BLOCK (1ull << 11)
#define FS_MAKE_SYM (1ull << 12)
#define FS_REFER (1ull << 13)
#define FS_TRUNCATE (1ull << 14)
#define FS_IOCTL_DEV (1ull << 15)
#define FS_ALL ((1ull << 16) - 1)
#define NET_BIND (1ull << 0)
#define NET_CONNECT (1ull << 1)
#define SCOPE_ABSTRACT (1ull << 0)
#define SCOPE_SIGNAL (1ull << 1)

static long ll_create(const struct ll_ruleset_attr *a, size_t size, unsigned flags)
{
    return syscall(SYS_landlock_create_ruleset, a, size, flags);
}
static long ll_add(int fd, int type, const void *attr, unsigned flags)
{
    return syscall(SYS_landlock_add_rule, fd, type, attr, flags);
}
static long ll_restrict(int fd, unsigned flags) { return syscall(SYS_landlock_restrict_self, fd, flags); }

/* A ruleset handling these rights (exits on failure: only what the case checks is printed). */
__attribute__((unused)) static int ruleset(uint64_t fs, uint64_t net, uint64_t scoped)
{
    struct ll_ruleset_attr a = { fs, net, scoped };
    int fd = ll_create(&a, sizeof a, 0);
    if (fd < 0) { printf("create_ruleset failed: %s\n", errname(errno)); exit(90); }
    return fd;
}

__attribute__((unused)) static void allow_path(int rs, const char *path, uint64_t access)
{
    struct ll_path_attr a = { access, open(path, O_PATH | O_CLOEXEC) };
    if (a.parent_fd < 0 || ll_add(rs, LL_RULE_PATH, &a, 0) != 0) { printf("add_rule %s failed: %s\n", path, errname(errno)); exit(91); }
    close(a.parent_fd);
}

__attribute__((unused)) static void allow_port(int rs, uint64_t port, uint64_t access)
{
    struct ll_port_attr a = { access, port };
    if (ll_add(rs, LL_RULE_PORT, &a, 0) != 0) { printf("add_rule port failed: %s\n", errname(errno)); exit(92); }
}

__attribute__((unused)) static void enforce(int rs)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ll_restrict(rs, 0) != 0) { printf("restrict_self failed: %s\n", errname(errno)); exit(93); }
    close(rs);
}

/* Runs fn in a child and waits for it, printing how it ended when not with 0. */
__attribute__((unused)) static void in_child(const char *what, void (*fn)(void))
{
    printf("-- %s\n", what);
    pid_t p = fork();
    if (p == 0) { fn(); exit(0); }
    int st;
    waitpid(p, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) printf("child ended: %s %d\n", WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}
#endif
