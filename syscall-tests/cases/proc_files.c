/* /proc/[pid]: stat (52 fields), statm, status, cmdline (incl. setproctitle),
 * environ, comm (read and write), cwd/root links, fd and fdinfo, auxv,
 * limits, cgroup, oom_score_adj, mountinfo/mounts, task/, thread-self.
 * Every value is checked against what the process learns through syscalls,
 * never printed raw when it can differ between runs or kernels. */
#include "common.h"
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <linux/capability.h>

static long put(const char *path, const char *s, size_t len)
{
    int fd = open(path, O_WRONLY | O_TRUNC);
    if (fd < 0)
        return -1;
    long r = write(fd, s, len);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

/* The value after "Key:\t" in status-like text, or NULL. */
static const char *field(const char *text, const char *key, char *out, size_t outlen)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\n%s:", key);
    const char *p = strncmp(text, pat + 1, strlen(pat + 1)) == 0 ? text - 1 : strstr(text, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    while (*p == '\t' || *p == ' ')
        p++;
    size_t n = strcspn(p, "\n");
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, p, n);
    out[n] = 0;
    return out;
}

static unsigned long long sigset_of(int ignored)
{
    unsigned long long bits = 0;
    for (int s = 1; s <= 64; s++) {
        struct sigaction sa;
        if (syscall(SYS_rt_sigaction, s, NULL, &sa, 8) != 0)
            continue;
        if (ignored ? sa.sa_handler == SIG_IGN : (sa.sa_handler != SIG_IGN && sa.sa_handler != SIG_DFL))
            bits |= 1ULL << (s - 1);
    }
    return bits;
}

static void on_term(int s) { (void)s; }

static void check_stat(char **argv, char **envp)
{
    slurp("/proc/self/stat");
    char *rp = strrchr(buf, ')');
    int nfields = 2;
    for (char *p = rp + 1; *p && *p != '\n'; p++)
        if (*p == ' ')
            nfields++;
    printf("stat fields: %d\n", nfields);
    printf("stat ends with newline: %s\n", buf[strlen(buf) - 1] == '\n' ? "yes" : "no");
    unsigned long long f[53] = {0};
    char state = '?';
    sscanf(buf, "%llu", &f[1]);
    sscanf(rp + 2, "%c", &state);
    char *p = rp + 4;
    for (int i = 4; i <= 52 && *p; i++) {
        f[i] = strtoull(p, &p, 10);
        if (*p == ' ')
            p++;
    }
    /* tpgid (8) is -1 as unsigned: parse again signed */
    SHOW(f[1] == (unsigned long long)getpid());
    printf("stat state: %c\n", state);
    SHOW(f[4] == (unsigned long long)getppid());
    SHOW(f[5] == (unsigned long long)getpgrp());
    SHOW(f[6] == (unsigned long long)getsid(0));
    SHOW(f[18] == 20ULL + getpriority(PRIO_PROCESS, 0));
    SHOW(f[19] == (unsigned long long)(long long)getpriority(PRIO_PROCESS, 0));
    printf("stat num_threads: %llu\n", f[20]);
    printf("stat itrealvalue: %llu\n", f[21]);
    struct rlimit rl;
    getrlimit(RLIMIT_RSS, &rl);
    SHOW(f[25] == (unsigned long long)rl.rlim_cur);
    SHOW(f[26] <= (unsigned long long)(unsigned long)&check_stat && (unsigned long)&check_stat < f[27]);
    SHOW(f[28] == (unsigned long long)(unsigned long)(argv - 1)); /* start_stack: where argc is */
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    unsigned long long blocked = 0;
    for (int s = 1; s <= 31; s++)
        if (sigismember(&cur, s))
            blocked |= 1ULL << (s - 1);
    SHOW(f[31] == 0);
    SHOW(f[32] == blocked);
    SHOW(f[33] == (sigset_of(1) & 0x7fffffff));
    SHOW(f[34] == (sigset_of(0) & 0x7fffffff));
    printf("stat exit_signal: %llu\n", f[38]);
    SHOW(f[47] <= (unsigned long long)(unsigned long)sbrk(0));
    SHOW(f[48] == (unsigned long long)(unsigned long)argv[0]);
    int argc = 0;
    while (argv[argc])
        argc++;
    SHOW(f[49] == (unsigned long long)(unsigned long)(argv[argc - 1] + strlen(argv[argc - 1]) + 1));
    int envc = 0;
    while (envp[envc])
        envc++;
    if (envc > 0) {
        SHOW(f[50] == (unsigned long long)(unsigned long)envp[0]);
        SHOW(f[51] == (unsigned long long)(unsigned long)(envp[envc - 1] + strlen(envp[envc - 1]) + 1));
    }
    printf("stat exit_code: %llu\n", f[52]);

    /* starttime is in clock ticks since boot: not after now */
    unsigned long long start = f[22];
    unsigned long long vsize = f[23], rss = f[24];
    slurp("/proc/uptime");
    double up = 0;
    sscanf(buf, "%lf", &up);
    SHOW(start <= (unsigned long long)(up * sysconf(_SC_CLK_TCK)) + 1);

    slurp("/proc/self/statm");
    unsigned long long m[7];
    int n = sscanf(buf, "%llu %llu %llu %llu %llu %llu %llu", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &m[6]);
    printf("statm fields: %d\n", n);
    SHOW(m[0] * 4096 == vsize);
    SHOW(m[1] > 0 && m[1] <= m[0] && rss > 0 && rss <= m[0]);
    SHOW(m[2] <= m[1]);
}

