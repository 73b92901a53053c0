/* openat2: struct open_how's size rules and strict checks (unknown flags, resolve bits, mode without O_CREAT,
 * O_PATH with other flags, BENEATH with IN_ROOT, RESOLVE_CACHED for a create), and each RESOLVE_* rule:
 * NO_SYMLINKS and NO_MAGICLINKS (ELOOP), BENEATH (EXDEV for absolute paths and symlinks, ".." above the
 * anchor, magic links), IN_ROOT (absolute paths, ".." and absolute symlinks stay under the anchor), NO_XDEV
 * (EXDEV into another mount), and a create under BENEATH. */
#include "common.h"
#include <linux/openat2.h>
#include <sys/stat.h>

static int o2(int dfd, const char *path, unsigned long long flags, unsigned long long mode, unsigned long long resolve)
{
    struct open_how how = { flags, mode, resolve };
    return syscall(SYS_openat2, dfd, path, &how, sizeof how);
}

/* Prints what opening gave: the file's first line, or the error. */
static void show(const char *what, int fd)
{
    if (fd < 0) { printf("%s: %s\n", what, errname(errno)); return; }
    char buf[32] = { 0 };
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n > 0) buf[strcspn(buf, "\n")] = 0;
    printf("%s: \"%s\"\n", what, n >= 0 ? buf : errname(errno));
    close(fd);
}

static void put(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    write(fd, text, strlen(text));
    close(fd);
}

