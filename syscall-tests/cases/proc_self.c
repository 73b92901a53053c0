/* /proc/self: maps, exe, fd, cwd, stat, status, cmdline. */
#include "common.h"
#include <dirent.h>

int main(int argc, char **argv)
{
    char exe[4096], tmp[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;

    slurp("/proc/self/maps");
    printf("maps has binary path: %s\n", n > 0 && strstr(buf, exe) ? "yes" : "no");
    printf("maps has [stack]: %s\n", strstr(buf, "[stack]") ? "yes" : "no");
    printf("maps has libc: %s\n", strstr(buf, "libc.so") ? "yes" : "no");
    /* every line starts with a range "lo-hi " and perms */
    int lines = 0, wellformed = 1;
    for (char *l = buf; *l; ) {
        char *e = strchr(l, '\n');
        if (!e)
            break;
        unsigned long lo, hi;
        char perms[5];
        if (sscanf(l, "%lx-%lx %4s", &lo, &hi, perms) != 3 || lo >= hi ||
            (perms[3] != 'p' && perms[3] != 's'))
            wellformed = 0;
        lines++;
        l = e + 1;
    }
    printf("maps well formed: %s, several lines: %s\n", wellformed ? "yes" : "no",
           lines > 5 ? "yes" : "no");

    /* /proc/self is a symlink to the pid */
    n = readlink("/proc/self", tmp, sizeof tmp - 1);
    tmp[n > 0 ? n : 0] = 0;
    printf("/proc/self -> pid: %s\n", atoi(tmp) == getpid() ? "yes" : "no");
    snprintf(tmp, sizeof tmp, "/proc/%d/exe", getpid());
    char exe2[4096];
    n = readlink(tmp, exe2, sizeof exe2 - 1);
    exe2[n > 0 ? n : 0] = 0;
    printf("/proc/PID/exe == /proc/self/exe: %s\n", !strcmp(exe, exe2) ? "yes" : "no");

    /* stat: "pid (comm) state ppid ..." */
    slurp("/proc/self/stat");
    int pid = -1;
    char comm[64] = "", state = '?';
    sscanf(buf, "%d (%63[^)]) %c", &pid, comm, &state);
    printf("stat pid == getpid: %s\n", pid == getpid() ? "yes" : "no");
    printf("stat comm: %s, state: %c\n", comm, state);

    slurp("/proc/self/status");
    char *name = strstr(buf, "Name:\t");
    printf("status Name: %.*s\n", name ? (int)strcspn(name + 6, "\n") : 0, name ? name + 6 : "");
    char *p = strstr(buf, "\nPid:\t");
    printf("status Pid == getpid: %s\n", p && atoi(p + 6) == getpid() ? "yes" : "no");

    long len = slurp("/proc/self/cmdline");
    printf("cmdline length == strlen(argv[0])+1: %s\n",
           len == (long)strlen(argv[0]) + 1 ? "yes" : "no");
    printf("cmdline == argv[0]: %s\n", !strcmp(buf, argv[0]) ? "yes" : "no");

    /* /proc/self/fd */
    int fd = open("/etc/passwd", O_RDONLY);
    snprintf(tmp, sizeof tmp, "/proc/self/fd/%d", fd);
    n = readlink(tmp, exe2, sizeof exe2 - 1);
    exe2[n > 0 ? n : 0] = 0;
    printf("fd link: %s\n", exe2);
    int fd2 = open(tmp, O_RDONLY); /* reopening through /proc works */
    printf("reopen via /proc/self/fd: %s\n", fd2 >= 0 ? "ok" : errname(errno));
    DIR *d = opendir("/proc/self/fd");
    int have0 = 0, have1 = 0, have2 = 0, havefd = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (!strcmp(de->d_name, "0")) have0 = 1;
        if (!strcmp(de->d_name, "1")) have1 = 1;
        if (!strcmp(de->d_name, "2")) have2 = 1;
        if (atoi(de->d_name) == fd && de->d_name[0] != '.') havefd = 1;
    }
    if (d)
        closedir(d);
    printf("fd dir has 0 1 2 and ours: %d %d %d %d\n", have0, have1, have2, havefd);
    close(fd);
    n = readlink(tmp, exe2, sizeof exe2);
    printf("closed fd link: %s\n", n < 0 ? errname(errno) : "still there");

    chdir("/usr/bin");
    n = readlink("/proc/self/cwd", tmp, sizeof tmp - 1);
    tmp[n > 0 ? n : 0] = 0;
    printf("cwd link: %s\n", tmp);
    n = readlink("/proc/self/root", tmp, sizeof tmp - 1);
    tmp[n > 0 ? n : 0] = 0;
    printf("root link: %s\n", tmp);
    printf("/proc/self/task/TID exists: %s\n", (snprintf(tmp, sizeof tmp, "/proc/self/task/%d", gettid()), access(tmp, F_OK) == 0) ? "yes" : "no");
    printf("/proc/self/nonexistent: %s\n", access("/proc/self/nonexistent", F_OK) ? errname(errno) : "exists");
    return 0;
}