static void check_status(void)
{
    char v[256], exp[256];
    umask(027);
    slurp("/proc/self/status");
    static const char *keys[] = {
        "Name", "Umask", "State", "Tgid", "Ngid", "Pid", "PPid", "TracerPid", "Uid", "Gid", "FDSize", "Groups",
        "NStgid", "NSpid", "NSpgid", "NSsid", "VmPeak", "VmSize", "VmLck", "VmPin", "VmHWM", "VmRSS", "RssAnon",
        "RssFile", "RssShmem", "VmData", "VmStk", "VmExe", "VmLib", "VmPTE", "VmSwap", "HugetlbPages",
        "CoreDumping", "THP_enabled", "Threads", "SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt",
        "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Cpus_allowed",
        "Cpus_allowed_list", "Mems_allowed", "Mems_allowed_list", "voluntary_ctxt_switches",
        "nonvoluntary_ctxt_switches",
    };
    int missing = 0;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!field(buf, keys[i], v, sizeof v)) {
            printf("status lacks %s\n", keys[i]);
            missing++;
        }
    printf("status keys missing: %d\n", missing);
    char comm[16] = "";
    prctl(PR_GET_NAME, comm);
    SHOW(field(buf, "Name", v, sizeof v) && !strcmp(v, comm));
    printf("Umask: %s\n", field(buf, "Umask", v, sizeof v) ? v : "?");
    printf("State: %s\n", field(buf, "State", v, sizeof v) ? v : "?");
    SHOW(field(buf, "Tgid", v, sizeof v) && atoi(v) == getpid());
    SHOW(field(buf, "Pid", v, sizeof v) && atoi(v) == gettid());
    SHOW(field(buf, "PPid", v, sizeof v) && atoi(v) == getppid());
    printf("TracerPid: %s\n", field(buf, "TracerPid", v, sizeof v) ? v : "?");
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    snprintf(exp, sizeof exp, "%u\t%u\t%u\t%u", r, e, s, (unsigned)setfsuid(-1));
    SHOW(field(buf, "Uid", v, sizeof v) && !strcmp(v, exp));
    gid_t gr, ge, gs;
    getresgid(&gr, &ge, &gs);
    snprintf(exp, sizeof exp, "%u\t%u\t%u\t%u", gr, ge, gs, (unsigned)setfsgid(-1));
    SHOW(field(buf, "Gid", v, sizeof v) && !strcmp(v, exp));
    gid_t groups[64];
    int ng = getgroups(64, groups);
    exp[0] = 0;
    for (int i = 0; i < ng; i++)
        snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%s%u", i ? " " : "", groups[i]);
    strcat(exp, " ");
    /* field() skipped the tab; an empty list leaves just the trailing space, which it skips too */
    const char *g = strstr(buf, "\nGroups:\t");
    SHOW(g && !strncmp(g + 9, exp, strlen(exp)) && g[9 + strlen(exp)] == '\n');
    SHOW(field(buf, "NStgid", v, sizeof v) && atoi(v) == getpid());
    printf("Threads: %s\n", field(buf, "Threads", v, sizeof v) ? v : "?");
    printf("SigPnd: %s\n", field(buf, "SigPnd", v, sizeof v) ? v : "?");
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    unsigned long long blocked = 0;
    for (int sg = 1; sg <= 64; sg++)
        if (sigismember(&cur, sg) == 1)
            blocked |= 1ULL << (sg - 1);
    snprintf(exp, sizeof exp, "%016llx", blocked);
    SHOW(field(buf, "SigBlk", v, sizeof v) && !strcmp(v, exp));
    snprintf(exp, sizeof exp, "%016llx", sigset_of(1));
    SHOW(field(buf, "SigIgn", v, sizeof v) && !strcmp(v, exp));
    snprintf(exp, sizeof exp, "%016llx", sigset_of(0));
    SHOW(field(buf, "SigCgt", v, sizeof v) && !strcmp(v, exp));
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct cd[2];
    syscall(SYS_capget, &hdr, cd);
    snprintf(exp, sizeof exp, "%08x%08x", cd[1].effective, cd[0].effective);
    SHOW(field(buf, "CapEff", v, sizeof v) && !strcmp(v, exp));
    snprintf(exp, sizeof exp, "%08x%08x", cd[1].permitted, cd[0].permitted);
    SHOW(field(buf, "CapPrm", v, sizeof v) && !strcmp(v, exp));
    snprintf(exp, sizeof exp, "%08x%08x", cd[1].inheritable, cd[0].inheritable);
    SHOW(field(buf, "CapInh", v, sizeof v) && !strcmp(v, exp));
    SHOW(field(buf, "NoNewPrivs", v, sizeof v) && atoi(v) == prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    cpu_set_t cs;
    sched_getaffinity(0, sizeof cs, &cs);
    int lo = -1, hi = -1;
    if (field(buf, "Cpus_allowed_list", v, sizeof v) && sscanf(v, "%d-%d", &lo, &hi) == 1)
        hi = lo;
    SHOW(hi - lo + 1 == CPU_COUNT(&cs));
    unsigned long kb = 0;
    SHOW(field(buf, "VmSize", v, sizeof v) && sscanf(v, "%lu kB", &kb) == 1 && kb > 0);
    SHOW(field(buf, "VmRSS", v, sizeof v) && strstr(v, " kB"));

    /* SigIgn and SigCgt follow sigaction; SigBlk follows sigprocmask */
    signal(SIGUSR2, SIG_IGN);
    signal(SIGTERM, on_term);
    sigset_t b;
    sigemptyset(&b);
    sigaddset(&b, SIGUSR1);
    sigprocmask(SIG_BLOCK, &b, NULL);
    slurp("/proc/self/status");
    SHOW(field(buf, "SigIgn", v, sizeof v) && (strtoull(v, 0, 16) & (1ULL << (SIGUSR2 - 1))));
    SHOW(field(buf, "SigCgt", v, sizeof v) && (strtoull(v, 0, 16) & (1ULL << (SIGTERM - 1))));
    SHOW(field(buf, "SigBlk", v, sizeof v) && (strtoull(v, 0, 16) == (1ULL << (SIGUSR1 - 1))));
    sigprocmask(SIG_UNBLOCK, &b, NULL);
    signal(SIGUSR2, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    umask(022);
}

static void check_cmdline_environ(int argc, char **argv, char **envp)
{
    long n = slurp("/proc/self/cmdline");
    long want = 0;
    int same = 1;
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(argv[i]) + 1;
        if (want + (long)l > n || memcmp(buf + want, argv[i], l))
            same = 0;
        want += l;
    }
    printf("cmdline == argv (%d args): %s\n", argc, same && n == want ? "yes" : "no");

    n = slurp("/proc/self/environ");
    want = 0;
    same = 1;
    for (int i = 0; envp[i]; i++) {
        size_t l = strlen(envp[i]) + 1;
        if (want + (long)l > n || memcmp(buf + want, envp[i], l))
            same = 0;
        want += l;
    }
    printf("environ == initial envp: %s\n", same && n == want ? "yes" : "no");
    setenv("APPKERNEL_PROC_TEST", "1", 1);
    slurp("/proc/self/environ");
    printf("environ unchanged by setenv: %s\n", memmem(buf, n, "APPKERNEL_PROC_TEST", 19) ? "no" : "yes");

    /* setproctitle: overwrite the argument area, final NUL included */
    char *start = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
    memset(start, 'x', end - start);
    memcpy(start, "title", 6);
    n = slurp("/proc/self/cmdline");
    printf("cmdline after setproctitle: %ld bytes, \"%s\"\n", n, buf);
}