int main(void)
{
    char top[64], d[96], p[160];
    snprintf(top, sizeof top, "/tmp/openat2-case-%d", getpid());
    snprintf(d, sizeof d, "%s/d", top);
    mkdir(top, 0755);
    mkdir(d, 0755);
    snprintf(p, sizeof p, "%s/outside", top); put(p, "outside\n");
    snprintf(p, sizeof p, "%s/file", d); put(p, "file\n");
    snprintf(p, sizeof p, "%s/sub", d); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/inner", d); put(p, "inner\n");
    snprintf(p, sizeof p, "%s/link_rel", d); symlink("sub/inner", p);
    snprintf(p, sizeof p, "%s/link_abs", d); symlink("/etc/hostname", p);
    snprintf(p, sizeof p, "%s/link_up", d); symlink("../outside", p);
    snprintf(p, sizeof p, "%s/link_root", d); symlink("/sub/inner", p);
    int dfd = open(d, O_RDONLY | O_DIRECTORY);

    struct open_how how = { O_RDONLY, 0, 0 };
    char big[64] = { 0 };
    memcpy(big, &how, sizeof how);
    printf("size 0: %s\n", syscall(SYS_openat2, dfd, "file", &how, 0) < 0 ? errname(errno) : "opened");
    printf("size 23: %s\n", syscall(SYS_openat2, dfd, "file", &how, 23) < 0 ? errname(errno) : "opened");
    printf("size 8192: %s\n", syscall(SYS_openat2, dfd, "file", big, 8192) < 0 ? errname(errno) : "opened");
    show("size 64, zero tail", syscall(SYS_openat2, dfd, "file", big, 64));
    big[40] = 1;
    printf("size 64, non-zero tail: %s\n", syscall(SYS_openat2, dfd, "file", big, 64) < 0 ? errname(errno) : "opened");
    printf("bad how pointer: %s\n", syscall(SYS_openat2, dfd, "file", (void *)8, sizeof how) < 0 ? errname(errno) : "opened");

    show("unknown flag", o2(dfd, "file", 1u << 30, 0, 0));
    show("flag in the upper half", o2(dfd, "file", 1ull << 40, 0, 0));
    show("unknown resolve bit", o2(dfd, "file", 0, 0, 0x40));
    show("mode without O_CREAT", o2(dfd, "file", 0, 0644, 0));
    show("O_CREAT with a bad mode", o2(dfd, "new", O_CREAT | O_WRONLY, 010000, 0));
    show("O_PATH | O_RDWR", o2(dfd, "file", O_PATH | O_RDWR, 0, 0));
    show("BENEATH | IN_ROOT", o2(dfd, "file", 0, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT));
    show("CACHED with O_CREAT", o2(dfd, "new", O_CREAT | O_WRONLY, 0644, RESOLVE_CACHED));
    show("CACHED", o2(dfd, "file", 0, 0, RESOLVE_CACHED));
    show("plain", o2(dfd, "file", 0, 0, 0));
    show("bad path pointer", o2(dfd, (char *)8, 0, 0, 0));

    show("NO_SYMLINKS, a symlink", o2(dfd, "link_rel", 0, 0, RESOLVE_NO_SYMLINKS));
    show("NO_SYMLINKS, a file", o2(dfd, "sub/inner", 0, 0, RESOLVE_NO_SYMLINKS));
    int pf = o2(dfd, "link_rel", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS);
    printf("NO_SYMLINKS, O_PATH|O_NOFOLLOW of the symlink: %s\n", pf >= 0 ? "opened" : errname(errno));
    if (pf >= 0) close(pf);
    int ff = open(p, O_RDONLY); /* any fd, for its /proc/self/fd magic link */
    char magic[64];
    snprintf(magic, sizeof magic, "/proc/self/fd/%d", dfd);
    pf = o2(AT_FDCWD, magic, O_PATH, 0, RESOLVE_NO_MAGICLINKS);
    printf("NO_MAGICLINKS, /proc/self/fd/N: %s\n", pf >= 0 ? "opened" : errname(errno));
    pf = o2(AT_FDCWD, magic, O_PATH, 0, 0);
    printf("/proc/self/fd/N without rules: %s\n", pf >= 0 ? "opened" : errname(errno));
    close(ff);

    show("BENEATH file", o2(dfd, "file", 0, 0, RESOLVE_BENEATH));
    show("BENEATH sub/../file", o2(dfd, "sub/../file", 0, 0, RESOLVE_BENEATH));
    show("BENEATH ../outside", o2(dfd, "../outside", 0, 0, RESOLVE_BENEATH));
    show("BENEATH sub/../../outside", o2(dfd, "sub/../../outside", 0, 0, RESOLVE_BENEATH));
    show("BENEATH absolute", o2(dfd, "/etc/hostname", 0, 0, RESOLVE_BENEATH));
    show("BENEATH link_rel", o2(dfd, "link_rel", 0, 0, RESOLVE_BENEATH));
    show("BENEATH link_abs", o2(dfd, "link_abs", 0, 0, RESOLVE_BENEATH));
    show("BENEATH link_up", o2(dfd, "link_up", 0, 0, RESOLVE_BENEATH));
    int proc = open("/proc/self", O_RDONLY | O_DIRECTORY);
    snprintf(magic, sizeof magic, "fd/%d", dfd);
    pf = o2(proc, magic, O_PATH, 0, RESOLVE_BENEATH);
    printf("BENEATH magic link: %s\n", pf >= 0 ? "opened" : errname(errno));
    close(proc);
    show("BENEATH create", o2(dfd, "made", O_CREAT | O_WRONLY, 0600, RESOLVE_BENEATH));
    show("BENEATH create above", o2(dfd, "../made", O_CREAT | O_WRONLY, 0600, RESOLVE_BENEATH));

    show("IN_ROOT /file", o2(dfd, "/file", 0, 0, RESOLVE_IN_ROOT));
    show("IN_ROOT ../../file", o2(dfd, "../../file", 0, 0, RESOLVE_IN_ROOT));
    show("IN_ROOT link_root", o2(dfd, "link_root", 0, 0, RESOLVE_IN_ROOT));
    show("IN_ROOT link_abs", o2(dfd, "link_abs", 0, 0, RESOLVE_IN_ROOT));
    show("IN_ROOT link_up", o2(dfd, "link_up", 0, 0, RESOLVE_IN_ROOT));

    int root = open("/", O_RDONLY | O_DIRECTORY);
    pf = o2(root, "proc/self/status", 0, 0, RESOLVE_NO_XDEV);
    printf("NO_XDEV into /proc: %s\n", pf >= 0 ? "opened" : errname(errno));
    close(root);
    show("NO_XDEV within", o2(dfd, "sub/inner", 0, 0, RESOLVE_NO_XDEV));

    const char *names[] = { "file", "sub/inner", "link_rel", "link_abs", "link_up", "link_root", "made" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) unlinkat(dfd, names[i], 0);
    unlinkat(dfd, "sub", AT_REMOVEDIR);
    snprintf(p, sizeof p, "%s/outside", top); unlink(p);
    rmdir(d);
    CHECK(rmdir(top));
    return 0;
}
