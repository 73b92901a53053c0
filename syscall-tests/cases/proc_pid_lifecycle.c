/* /proc/[pid] through a process's life: listed and readable as a zombie (state Z, no exe, empty maps), files opened
 * while it ran read as the zombie; once reaped, lookups in its directory are ESRCH, listings ENOENT, reads of files
 * opened earlier ESRCH. A thread's id names a directory though only processes are listed. Also /proc's root inode,
 * coredump_filter, /proc/devices, shared anonymous memory's name in maps, cpuinfo's fields, /proc/stat's CPU time
 * and the resource limits a program gets from its caller; a zombie takes signals until it is reaped; a leader that
 * ended while its threads run keeps its /proc/[pid], state Z. */
#include "common.h"
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int listed(int id)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int found = 0;
    while ((e = readdir(d)) != NULL)
        if (atoi(e->d_name) == id) found = 1;
    closedir(d);
    return found;
}

static long read_len(int fd)
{
    char buf[8192];
    long n = pread(fd, buf, sizeof buf, 0);
    return n < 0 ? -errno : n;
}

static int has_line(int fd, const char *want)
{
    static char buf[65536];
    long n = pread(fd, buf, sizeof buf - 1, 0);
    if (n < 0) return -errno;
    buf[n] = 0;
    return strstr(buf, want) != NULL;
}

static volatile int thread_tid;
static void *thread_main(void *arg)
{
    (void)arg;
    thread_tid = gettid();
    pause();
    return NULL;
}

static unsigned long long busy_ticks(void)
{
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long user, nice, sys;
    if (fscanf(f, "cpu %llu %llu %llu", &user, &nice, &sys) != 3) user = nice = sys = 0;
    fclose(f);
    return user + nice + sys;
}

/* A leader that has ended while its process lives on is a zombie thread: /proc/[pid] stays (gdb reads its status to
 * learn that), and its status says Z. */
static pid_t leader_pid;
static void *outliving_thread(void *arg)
{
    (void)arg;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", leader_pid);
    int fd = -1;
    for (int i = 0; i < 200; i++) {
        fd = open(path, O_RDONLY);
        if (fd < 0 || has_line(fd, "State:\tZ")) break;
        close(fd);
        fd = -1;
        usleep(10000);
    }
    printf("leader gone, process alive: status opens %d, state Z %d, listed %d\n", fd >= 0,
           fd >= 0 ? has_line(fd, "State:\tZ") : -1, listed(leader_pid));
    exit(0);
}

int main(void)
{
    struct stat st;
    stat("/proc", &st);
    printf("/proc inode: %lu\n", (unsigned long)st.st_ino);

    int p[2];
    CHECK(pipe(p));
    pid_t child = fork();
    if (child == 0) {
        write(p[1], "x", 1);
        for (;;) pause();
    }
    char c, path[64];
    read(p[0], &c, 1);
    snprintf(path, sizeof path, "/proc/%d", child);
    int dir = open(path, O_RDONLY | O_DIRECTORY);
    int task = openat(dir, "task", O_RDONLY | O_DIRECTORY);
    int status = openat(dir, "status", O_RDONLY);
    int statf = openat(dir, "stat", O_RDONLY);
    int maps = openat(dir, "maps", O_RDONLY);
    int filter = openat(dir, "coredump_filter", O_RDONLY);
    printf("running: listed %d, coredump_filter has 33: %d\n", listed(child), has_line(filter, "33"));

    kill(child, SIGKILL);
    siginfo_t si;
    CHECK(waitid(P_PID, child, &si, WEXITED | WNOWAIT));
    char link[256];
    printf("zombie: listed %d, state Z %d, maps bytes %ld\n", listed(child), has_line(status, "State:\tZ"),
           read_len(maps));
    CHECK(readlinkat(dir, "exe", link, sizeof link));
    CHECK(faccessat(dir, "cmdline", R_OK, 0));
    /* a zombie still takes signals (ignored) until reaped */
    CHECK(kill(child, SIGTERM));
    CHECK(kill(child, 0));

    printf("reap: %d\n", waitpid(child, NULL, 0) == child);
    printf("reaped: listed %d\n", listed(child));
    CHECK(kill(child, 0));
    CHECK(readlinkat(dir, "exe", link, sizeof link));
    CHECK(readlinkat(dir, "ns/pid", link, sizeof link));
    CHECK(faccessat(dir, "status", R_OK, 0));
    CHECK(read_len(status));
    CHECK(read_len(statf));
    char dents[1024];
    CHECK(syscall(SYS_getdents64, task, dents, sizeof dents));
    CHECK(syscall(SYS_getdents64, dir, dents, sizeof dents));
    close(dir); close(task); close(status); close(statf); close(maps); close(filter);

    /* a thread: its own directory, not listed */
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    while (!thread_tid) usleep(1000);
    snprintf(path, sizeof path, "/proc/%d/status", thread_tid);
    CHECK(access(path, R_OK));
    printf("thread listed: %d\n", listed(thread_tid));

    /* coredump_filter: written as kstrtouint reads (base 0), its 9 bits kept, inherited by fork */
    int cf = open("/proc/self/coredump_filter", O_RDWR);
    CHECK(write(cf, "100", 3));
    printf("coredump_filter 100 reads as 00000064: %d\n", has_line(cf, "00000064\n"));
    CHECK(write(cf, "0x1ff0", 6));
    printf("0x1ff0 keeps 9 bits (000001f0): %d\n", has_line(cf, "000001f0\n"));
    CHECK(write(cf, "zz", 2));
    CHECK(write(cf, "7\0", 2));
    pid_t fc = fork();
    if (fc == 0) _exit(has_line(cf, "00000007\n"));
    int fst;
    waitpid(fc, &fst, 0);
    printf("child's coredump_filter is 7: %d\n", WEXITSTATUS(fst));
    CHECK(write(cf, "0x33", 4));
    close(cf);

    int devices = open("/proc/devices", O_RDONLY);
    printf("devices: starts with header %d, has mem %d, has block header %d\n",
           has_line(devices, "Character devices:\n") && has_line(devices, "Character devices:\n  1 mem\n"),
           has_line(devices, "  1 mem\n"), has_line(devices, "\n\nBlock devices:\n"));
    close(devices);

    char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    shared[0] = 1;
    int self_maps = open("/proc/self/maps", O_RDONLY);
    printf("shared anonymous memory named /dev/zero (deleted): %d\n", has_line(self_maps, " /dev/zero (deleted)\n"));
    close(self_maps);

    int cpuinfo = open("/proc/cpuinfo", O_RDONLY);
    printf("cpuinfo: initial apicid %d, apicid %d, power management %d\n", has_line(cpuinfo, "initial apicid"),
           has_line(cpuinfo, "\napicid\t\t:"), has_line(cpuinfo, "power management"));
    close(cpuinfo);

    unsigned long long before = busy_ticks();
    burn_cpu_ms(300);
    printf("/proc/stat busy time grows: %d\n", busy_ticks() > before);

    /* the caller's limits: fd numbers up to its RLIMIT_NOFILE */
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    int high = fcntl(0, F_DUPFD, 1024);
    printf("F_DUPFD 1024 within the caller's limit: %d\n", rl.rlim_cur > 1024 ? high >= 1024 : high < 0);

    pid_t lp = fork();
    if (lp == 0) {
        leader_pid = getpid();
        pthread_t th;
        pthread_create(&th, NULL, outliving_thread, NULL);
        pthread_exit(NULL);
    }
    int ws;
    waitpid(lp, &ws, 0);
    printf("process of the exited leader: exit %d\n", WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
    return 0;
}