static void check_comm(void)
{
    char name[32] = "";
    slurp("/proc/self/comm");
    prctl(PR_GET_NAME, name);
    printf("comm == PR_GET_NAME + newline: %s\n", !strncmp(buf, name, strlen(name)) && !strcmp(buf + strlen(name), "\n") ? "yes" : "no");
    CHECK(put("/proc/self/comm", "renamed", 7));
    prctl(PR_GET_NAME, name);
    printf("PR_GET_NAME: %s\n", name);
    slurp("/proc/self/comm");
    printf("comm: %s", buf);
    CHECK(put("/proc/self/comm", "abcdefghijklmnopqrstuvwxyz", 26));
    slurp("/proc/self/comm");
    printf("comm: %s", buf);
    CHECK(put("/proc/self/comm", "nl\n", 3));
    slurp("/proc/self/comm");
    printf("comm with newline: %zu bytes\n", strlen(buf));
    slurp("/proc/self/status");
    char v[64];
    printf("status Name: %s\n", field(buf, "Name", v, sizeof v) ? v : "?");
    /* an open /proc file read again from offset 0 shows the state then (seq_file), as top relies on */
    int fd = open("/proc/self/comm", O_RDONLY);
    char b1[32] = "", b2[32] = "";
    read(fd, b1, sizeof b1 - 1);
    prctl(PR_SET_NAME, "second");
    read(fd, b2, sizeof b2 - 1);
    printf("read on at EOF: \"%s\"\n", b2);
    lseek(fd, 0, SEEK_SET);
    read(fd, b2, sizeof b2 - 1);
    printf("before: %s after rewind: %s", b1, b2);
    memset(b2, 0, sizeof b2);
    pread(fd, b2, sizeof b2 - 1, 0);
    prctl(PR_SET_NAME, "third");
    pread(fd, b2, sizeof b2 - 1, 0);
    printf("pread at 0: %s", b2);
    close(fd);
    prctl(PR_SET_NAME, "proc_files");
}

