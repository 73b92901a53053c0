/* /proc/[pid] details: io's call and byte counts (per thread under task/, summed at the top, kept after a thread
 * ends), task/[tid]/children, task/'s link count (one per thread), maps and smaps needing ptrace read access at
 * open, and poll on /proc/sys/kernel/hostname reporting a change once (in a private UTS namespace). */
#include "common.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>

static long io_field(const char *path, const char *key)
{
    if (slurp(path) < 0)
        return -1;
    char *p = strstr(buf, key);
    return p ? atol(p + strlen(key) + 1) : -1;
}

static int devnull;
static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 7; i++)
        write(devnull, "abc", 3);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld/io", (long)syscall(SYS_gettid));
    printf("thread's own syscw: %ld wchar: %ld\n", io_field(path, "syscw:"), io_field(path, "wchar:"));
    return NULL;
}

static long links(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_nlink : -1;
}

int main(void)
{
    devnull = open("/dev/null", O_WRONLY);
    long w0 = io_field("/proc/self/io", "syscw:"), c0 = io_field("/proc/self/io", "wchar:");
    for (int i = 0; i < 10; i++)
        write(devnull, "0123456789", 10);
    write(-1, "x", 1); /* never reaches a file: not counted */
    printf("syscw after 10 writes: +%ld, wchar +%ld\n", io_field("/proc/self/io", "syscw:") - w0,
           io_field("/proc/self/io", "wchar:") - c0);
    long r0 = io_field("/proc/self/io", "syscr:");
    long rc0 = io_field("/proc/self/io", "rchar:");
    /* io_field's own reads count too: measure one, then see the difference */
    long r1 = io_field("/proc/self/io", "syscr:");
    printf("reading io counts its reads: %s\n", r1 > r0 ? "yes" : "no");
    printf("rchar grew: %s\n", io_field("/proc/self/io", "rchar:") > rc0 ? "yes" : "no");

    printf("task links, one thread: %ld\n", links("/proc/self/task"));
    w0 = io_field("/proc/self/io", "syscw:");
    pthread_t th;
    pthread_create(&th, NULL, writer, NULL);
    pthread_join(th, NULL);
    printf("process syscw after the thread ended: +%ld\n", io_field("/proc/self/io", "syscw:") - w0);

    char path[96];
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
    slurp(path);
    printf("children before: \"%s\"\n", buf);
    int p1[2];
    pipe(p1);
    pid_t a = fork();
    if (a == 0) { char c; close(p1[1]); read(p1[0], &c, 1); _exit(0); }
    pid_t b = fork();
    if (b == 0) { char c; close(p1[1]); read(p1[0], &c, 1); _exit(0); }
    slurp(path);
    char want[64];
    snprintf(want, sizeof want, "%d %d ", a < b ? a : b, a < b ? b : a);
    printf("children lists both, ascending: %s\n", strcmp(buf, want) == 0 ? "yes" : buf);
    close(p1[1]);
    waitpid(a, NULL, 0);
    waitpid(b, NULL, 0);
    slurp(path);
    printf("children after reaping: \"%s\"\n", buf);
    CHECK(access("/proc/self/children", F_OK));

    /* maps of another process: needs ptrace read access (a different uid has none) */
    int p2[2];
    pipe(p2);
    pid_t victim = fork();
    if (victim == 0) { char c; close(p2[1]); read(p2[0], &c, 1); _exit(0); }
    pid_t prober = fork();
    if (prober == 0) {
        setresgid(65534, 65534, 65534);
        setresuid(65534, 65534, 65534);
        char p[64];
        const char *names[] = {"maps", "smaps", "io", "status"};
        for (int i = 0; i < 4; i++) {
            snprintf(p, sizeof p, "/proc/%d/%s", (int)victim, names[i]);
            int fd = open(p, O_RDONLY);
            printf("nobody opens the other's %s: %s\n", names[i], fd >= 0 ? "ok" : errname(errno));
            if (fd >= 0) close(fd);
        }
        _exit(0);
    }
    waitpid(prober, NULL, 0);
    close(p2[1]);
    waitpid(victim, NULL, 0);

    /* hostname poll, in a UTS namespace of its own */
    pid_t u = fork();
    if (u == 0) {
        if (unshare(CLONE_NEWUTS)) { printf("unshare: %s\n", errname(errno)); _exit(1); }
        int fd1 = open("/proc/sys/kernel/hostname", O_RDONLY), fd2 = open("/proc/sys/kernel/hostname", O_RDONLY);
        int ep1 = epoll_create1(0), ep2 = epoll_create1(0);
        struct epoll_event ev = {0};
        CHECK(epoll_ctl(ep1, EPOLL_CTL_ADD, fd1, &ev));
        CHECK(epoll_ctl(ep2, EPOLL_CTL_ADD, fd2, &ev));
        CHECK(epoll_wait(ep1, &ev, 1, 0));
        CHECK(sethostname("poll-test", 9));
        int n = epoll_wait(ep1, &ev, 1, 5000);
        printf("first watcher: %d, EPOLLERR %s\n", n, (ev.events & EPOLLERR) ? "yes" : "no");
        ev.events = 0;
        n = epoll_wait(ep2, &ev, 1, 5000);
        printf("second watcher: %d, EPOLLERR %s\n", n, (ev.events & EPOLLERR) ? "yes" : "no");
        CHECK(epoll_wait(ep1, &ev, 1, 50));
        CHECK(epoll_wait(ep2, &ev, 1, 50));
        int fd3 = open("/proc/sys/kernel/ostype", O_RDONLY);
        ev.events = EPOLLIN;
        CHECK(epoll_ctl(ep1, EPOLL_CTL_ADD, fd3, &ev));
        n = epoll_wait(ep1, &ev, 1, 0);
        printf("ostype: %d, events %x\n", n, ev.events);
        int fd4 = open("/proc/self/status", O_RDONLY);
        CHECK(epoll_ctl(ep1, EPOLL_CTL_ADD, fd4, &ev));
        _exit(0);
    }
    waitpid(u, NULL, 0);
    return 0;
}
