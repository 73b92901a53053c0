/* System-wide /proc: uptime, loadavg, stat, meminfo, cpuinfo, version,
 * cmdline, filesystems, self/thread-self, /proc/sys values against uname,
 * sysinfo and getrlimit; write errors of read-only files. */
#include "common.h"
#include <dirent.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

static long put(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    long r = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

static unsigned long long kv(const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\n%s:", key);
    char *p = strncmp(buf, pat + 1, strlen(pat + 1)) == 0 ? buf + strlen(pat + 1) : strstr(buf, pat);
    if (!p)
        return (unsigned long long)-1;
    if (p != buf + strlen(pat + 1))
        p += strlen(pat);
    return strtoull(p, NULL, 10);
}

static int lines_of(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

int main(void)
{
    double up = -1, idle = -1;
    char rest[8] = "";
    slurp("/proc/uptime");
    int n = sscanf(buf, "%lf %lf%7s", &up, &idle, rest);
    printf("uptime: %d floats, nonnegative %s, one line %s\n", n, up >= 0 && idle >= 0 ? "yes" : "no",
           lines_of(buf) == 1 ? "yes" : "no");
    char frac[16];
    SHOW(sscanf(buf, "%*d.%15[0-9]", frac) == 1 && strlen(frac) == 2);

    double l1, l5, l15;
    int running, total, last;
    slurp("/proc/loadavg");
    n = sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &running, &total, &last);
    printf("loadavg fields: %d, running <= total %s, last pid > 0 %s\n", n, running <= total ? "yes" : "no",
           last > 0 ? "yes" : "no");

    slurp("/proc/stat");
    printf("stat starts with \"cpu  \": %s\n", !strncmp(buf, "cpu  ", 5) ? "yes" : "no");
    unsigned long long c[10];
    n = sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &c[0], &c[1], &c[2], &c[3], &c[4], &c[5],
               &c[6], &c[7], &c[8], &c[9]);
    printf("stat cpu fields: %d\n", n);
    int cpus = 0;
    for (char *p = buf; (p = strstr(p, "\ncpu")); p++)
        cpus++;
    SHOW(cpus == get_nprocs_conf() || cpus == get_nprocs());
    char *bt = strstr(buf, "\nbtime ");
    long long btime = bt ? atoll(bt + 7) : 0;
    time_t now = time(NULL);
    SHOW(btime > 0 && btime <= now);
    slurp("/proc/uptime");
    sscanf(buf, "%lf", &up);
    slurp("/proc/stat");
    SHOW(llabs(btime + (long long)up - (long long)now) <= 2);
    static const char *statkeys[] = {"\nintr ", "\nctxt ", "\nprocesses ", "\nprocs_running ", "\nprocs_blocked ", "\nsoftirq "};
    for (size_t i = 0; i < sizeof statkeys / sizeof *statkeys; i++)
        printf("stat has %s: %s\n", statkeys[i] + 1, strstr(buf, statkeys[i]) ? "yes" : "no");

    slurp("/proc/meminfo");
    struct sysinfo si;
    sysinfo(&si);
    SHOW(kv("MemTotal") * 1024 == (unsigned long long)si.totalram * si.mem_unit);
    SHOW(kv("MemFree") <= kv("MemTotal") && kv("MemAvailable") <= kv("MemTotal"));
    static const char *memkeys[] = {"Buffers", "Cached", "SwapTotal", "SwapFree", "Shmem", "Active", "Inactive",
                                    "Dirty", "AnonPages", "Mapped", "Slab", "PageTables", "CommitLimit",
                                    "Committed_AS", "VmallocTotal", "HugePages_Total", "Hugepagesize"};
    int missing = 0;
    for (size_t i = 0; i < sizeof memkeys / sizeof *memkeys; i++)
        if (kv(memkeys[i]) == (unsigned long long)-1) {
            printf("meminfo lacks %s\n", memkeys[i]);
            missing++;
        }
    printf("meminfo keys missing: %d\n", missing);
    /* "Name:" padded to 16 columns, the value right-aligned in 8, then " kB" */
    printf("meminfo layout: %s\n", !strncmp(buf, "MemTotal:       ", 16) && strstr(buf, " kB\n") - buf == 24 ? "yes" : "no");

    slurp("/proc/cpuinfo");
    int procs = 0;
    for (char *p = buf; (p = strstr(p, "processor\t: ")); p++)
        procs++;
    SHOW(procs == get_nprocs_conf() || procs == get_nprocs());
    printf("cpuinfo has flags, model name: %s %s\n", strstr(buf, "\nflags\t\t: ") ? "yes" : "no",
           strstr(buf, "\nmodel name\t: ") ? "yes" : "no");

    struct utsname u;
    uname(&u);
    slurp("/proc/version");
    char want[512];
    snprintf(want, sizeof want, "Linux version %s ", u.release);
    SHOW(!strncmp(buf, want, strlen(want)));
    SHOW(strstr(buf, u.version) != NULL);
    slurp("/proc/sys/kernel/osrelease");
    snprintf(want, sizeof want, "%s\n", u.release);
    SHOW(!strcmp(buf, want));
    slurp("/proc/sys/kernel/ostype");
    printf("ostype: %s", buf);
    slurp("/proc/sys/kernel/hostname");
    snprintf(want, sizeof want, "%s\n", u.nodename);
    SHOW(!strcmp(buf, want));
    slurp("/proc/sys/kernel/version");
    snprintf(want, sizeof want, "%s\n", u.version);
    SHOW(!strcmp(buf, want));
    slurp("/proc/sys/kernel/pid_max");
    SHOW(atol(buf) >= 32768);
    slurp("/proc/sys/kernel/ngroups_max");
    SHOW(atol(buf) == sysconf(_SC_NGROUPS_MAX));
    slurp("/proc/sys/kernel/cap_last_cap");
    SHOW(atoi(buf) >= 37 && atoi(buf) < 64);
    slurp("/proc/sys/kernel/random/boot_id");
    char boot1[64] = "";
    memcpy(boot1, buf, sizeof boot1 - 1);
    printf("boot_id: %zu chars, dashes at 8 13 18 23: %s\n", strlen(buf),
           buf[8] == '-' && buf[13] == '-' && buf[18] == '-' && buf[23] == '-' ? "yes" : "no");
    slurp("/proc/sys/kernel/random/boot_id");
    printf("boot_id stable: %s\n", !strcmp(boot1, buf) ? "yes" : "no");
    slurp("/proc/sys/kernel/random/uuid");
    memcpy(boot1, buf, sizeof boot1 - 1);
    slurp("/proc/sys/kernel/random/uuid");
    printf("uuid: %zu chars, fresh each read: %s\n", strlen(buf), strcmp(boot1, buf) ? "yes" : "no");
    slurp("/proc/sys/vm/overcommit_memory");
    SHOW(atoi(buf) >= 0 && atoi(buf) <= 2);
    slurp("/proc/sys/vm/max_map_count");
    SHOW(atol(buf) > 0);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    slurp("/proc/sys/fs/nr_open");
    SHOW((unsigned long)atol(buf) >= rl.rlim_max);
    slurp("/proc/sys/fs/file-max");
    SHOW(atoll(buf) > 0);

    long cl = slurp("/proc/cmdline");
    printf("kernel cmdline: one line %s\n", cl > 1 && lines_of(buf) == 1 && buf[cl - 1] == '\n' ? "yes" : "no");
    slurp("/proc/filesystems");
    printf("filesystems has proc, tmpfs, sysfs: %s %s %s\n", strstr(buf, "nodev\tproc\n") ? "yes" : "no",
           strstr(buf, "nodev\ttmpfs\n") ? "yes" : "no", strstr(buf, "nodev\tsysfs\n") ? "yes" : "no");

    char tmp[256];
    ssize_t k = readlink("/proc/self", tmp, sizeof tmp - 1);
    tmp[k > 0 ? k : 0] = 0;
    printf("/proc/self -> getpid: %s\n", atoi(tmp) == getpid() ? "yes" : "no");
    snprintf(want, sizeof want, "/proc/%d", getpid());
    struct stat a, b;
    stat("/proc/self", &a);
    stat(want, &b);
    printf("/proc/self is /proc/PID: %s\n", a.st_ino == b.st_ino ? "yes" : "no");
    DIR *d = opendir("/proc");
    int found = 0;
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (atoi(de->d_name) == getpid() && de->d_type == DT_DIR)
            found = 1;
    closedir(d);
    printf("/proc lists our pid as a directory: %s\n", found ? "yes" : "no");

    CHECK(put("/proc/version", "x"));
    CHECK(put("/proc/uptime", "x"));
    CHECK(put("/proc/sys/kernel/ostype", "x"));
    CHECK(put("/proc/sys/kernel/osrelease", "x"));
    CHECK(open("/proc/nonexistent", O_RDONLY));
    CHECK(mkdir("/proc/newdir", 0755));
    CHECK(unlink("/proc/version"));
    return 0;
}