static void check_links_and_fds(void)
{
    char tmp[4096], want[4096], path[64];
    chdir("/usr");
    ssize_t n = readlink("/proc/self/cwd", tmp, sizeof tmp - 1);
    tmp[n > 0 ? n : 0] = 0;
    getcwd(want, sizeof want);
    printf("cwd link == getcwd: %s\n", !strcmp(tmp, want) ? "yes" : "no");
    n = readlink("/proc/self/root", tmp, sizeof tmp - 1);
    tmp[n > 0 ? n : 0] = 0;
    printf("root link: %s\n", tmp);
    struct stat a, b;
    stat("/proc/self/cwd/bin", &a);
    stat("/usr/bin", &b);
    printf("through cwd link: %s\n", a.st_ino == b.st_ino && a.st_dev == b.st_dev ? "same" : "different");
    chdir("/");

    n = readlink("/proc/thread-self", tmp, sizeof tmp - 1);
    tmp[n > 0 ? n : 0] = 0;
    snprintf(want, sizeof want, "%d/task/%d", getpid(), gettid());
    printf("thread-self: %s\n", !strcmp(tmp, want) ? "pid/task/tid" : tmp);
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", gettid());
    slurp(path);
    printf("task/TID/stat starts with tid: %s\n", atoi(buf) == gettid() ? "yes" : "no");

    int fd = CHECK_OK(open("/etc/passwd", O_RDONLY | O_CLOEXEC));
    lseek(fd, 5, SEEK_SET);
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    slurp(path);
    char v[64];
    printf("fdinfo pos: %s\n", field(buf, "pos", v, sizeof v) ? v : "?");
    printf("fdinfo flags: %s\n", field(buf, "flags", v, sizeof v) ? v : "?");
    SHOW(field(buf, "mnt_id", v, sizeof v) != NULL);
    struct stat st;
    fstat(fd, &st);
    SHOW(field(buf, "ino", v, sizeof v) && strtoull(v, 0, 10) == st.st_ino);
    int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
    DIR *d = fdopendir(dfd);
    int seen[4] = {0};
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        int x = atoi(de->d_name);
        if (x <= 2) seen[x] = 1;
        else if (x == fd) seen[3] = 1;
        if (x == fd && de->d_type != DT_LNK)
            printf("fd entry type %d\n", de->d_type);
    }
    closedir(d);
    /* (a native run may inherit more fds from its runner: not counted) */
    printf("fd dir: 0 %d 1 %d 2 %d ours %d\n", seen[0], seen[1], seen[2], seen[3]);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    lstat(path, &st);
    printf("fd link mode: %o\n", st.st_mode & 0777);
    close(fd);

    /* /proc/self/fd/N of a pipe opens the pipe again */
    int p[2];
    pipe(p);
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
    int w = CHECK_OK(open(path, O_WRONLY));
    CHECK(write(w, "via-proc", 8));
    close(w);
    char rb[16] = "";
    CHECK(read(p[0], rb, sizeof rb - 1));
    printf("read back: %s\n", rb);
    n = readlink(path, tmp, sizeof tmp - 1);
    tmp[n > 0 ? n : 0] = 0;
    printf("pipe link looks like pipe:[N]: %s\n", !strncmp(tmp, "pipe:[", 6) && tmp[n - 1] == ']' ? "yes" : "no");
    close(p[0]);
    close(p[1]);

    /* file modes and owner */
    stat("/proc/self/environ", &st);
    printf("environ mode %o owner is euid: %s\n", st.st_mode & 07777, st.st_uid == geteuid() ? "yes" : "no");
    stat("/proc/self/status", &st);
    printf("status mode %o\n", st.st_mode & 07777);
    stat("/proc/self/comm", &st);
    printf("comm mode %o\n", st.st_mode & 07777);
    stat("/proc/self/fd", &st);
    printf("fd dir mode %o\n", st.st_mode & 07777);
    stat("/proc/self/", &st);
    printf("pid dir mode %o owner is euid: %s\n", st.st_mode & 07777, st.st_uid == geteuid() ? "yes" : "no");
    struct stat s1, s2;
    stat("/proc/self/status", &s1);
    stat("/proc/self/status", &s2);
    printf("stable inode: %s\n", s1.st_ino == s2.st_ino ? "yes" : "no");
}

