/* Tasks in cgroup2: moving a process with cgroup.procs (pid 0 is the writer), cgroup.events' populated and its
 * poll readiness, rmdir while populated, a zombie's membership, /proc/PID/cgroup (also " (deleted)"),
 * clone3(CLONE_INTO_CGROUP), cgroup.threads within one domain, cgroup.kill, cgroup namespaces' paths, and
 * the files of a removed cgroup. Only forked workers move; the body stays in its own cgroup. */
#include "cgroup2_common.h"
#include <poll.h>
#include <signal.h>
#include <linux/sched.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static int events_ready(int fd)
{
    struct pollfd p = { fd, POLLPRI, 0 };
    int n = poll(&p, 1, 0);
    return n == 1 && (p.revents & POLLPRI) && (p.revents & POLLERR);
}

static void rearm(int fd)
{
    char buf[64];
    lseek(fd, 0, SEEK_SET);
    read(fd, buf, sizeof buf);
}

static void pid_text(pid_t p, char *buf, size_t n) { snprintf(buf, n, "%d", (int)p); }

static void migration(void)
{
    printf("-- migration and events\n");
    CHECK(mkdir(cgp("a"), 0755));
    CHECK(mkdir(cgp("b"), 0755));
    int ev = open(cgp("a/cgroup.events"), O_RDONLY);
    SHOW(events_ready(ev));
    rearm(ev);
    SHOW(events_ready(ev));
    int gate[2];
    pipe(gate);
    pid_t w = worker(gate, 7);
    char pid[32];
    pid_text(w, pid, sizeof pid);
    printf("write a/cgroup.procs <- worker: %s\n", errname(cg_put(cgp("a/cgroup.procs"), pid)));
    SHOW(lists("a/cgroup.procs", w));
    SHOW(lists("a/cgroup.threads", w));
    SHOW(lists("cgroup.procs", w));
    printf("worker: %s\n", cg_of(w));
    get("a/cgroup.events");
    get("cgroup.events");
    SHOW(events_ready(ev));
    rearm(ev);
    CHECK(rmdir(cgp("a")));
    printf("write b/cgroup.procs <- worker: %s\n", errname(cg_put(cgp("b/cgroup.procs"), pid)));
    get("a/cgroup.events");
    get("b/cgroup.events");
    SHOW(events_ready(ev));
    rearm(ev);
    CHECK(rmdir(cgp("a")));
    /* A thread cannot leave its process's domain on its own. */
    printf("write cgroup.threads <- worker: %s\n", errname(cg_put(cgp("cgroup.threads"), pid)));

    /* The worker exits: a zombie is no longer a member, and cannot be moved (the write succeeds). */
    close(gate[1]);
    siginfo_t si;
    CHECK(waitid(P_PID, w, &si, WEXITED | WNOWAIT));
    get("b/cgroup.events");
    SHOW(lists("b/cgroup.procs", w));
    printf("write cgroup.procs <- zombie: %s\n", errname(cg_put(cgp("cgroup.procs"), pid)));
    printf("zombie: %s\n", cg_of(w));
    CHECK(rmdir(cgp("b")));
    printf("zombie after rmdir: %s\n", cg_of(w));
    int st;
    CHECK(waitpid(w, &st, 0) == w);
    printf("worker status %d\n", WEXITSTATUS(st));
    close(gate[0]);
    close(ev);
}

