/* Shared by the mount, chroot, pivot_root and namespace cases. These cases run natively as root on the real
 * host, so each runs its body in a child that first enters a new mount namespace and makes every mount in it
 * private (nothing it mounts can reach the host's namespace), and only mounts on directories it makes under a
 * fresh scratch directory in /tmp, which the parent removes after the child is gone. */
#ifndef MOUNT_COMMON_H
#define MOUNT_COMMON_H
#include "common.h"
#include <ftw.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char scratch[64];

/* scratch/name, in a static buffer per call site's use (copied by callers that keep it). */
static const char *sp(const char *name)
{
    static char bufs[8][256];
    static int i;
    char *b = bufs[i++ % 8];
    snprintf(b, 256, "%s/%s", scratch, name);
    return b;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Runs body in a child in a new private mount namespace (extra: more CLONE_NEW* flags to unshare there);
 * removes the scratch tree afterwards. */
static int isolated(void (*body)(void), int extra)
{
    snprintf(scratch, sizeof scratch, "/tmp/mntcase-%d", (int)getpid());
    if (mkdir(scratch, 0755) != 0) { printf("mkdir scratch: %s\n", errname(errno)); return 1; }
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
    {
        if (unshare(CLONE_NEWNS | extra) != 0) { printf("unshare: %s\n", errname(errno)); _exit(1); }
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) { printf("make private: %s\n", errname(errno)); _exit(1); }
        body();
        _exit(0);
    }
    int st = 0;
    waitpid(c, &st, 0);
    nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) printf("child status %#x\n", st);
    return 0;
}

/* Runs fn in a forked child with uid and gid 65534 (no capabilities); waits for it. */
static void as_nobody(void (*fn)(void))
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
    {
        if (setgid(65534) != 0 || setuid(65534) != 0) { printf("drop: %s\n", errname(errno)); _exit(1); }
        fn();
        _exit(0);
    }
    waitpid(c, NULL, 0);
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { printf("create %s: %s\n", path + strlen(scratch), errname(errno)); return; }
    write(fd, text, strlen(text));
    close(fd);
}

/* The first line of a file, or the errno name. */
static const char *read_line(const char *path)
{
    static char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) return errname(errno);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) return errname(errno);
    buf[n] = 0;
    char *nl = strchr(buf, '\n');
    if (nl) *nl = 0;
    return buf;
}

/* The mountinfo line of the mount at path (the last one: the topmost), with the fields that differ between
 * hosts left out: "root options [optional...] - type source super". Mount ids and devices are not printed. */
static const char *mountinfo_of(const char *path)
{
    static char out[512];
    static char buf[65536];
    int fd = open("/proc/self/mountinfo", O_RDONLY);
    if (fd < 0) return errname(errno);
    ssize_t n = 0, r;
    while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
    close(fd);
    buf[n] = 0;
    strcpy(out, "(none)");
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
    {
        char id[32], parent[32], dev[32], root[256], point[256];
        int used = 0;
        if (sscanf(line, "%31s %31s %31s %255s %255s %n", id, parent, dev, root, point, &used) < 5) continue;
        if (strcmp(point, path) != 0) continue;
        snprintf(out, sizeof out, "%s %s", root, line + used);
    }
    return out;
}

/* The optional fields of a mountinfo line, with the group numbers replaced by N: "shared:N master:N". */
static const char *propagation_of(const char *path)
{
    static char out[128];
    const char *l = mountinfo_of(path);
    out[0] = 0;
    const char *p = strchr(l, ' ');
    if (!p) return "?";
    p = strchr(p + 1, ' '); /* after options */
    while (p && p[1] != '-')
    {
        const char *f = p + 1;
        const char *end = strchr(f, ' ');
        size_t len = end ? (size_t)(end - f) : strlen(f);
        const char *colon = memchr(f, ':', len);
        strncat(out, f, colon ? (size_t)(colon - f) : len);
        strcat(out, colon ? ":N " : " ");
        p = end;
    }
    return out[0] ? out : "private";
}

/* The number after "shared:" or "master:" in the mount's line (0: none). */
static int group_of(const char *path, const char *kind)
{
    const char *l = mountinfo_of(path);
    const char *k = strstr(l, kind);
    return k ? atoi(k + strlen(kind)) : 0;
}
#endif