static void check_misc(void)
{
    /* auxv: pairs ending with AT_NULL; the values getauxval sees */
    long n = slurp("/proc/self/auxv");
    unsigned long *av = (unsigned long *)buf;
    int pagesz = 0, entry = 0, null_last = 0, random = 0;
    for (long i = 0; i + 1 < n / 8; i += 2) {
        if (av[i] == AT_PAGESZ) pagesz = av[i + 1] == getauxval(AT_PAGESZ);
        if (av[i] == AT_ENTRY) entry = av[i + 1] == getauxval(AT_ENTRY);
        if (av[i] == AT_RANDOM) random = av[i + 1] == getauxval(AT_RANDOM);
        if (av[i] == AT_NULL) null_last = (i + 2 == n / 8);
    }
    printf("auxv: pagesz %d entry %d random %d ends with AT_NULL %d\n", pagesz, entry, random, null_last);

    slurp("/proc/self/limits");
    int lines = 0;
    for (char *p = buf; *p; p++)
        lines += *p == '\n';
    printf("limits lines: %d\n", lines);
    printf("limits header: %.*s|\n", (int)strcspn(buf, "\n"), buf);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    char want[128];
    snprintf(want, sizeof want, "Max open files            %-20lu %-20lu files     \n", rl.rlim_cur, rl.rlim_max);
    printf("limits open files matches getrlimit: %s\n", strstr(buf, want) ? "yes" : "no");
    getrlimit(RLIMIT_STACK, &rl);
    if (rl.rlim_max == RLIM_INFINITY)
        snprintf(want, sizeof want, "Max stack size            %-20lu %-20s bytes     \n", rl.rlim_cur, "unlimited");
    printf("limits stack matches getrlimit: %s\n", strstr(buf, want) ? "yes" : "no");

    slurp("/proc/self/cgroup");
    printf("cgroup has a v2 line: %s\n", (!strncmp(buf, "0::/", 4) || strstr(buf, "\n0::/")) ? "yes" : "no");
    CHECK(put("/proc/self/oom_score_adj", "100\n", 4));
    slurp("/proc/self/oom_score_adj");
    printf("oom_score_adj: %s", buf);
    CHECK(put("/proc/self/oom_score_adj", "5000\n", 5));
    slurp("/proc/self/oom_adj");
    printf("oom_adj: %s", buf);
    CHECK(put("/proc/self/oom_adj", "3", 1));
    slurp("/proc/self/oom_score_adj");
    printf("oom_score_adj after oom_adj 3: %s", buf);
    char tpath[64];
    snprintf(tpath, sizeof tpath, "/proc/self/task/%d/oom_score_adj", gettid());
    slurp(tpath);
    printf("task/TID/oom_score_adj: %s", buf);
    slurp("/proc/self/loginuid");
    printf("loginuid is a number: %s\n", buf[0] >= '0' && buf[0] <= '9' && buf[strlen(buf) - 1] != '\n' ? "yes" : "no");
    slurp("/proc/self/personality");
    printf("personality: %s", buf);
    CHECK(put("/proc/self/stat", "x", 1));
    CHECK(open("/proc/self/nonexistent", O_RDONLY));
    CHECK(open("/proc/self/status", O_RDONLY | O_DIRECTORY));
    CHECK(mkdir("/proc/self/newdir", 0755));
    CHECK(open("/proc/self/newfile", O_CREAT | O_WRONLY, 0644));
    CHECK(symlink("x", "/proc/self/fd/newlink"));
    CHECK(unlink("/proc/self/status"));
    CHECK(rmdir("/proc/self/fd"));
    CHECK(rename("/proc/self/comm", "/proc/self/comm2"));
    CHECK(rename("/proc/self/comm", "/proc/self/status"));

    /* mountinfo: id parent major:minor root point options [optional...] - type source super */
    slurp("/proc/self/mountinfo");
    int ok = 1, count = 0, proc = 0, root = 0;
    for (char *l = buf; *l;) {
        char *e = strchr(l, '\n');
        if (!e)
            break;
        *e = 0;
        int fields = 0, dash = 0;
        static char copy[sizeof buf];
        strcpy(copy, l);
        char *pt, *sp = NULL, *words[64];
        for (pt = strtok_r(copy, " ", &sp); pt && fields < 64; pt = strtok_r(NULL, " ", &sp)) {
            if (!strcmp(pt, "-") && !dash)
                dash = fields;
            words[fields++] = pt;
        }
        unsigned maj, min;
        if (fields < 10 || !dash || dash < 6 || dash + 3 >= fields + 1 || sscanf(words[2], "%u:%u", &maj, &min) != 2 ||
            atoi(words[0]) <= 0 || words[3][0] != '/' || words[4][0] != '/' ||
            (strncmp(words[5], "rw", 2) && strncmp(words[5], "ro", 2)))
            ok = 0;
        if (fields >= 10 && dash && !strcmp(words[4], "/proc") && !strcmp(words[dash + 1], "proc"))
            proc = 1;
        if (fields >= 10 && !strcmp(words[4], "/"))
            root = 1;
        count++;
        l = e + 1;
    }
    printf("mountinfo well formed: %s, has / %d, has proc on /proc %d, lines > 2 %d\n", ok ? "yes" : "no", root, proc,
           count > 2);
    slurp("/proc/self/mounts");
    printf("mounts has proc /proc: %s\n", strstr(buf, " /proc proc ") ? "yes" : "no");
    struct stat a, b;
    lstat("/proc/mounts", &a);
    printf("/proc/mounts is a symlink: %s\n", S_ISLNK(a.st_mode) ? "yes" : "no");
    slurp("/proc/mounts");
    long l1 = strlen(buf);
    slurp("/proc/self/mounts");
    printf("/proc/mounts == /proc/self/mounts: %s\n", l1 == (long)strlen(buf) ? "yes" : "no");
    (void)b;
}

int main(int argc, char **argv, char **envp)
{
    if (argc == 1) {
        /* Run again with arguments worth checking: an empty one, spaces. */
        char *args[] = {argv[0], "one", "", "two words", NULL};
        execve(argv[0], args, envp);
        printf("execve: %s\n", errname(errno));
        return 1;
    }
    prctl(PR_SET_NAME, "proc_files");
    check_stat(argv, envp);
    check_status();
    check_comm();
    check_links_and_fds();
    check_misc();
    check_cmdline_environ(argc, argv, envp);
    return 0;
}
