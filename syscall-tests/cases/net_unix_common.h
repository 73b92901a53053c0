/* Helpers shared by the net_unix_* cases. */
#ifndef NET_UNIX_COMMON_H
#define NET_UNIX_COMMON_H
#include "common.h"
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

/* A sockaddr_un for a path; *len gets the length with the trailing NUL. */
__attribute__((unused)) static struct sockaddr_un path_addr(const char *path, socklen_t *len)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    *len = offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
    return a;
}

/* A sockaddr_un for an abstract name of n bytes (may hold NULs); *len is exact. */
__attribute__((unused)) static struct sockaddr_un abstract_addr(const char *name, size_t n, socklen_t *len)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path + 1, name, n);
    *len = offsetof(struct sockaddr_un, sun_path) + 1 + n;
    return a;
}

/* Prints a Unix address the way the cases compare it: its length and bytes (NULs as \0; a name that has the
 * test's pid in it must not be printed: callers pass addresses they made themselves). */
__attribute__((unused)) static void show_addr(const char *what, const struct sockaddr_un *a, socklen_t len)
{
    printf("%s: len=%d", what, (int)len);
    if (len >= sizeof(sa_family_t))
        printf(" family=%d", a->sun_family);
    printf(" name=\"");
    for (socklen_t i = offsetof(struct sockaddr_un, sun_path); i < len && i < sizeof *a; i++) {
        unsigned char c = ((const unsigned char *)a)[i];
        if (c == 0)
            printf("\\0");
        else if (c < 32 || c > 126)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf("\"\n");
}

/* Waits for a child and prints how it ended. */
__attribute__((unused)) static void reap(const char *what, pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) < 0) {
        printf("%s: waitpid %s\n", what, errname(errno));
        return;
    }
    if (WIFEXITED(st))
        printf("%s: exit %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: signal %d\n", what, WTERMSIG(st));
}
#endif
