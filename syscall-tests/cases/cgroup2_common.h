/* Shared by the cgroup2 cases. They run natively as root on the host, whose cgroup2 hierarchy is one for the whole
 * machine, so: the body runs in a child that first enters new mount and cgroup namespaces (a cgroup2 mount from a
 * non-initial cgroup namespace never changes the hierarchy's flags, and its root is the child's own cgroup), mounts
 * cgroup2 privately under the scratch directory and makes one uniquely named cgroup there ("the case's cgroup");
 * every task the body moves is a forked worker, which exits, so the body can always remove the case's cgroup (and
 * whatever it made below it) at the end. Printed paths name the case's cgroup "CG", never its real name. */
#ifndef CGROUP2_COMMON_H
#define CGROUP2_COMMON_H
#include "mount_common.h"
#include <sys/statfs.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static char cg_name[32];   /* the case's cgroup, under the mount */
static char cg_mount[256]; /* where cgroup2 is mounted */

/* mount/NAME/rel: a path in the case's cgroup (rel "" is the cgroup itself). */
static const char *cgp(const char *rel)
{
    static char bufs[8][512];
    static int i;
    char *b = bufs[i++ % 8];
    snprintf(b, 512, "%s/%s%s%s", cg_mount, cg_name, *rel ? "/" : "", rel);
    return b;
}

/* Writes text to the file in one write; returns 0 or the errno. */
static int cg_put(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0) return errno;
    int r = write(fd, text, strlen(text)) < 0 ? errno : 0;
    close(fd);
    return r;
}

/* Prints "what: ok" or the errno name of writing text to the case's file rel. */
static void put(const char *rel, const char *text)
{
    printf("write %s <- \"%s\": %s\n", rel, text, errname(cg_put(cgp(rel), text)));
}

/* The whole text of a file with newlines shown as "|", or the errno name. */
static const char *cg_text(const char *path)
{
    static char buf[1024];
    int fd = open(path, O_RDONLY);
    if (fd < 0) return errname(errno);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    int e = errno;
    close(fd);
    if (n < 0) return errname(e);
    buf[n] = 0;
    for (char *p = buf; *p; p++)
        if (*p == '\n') *p = '|';
    return buf;
}

static void get(const char *rel) { printf("read %s: \"%s\"\n", rel, cg_text(cgp(rel))); }

/* The cgroup2 line of /proc/PID/cgroup (pid 0: self), the case's cgroup's name shown as CG. */
static const char *cg_of(pid_t pid)
{
    static char out[512];
    char path[64], buf[4096];
    if (pid) snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    else snprintf(path, sizeof path, "/proc/self/cgroup");
    int fd = open(path, O_RDONLY);
    if (fd < 0) return errname(errno);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) return "read failed";
    buf[n] = 0;
    char *line = strstr(buf, "0::");
    if (!line) return "no 0:: line";
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    char *name = strstr(line, cg_name);
    if (!name) return line;
    snprintf(out, sizeof out, "%.*sCG%s", (int)(name - line), line, name + strlen(cg_name));
    return out;
}

/* Whether the file lists pid (cgroup.procs, cgroup.threads). */
static int lists(const char *rel, pid_t pid)
{
    const char *t = cg_text(cgp(rel));
    char want[32];
    int len = snprintf(want, sizeof want, "%d|", (int)pid);
    for (const char *p = t; (p = strstr(p, want)); p++)
        if (p == t || p[-1] == '|') return 1;
    (void)len;
    return 0;
}

static int rm_cgroups(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)ftw;
    return flag == FTW_DP ? rmdir(path) : 0;
}

static void (*cg_body)(void);

static void cg_setup(void)
{
    snprintf(cg_mount, sizeof cg_mount, "%s", sp("cg"));
    snprintf(cg_name, sizeof cg_name, "akcase-%d", (int)getpid());
    if (mkdir(cg_mount, 0755) != 0) { printf("mkdir mount: %s\n", errname(errno)); return; }
    if (mount("none", cg_mount, "cgroup2", 0, NULL) != 0) { printf("mount cgroup2: %s\n", errname(errno)); return; }
    if (mkdir(cgp(""), 0755) != 0) { printf("mkdir cgroup: %s\n", errname(errno)); return; }
    cg_body();
    fflush(stdout);
    /* The workers are gone (reaped), so every cgroup made below can go, deepest first. */
    if (nftw(cgp(""), rm_cgroups, 16, FTW_DEPTH | FTW_PHYS) != 0) printf("cleanup: %s\n", errname(errno));
    umount2(cg_mount, MNT_DETACH);
}

/* Runs body with the case's cgroup made, in new mount and cgroup namespaces. */
static int with_cgroup(void (*body)(void))
{
    cg_body = body;
    return isolated(cg_setup, CLONE_NEWCGROUP);
}

/* Forks a worker that waits for a byte (or EOF) on *gate's read end and then exits with code; returns its pid. */
static pid_t worker(int gate[2], int code)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0)
    {
        close(gate[1]);
        char c;
        read(gate[0], &c, 1);
        _exit(code);
    }
    return p;
}

#endif
