/* /proc and PID namespaces: a proc mounted inside a new PID namespace (in a private mount namespace, as
 * `unshare -fp --mount-proc`) lists only that namespace's processes under their numbers there; /proc/self is the
 * reader's number in that proc's namespace; status and stat show that namespace's ids; NStgid/NSpid/NSpgid/NSsid
 * list one id per namespace from the proc's down to the task's (only counts and inner ids are printed: outer pids
 * vary); /proc/PID/ns/pid and pid_for_children are distinct per namespace. setns to a PID namespace file moves the
 * caller's next children there (not the caller); only its own namespace or one below may be entered. */
#define _GNU_SOURCE
#include "mount_common.h"
#include <dirent.h>
#include <signal.h>

static int count_pids(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9') n++;
    closedir(d);
    return n;
}

/* The fields of a status line: how many, and the last one. */
static void status_line(const char *file, const char *key, int *count, long *last)
{
    FILE *f = fopen(file, "r");
    char line[512];
    *count = -1; *last = -1;
    if (!f) return;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':')
        {
            *count = 0;
            char *p = line + strlen(key) + 1, *end;
            for (;;)
            {
                long v = strtol(p, &end, 10);
                if (end == p) break;
                (*count)++;
                *last = v;
                p = end;
            }
        }
    fclose(f);
}

static void show_status(const char *label, const char *file, int base)
{
    const char *keys[] = {"Tgid", "Pid", "PPid", "NStgid", "NSpid", "NSpgid", "NSsid"};
    printf("%s:", label);
    for (unsigned i = 0; i < sizeof keys / sizeof *keys; i++)
    {
        int n; long last;
        status_line(file, keys[i], &n, &last);
        if (keys[i][0] == 'N') printf(" %s %d/%ld", keys[i], n - base, last);
        else printf(" %s %ld", keys[i], last);
    }
    printf("\n");
}

static int base_levels;

static void in_init(void)
{
    const char *proc = sp("proc");
    mkdir(proc, 0755);
    CHECK(mount("proc", proc, "proc", 0, NULL));
    printf("pids in the new proc: %d\n", count_pids(proc));
    char self[64] = {0};
    readlink(sp("proc/self"), self, sizeof self - 1);
    printf("self: %s\n", self);
    show_status("own status in new proc", sp("proc/self/status"), 0);
    int n; long last;
    status_line("/proc/self/status", "NSpid", &n, &last);
    printf("outer proc NSpid: one more level %d, inner id %ld\n", n - base_levels == 1, last);
    FILE *f = fopen(sp("proc/1/stat"), "r");
    int pid = -1, ppid = -1, pgrp = -1, sid = -1; char comm[64]; char st;
    if (f) { fscanf(f, "%d %63s %c %d %d %d", &pid, comm, &st, &ppid, &pgrp, &sid); fclose(f); }
    printf("stat: pid %d ppid %d pgrp %d session %d\n", pid, ppid, pgrp, sid);
    fflush(stdout);
    int pfd[2];
    pipe(pfd);
    pid_t c = fork();
    if (c == 0)
    {
        CHECK(setsid());
        show_status("child status in new proc", sp("proc/self/status"), 0);
        fflush(stdout);
        close(pfd[1]);
        char b;
        read(pfd[0], &b, 1);
        _exit(0);
    }
    usleep(100000);
    printf("pids with a child: %d\n", count_pids(proc));
    char p2[64];
    snprintf(p2, sizeof p2, "proc/%d/status", c);
    show_status("child seen by init", sp(p2), 0);
    close(pfd[1]);
    waitpid(c, NULL, 0);
    printf("pids after it: %d\n", count_pids(proc));
    /* A nested namespace: its pids show in this proc too, its init as 3 here; its status has two levels here. */
    CHECK(unshare(CLONE_NEWPID));
    fflush(stdout);
    int q[2];
    pipe(q);
    pid_t g = fork();
    if (g == 0)
    {
        close(q[0]);
        char pth[64];
        snprintf(pth, sizeof pth, "proc/%d/status", 3);
        printf("nested init: getpid %d\n", getpid());
        fflush(stdout);
        write(q[1], "x", 1);
        pause();
        _exit(0);
    }
    close(q[1]);
    char b;
    read(q[0], &b, 1);
    snprintf(p2, sizeof p2, "proc/%d/status", g);
    show_status("nested init seen by init", sp(p2), 0);
    kill(g, SIGKILL);
    waitpid(g, NULL, 0);
    CHECK(umount(proc));
}

static int own;
static char pid0[64];

static void first(void)
{
    int n; long last;
    status_line("/proc/self/status", "NSpid", &n, &last);
    base_levels = n;
    CHECK(unshare(CLONE_NEWPID));
    fflush(stdout);
    pid_t init = fork();
    if (init == 0)
    {
        in_init();
        /* Back into the parent namespace: not allowed from below. */
        CHECK(setns(own, CLONE_NEWPID));
        fflush(stdout);
        _exit(0);
    }
    int st = 0;
    waitpid(init, &st, 0);
    printf("init status %#x\n", st);
}

/* setns: a namespace entered from outside through its init's ns file. */
static void second(void)
{
    fflush(stdout);
    int go[2];
    pipe(go);
    pid_t p = fork();
    if (p == 0)
    {
        CHECK(unshare(CLONE_NEWPID));
        fflush(stdout);
        pid_t i2 = fork();
        if (i2 == 0)
        {
            close(go[1]);
            char b;
            read(go[0], &b, 1);
            _exit(0);
        }
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/pid", i2);
        int fd = open(path, O_RDONLY);
        char l1[64] = {0}, l2[64] = {0};
        readlink(path, l1, sizeof l1 - 1);
        readlink("/proc/self/ns/pid_for_children", l2, sizeof l2 - 1);
        printf("child's ns is our pid_for_children: %d, differs from ours: %d\n", strcmp(l1, l2) == 0, strcmp(l1, pid0) != 0);
        fflush(stdout);
        pid_t s = fork();
        if (s == 0)
        {
            /* A process already in the new namespace (pid 2) enters it again: its own, allowed. */
            CHECK(setns(fd, CLONE_NEWPID));
            CHECK(setns(fd, CLONE_NEWUTS));
            CHECK(setns(fd, 0));
            _exit(0);
        }
        waitpid(s, NULL, 0);
        /* From outside: our children go there; we stay. */
        CHECK(setns(own, CLONE_NEWPID));
        pid_t me = getpid();
        CHECK(setns(fd, CLONE_NEWPID));
        SHOW(getpid() == me);
        fflush(stdout);
        pid_t j = fork();
        if (j == 0)
        {
            printf("joined: getpid %d getppid %d\n", getpid(), getppid());
            fflush(stdout);
            _exit(0);
        }
        waitpid(j, NULL, 0);
        close(go[1]);
        waitpid(i2, NULL, 0);
        _exit(0);
    }
    close(go[1]);
    waitpid(p, NULL, 0);
}

static void body(void)
{
    readlink("/proc/self/ns/pid", pid0, sizeof pid0 - 1);
    own = open("/proc/self/ns/pid", O_RDONLY);
    void (*parts[])(void) = {first, second};
    for (int i = 0; i < 2; i++)
    {
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) { parts[i](); fflush(stdout); _exit(0); }
        waitpid(c, NULL, 0);
    }
}

int main(void)
{
    return isolated(body, 0);
}
