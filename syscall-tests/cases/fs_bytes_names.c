/* Names are bytes: a file whose name holds bytes 0x80-0xff (not UTF-8) is
 * created, listed by getdents, opened by the listed name, renamed, linked to
 * by a symlink whose target holds such bytes, given an xattr whose name holds
 * them, then copied under such a name and exec'ed with such bytes in argv and
 * envp. Every name is printed in hex. */
#include "fs_common.h"
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/xattr.h>

static const char NAME[] = "n\x80\xff\xc3(\xed\xa0\x80-\xe9t\xc3\xa9";       /* invalid bytes, then a valid é */
static const char NEW[] = "r\xfe\xfd\xf0\x9f\x99";                           /* a truncated 4-byte sequence */
static const char TARGET[] = "t\xc0\xaf/\xf8\x88\x80\x80\x80";               /* overlong '/', a 5-byte form */
static const char XNAME[] = "user.x\xff\x81";
static const char PROG[] = "prog\x80\xffnamelonger";                       /* comm keeps its first 15 bytes */
static const char ARG[] = "a\xff\x80\xc3";
static const char ENV[] = "K\xfe=v\xed\xbf\xbf";

static void hex(const char *what, const char *s, size_t n)
{
    printf("%s:", what);
    for (size_t i = 0; i < n; i++)
        printf(" %02x", (unsigned char)s[i]);
    printf(" (%zu)\n", n);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the scratch directory with getdents64 (via readdir), sorted. */
static void list(const char *what)
{
    DIR *d = opendir(".");
    char *names[16];
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < 16)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    if (d)
        closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("%s: %d entries\n", what, n);
    for (int i = 0; i < n; i++) {
        hex("  entry", names[i], strlen(names[i]));
        free(names[i]);
    }
}

/* The exec'ed copy: argv, the environment variable and what the kernel made of them. */
static int child(int argc, char **argv, char **envp)
{
    for (int i = 1; i < argc; i++)
        hex("child argv", argv[i], strlen(argv[i]));
    for (char **e = envp; *e; e++)
        if ((*e)[0] == 'K')
            hex("child env", *e, strlen(*e));
    char comm[17] = {0};
    prctl(PR_GET_NAME, comm);
    hex("child comm", comm, strlen(comm));
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe);
    if (n > 0) {
        char *base = memrchr(exe, '/', n);
        base = base ? base + 1 : exe;
        hex("child exe basename", base, n - (base - exe));
    }
    char cmd[256];
    int fd = open("/proc/self/cmdline", O_RDONLY);
    n = fd >= 0 ? read(fd, cmd, sizeof cmd) : -1;
    if (n > 0) {
        char *second = memchr(cmd, 0, n); /* skip argv[0]: the scratch path */
        if (second)
            hex("child cmdline after argv[0]", second + 1, n - (second + 1 - cmd));
    }
    return 0;
}

int main(int argc, char **argv, char **envp)
{
    if (argc > 1 && !strcmp(argv[1], "child"))
        return child(argc, argv, envp);

    fs_scratch("/tmp/fsb_XXXXXX");
    int fd = CHECK_OK(open(NAME, O_CREAT | O_WRONLY | O_EXCL, 0644));
    CHECK(write(fd, "bytes", 5));
    close(fd);
    list("after create");

    /* Open by the name getdents returned. */
    DIR *d = opendir(".");
    struct dirent *e;
    char listed[256] = "";
    while (d && (e = readdir(d)))
        if (e->d_name[0] == 'n')
            snprintf(listed, sizeof listed, "%s", e->d_name);
    closedir(d);
    char buf[16] = {0};
    fd = CHECK_OK(open(listed, O_RDONLY));
    CHECK(read(fd, buf, sizeof buf));
    printf("content: %s\n", buf);
    close(fd);
    struct stat st;
    CHECK(stat(NAME, &st));

    CHECK(rename(NAME, NEW));
    CHECK(stat(NAME, &st));
    CHECK(stat(NEW, &st));

    CHECK(symlink(TARGET, "link\xff"));
    char t[64];
    ssize_t n = CHECK(readlink("link\xff", t, sizeof t));
    if (n > 0)
        hex("readlink", t, n);
    CHECK(lstat("link\xff", &st));
    printf("symlink size: %ld\n", (long)st.st_size);
    list("after rename and symlink");

    if (setxattr(NEW, XNAME, "v", 1, 0) == 0) {
        char xl[256];
        n = CHECK(listxattr(NEW, xl, sizeof xl));
        for (ssize_t off = 0; off < n; off += strlen(xl + off) + 1)
            if (!strncmp(xl + off, "user.", 5))
                hex("xattr name", xl + off, strlen(xl + off));
        CHECK(getxattr(NEW, XNAME, buf, sizeof buf));
    } else {
        printf("setxattr: %s\n", errname(errno));
    }

    /* Long names count bytes: 255 two-byte-looking bytes fit, 256 do not. */
    char longname[300];
    memset(longname, 0xff, sizeof longname);
    longname[255] = 0;
    CHECK(mkdir(longname, 0755));
    CHECK(rmdir(longname));
    longname[255] = (char)0xff;
    longname[256] = 0;
    CHECK(mkdir(longname, 0755));

    /* A copy of this program under a name with such bytes, exec'ed with such bytes in argv and envp. */
    int in = open("/proc/self/exe", O_RDONLY), out = open(PROG, O_CREAT | O_WRONLY, 0755);
    char chunk[65536];
    while ((n = read(in, chunk, sizeof chunk)) > 0)
        write(out, chunk, n);
    close(in);
    close(out);
    pid_t pid = fork();
    if (pid == 0) {
        char *cargv[] = {(char *)PROG, "child", (char *)ARG, NULL};
        char *cenv[] = {(char *)ENV, NULL};
        char path[128];
        snprintf(path, sizeof path, "./%s", PROG);
        execve(path, cargv, cenv);
        printf("execve: %s\n", errname(errno));
        _exit(1);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("child exit: %d\n", WEXITSTATUS(status));
    fs_cleanup();
    return 0;
}
