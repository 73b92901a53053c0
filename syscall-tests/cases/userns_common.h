/* Shared by the userns_* cases: writing and reading /proc/PID/{uid_map,gid_map,setgroups}. Every case does its
 * work in forked children (a user namespace is left by exiting), so nothing remains on the host. */
#ifndef USERNS_COMMON_H
#define USERNS_COMMON_H
#include "common.h"
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <sys/fsuid.h>

/* One write of text to path (as the map files want it: a single write at offset 0). */
__attribute__((unused)) static long put(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0) return -1;
    long r = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

/* PUT(path, text): the write and its result, as CHECK prints it. */
#define PUT(path, text) CHECK(put(path, text))

/* A whole small file, or the errno name. */
__attribute__((unused)) static const char *contents(const char *path)
{
    static char out[16384];
    int fd = open(path, O_RDONLY);
    if (fd < 0) return errname(errno);
    long n = 0, r;
    while ((r = read(fd, out + n, sizeof out - 1 - n)) > 0) n += r;
    close(fd);
    out[n] = 0;
    return out;
}

/* The line of /proc/self/status that starts with key ("Uid:"), without the newline. */
__attribute__((unused)) static const char *status_line(const char *key)
{
    static char line[256];
    const char *s = contents("/proc/self/status");
    const char *k = strstr(s, key);
    if (!k) return "(none)";
    size_t n = strcspn(k, "\n");
    if (n >= sizeof line) n = sizeof line - 1;
    memcpy(line, k, n);
    line[n] = 0;
    return line;
}

/* The link text of /proc/self/ns/user ("user:[N]"). */
__attribute__((unused)) static const char *userns_link(char *out, size_t size)
{
    ssize_t n = readlink("/proc/self/ns/user", out, size - 1);
    out[n < 0 ? 0 : n] = 0;
    return out;
}

/* Runs fn in a forked child and waits for it (its exit status is printed when not 0). */
__attribute__((unused)) static void in_child(const char *what, void (*fn)(void))
{
    printf("-- %s\n", what);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) { fn(); _exit(0); }
    int st = 0;
    waitpid(c, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) printf("child status %#x\n", st);
}

/* Maps the caller's current euid and egid to 0 in its own new namespace: the unprivileged recipe (setgroups denied). */
__attribute__((unused)) static void map_self_root(uid_t uid, gid_t gid)
{
    char m[64];
    snprintf(m, sizeof m, "0 %u 1", (unsigned)uid);
    PUT("/proc/self/uid_map", m);
    PUT("/proc/self/setgroups", "deny");
    snprintf(m, sizeof m, "0 %u 1", (unsigned)gid);
    PUT("/proc/self/gid_map", m);
}
#endif