/* A worker that moves itself by writing "0", then reports its path. */
static void self_move(void)
{
    printf("-- pid 0 moves the writer\n");
    CHECK(mkdir(cgp("s"), 0755));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
    {
        printf("child before: %s\n", cg_of(0));
        printf("write s/cgroup.procs <- 0: %s\n", errname(cg_put(cgp("s/cgroup.procs"), "0")));
        printf("child after: %s\n", cg_of(0));
        /* Its own cgroup namespace is rooted where it is now. */
        int initns = open("/proc/self/ns/cgroup", O_RDONLY);
        CHECK(unshare(CLONE_NEWCGROUP));
        printf("in new ns: %s\n", cg_of(0));
        CHECK(mkdir(cgp("s/inner"), 0755));
        printf("write s/inner/cgroup.procs <- 0: %s\n", errname(cg_put(cgp("s/inner/cgroup.procs"), "0")));
        printf("in new ns, moved down: %s\n", cg_of(0));
        printf("parent seen from it: %s\n", cg_of(getppid()));
        CHECK(setns(initns, CLONE_NEWCGROUP));
        printf("back in the first ns: %s\n", cg_of(0));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    get("s/cgroup.events");
}

static void clone_into(void)
{
    printf("-- clone3 CLONE_INTO_CGROUP\n");
    CHECK(mkdir(cgp("c"), 0755));
    int dfd = open(cgp("c"), O_RDONLY | O_DIRECTORY);
    struct clone_args a;
    memset(&a, 0, sizeof a);
    a.flags = CLONE_INTO_CGROUP;
    a.exit_signal = SIGCHLD;
    a.cgroup = (unsigned long long)-1;
    CHECK(syscall(SYS_clone3, &a, sizeof a));
    int p[2];
    pipe(p);
    a.cgroup = p[0];
    CHECK(syscall(SYS_clone3, &a, sizeof a));
    a.cgroup = dfd;
    fflush(stdout);
    long pid = syscall(SYS_clone3, &a, sizeof a);
    if (pid == 0)
    {
        char c;
        close(p[1]);
        read(p[0], &c, 1);
        _exit(0);
    }
    printf("child: %s\n", cg_of(pid));
    SHOW(lists("c/cgroup.procs", pid));
    close(p[1]);
    int st;
    waitpid(pid, &st, 0);
    close(p[0]);
    get("c/cgroup.events");
    /* With a new cgroup namespace too, the child's namespace is rooted at the cgroup it starts in. */
    a.flags = CLONE_INTO_CGROUP | CLONE_NEWCGROUP;
    fflush(stdout);
    pid = syscall(SYS_clone3, &a, sizeof a);
    if (pid == 0)
    {
        printf("child in its own ns: %s\n", cg_of(0));
        _exit(0);
    }
    waitpid(pid, &st, 0);
    a.flags = CLONE_INTO_CGROUP;
    CHECK(rmdir(cgp("c")));
    CHECK(syscall(SYS_clone3, &a, sizeof a));
    close(dfd);
}

static void kill_tree(void)
{
    printf("-- cgroup.kill\n");
    CHECK(mkdir(cgp("k"), 0755));
    CHECK(mkdir(cgp("k/sub"), 0755));
    int gate[2];
    pipe(gate);
    pid_t w1 = worker(gate, 0), w2 = worker(gate, 0);
    char pid[32];
    pid_text(w1, pid, sizeof pid);
    printf("move w1: %s\n", errname(cg_put(cgp("k/cgroup.procs"), pid)));
    pid_text(w2, pid, sizeof pid);
    printf("move w2: %s\n", errname(cg_put(cgp("k/sub/cgroup.procs"), pid)));
    put("k/cgroup.kill", "1");
    close(gate[1]);
    int st;
    waitpid(w1, &st, 0);
    printf("w1 killed by %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    waitpid(w2, &st, 0);
    printf("w2 killed by %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    close(gate[0]);
    get("k/cgroup.events");
}

static void removed(void)
{
    printf("-- a removed cgroup's open files\n");
    CHECK(mkdir(cgp("r"), 0755));
    int procs = open(cgp("r/cgroup.procs"), O_RDWR);
    int dir = open(cgp("r"), O_RDONLY | O_DIRECTORY);
    CHECK(rmdir(cgp("r")));
    char buf[64];
    CHECK(read(procs, buf, sizeof buf));
    CHECK(write(procs, "0", 1));
    CHECK(mkdirat(dir, "x", 0755));
    CHECK(openat(dir, "cgroup.procs", O_RDONLY));
    close(procs);
    close(dir);
}

static void nobody_moves(void)
{
    printf("write cgroup.procs as nobody: %s\n", errname(cg_put(cgp("cgroup.procs"), "0")));
}

static void body(void)
{
    printf("self: %s\n", cg_of(0));
    migration();
    self_move();
    clone_into();
    kill_tree();
    removed();
    as_nobody(nobody_moves);
}

int main(void) { return with_cgroup(body); }
