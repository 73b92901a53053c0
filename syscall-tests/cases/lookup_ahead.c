/* Paths of several components not looked up before (under the overlay a gofer tree walks the rest of the path in
 * the same request as the first): found files and directories at every depth, misses at every depth, a symlink
 * in the middle (relative and absolute), "." and "..", trailing slashes, a file in the middle (ENOTDIR), and the
 * same paths again (now cached), by stat, lstat, access and open(O_PATH). */
#include "common.h"
#include <sys/stat.h>

static const char *kind(mode_t m)
{
    return S_ISDIR(m) ? "dir" : S_ISREG(m) ? "file" : S_ISLNK(m) ? "link" : "other";
}

static void look(const char *p)
{
    struct stat s, l;
    int r = stat(p, &s), e = errno;
    int rl = lstat(p, &l), el = errno;
    int a = access(p, R_OK), ea = errno;
    int fd = open(p, O_PATH | O_NOFOLLOW), eo = errno;
    printf("%s: stat %s %s, lstat %s %s, access %s, O_PATH %s\n", p, r ? errname(e) : "ok", r ? "" : kind(s.st_mode),
           rl ? errname(el) : "ok", rl ? "" : kind(l.st_mode), a ? errname(ea) : "ok", fd < 0 ? errname(eo) : "ok");
    if (r == 0 && rl == 0 && !S_ISLNK(l.st_mode) && (s.st_ino != l.st_ino || s.st_dev != l.st_dev))
        printf("  stat and lstat disagree\n");
    if (fd >= 0)
        close(fd);
}

static const char *paths[] = {
    "/usr/include/x86_64-linux-gnu/bits/types/struct_FILE.h",
    "/usr/include/x86_64-linux-gnu/bits/types/no_such.h",
    "/usr/include/x86_64-linux-gnu/bits/no_such_dir/x.h",
    "/usr/include/x86_64-linux-gnu/no_such_dir/a/b/c/d/e/f/g/h/i/j",
    "/usr/include/x86_64-linux-gnu/sys/types.h/",
    "/usr/include/x86_64-linux-gnu/sys/types.h/more",
    "/usr/include/./x86_64-linux-gnu/../x86_64-linux-gnu/sys/../bits/types.h",
    "/usr/include//x86_64-linux-gnu///gnu/stubs.h",
    "/usr/lib/python3.11/encodings/__pycache__/utf_8.cpython-311.pyc",
    "/usr/lib/python3.11/encodings/__pycache__/no_such.pyc",
    "/usr/lib/python3.11/json/decoder.py",
    "/usr/lib/python3.11/json/",
    "/usr/share/doc/gcc/copyright",
    "/usr/share/doc/no_such_package/copyright",
    "/usr/share/doc/gcc/no_such_file",
    "/lib64/ld-linux-x86-64.so.2",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache",
    "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.d/no_such",
    "/etc/alternatives/cc",
    "/etc/alternatives/cc/x",
    "/usr/bin/cc",
    "/usr/share/perl5/Debian/../../perl5/Debian",
    "/usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h",
    "/usr/lib/gcc/x86_64-linux-gnu/12/include-fixed/no_such.h",
    "/usr/libexec/gcc/x86_64-linux-gnu/12/cc1",
};

int main(void)
{
    for (int round = 0; round < 2; round++) {
        printf("round %d\n", round);
        for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
            look(paths[i]);
    }
    /* A directory whose later names were walked ahead: its listing is still whole. */
    FILE *p = popen("ls /usr/include/x86_64-linux-gnu/bits/types | head -5", "r");
    char line[256];
    while (p && fgets(line, sizeof line, p))
        printf("ls: %s", line);
    if (p)
        pclose(p);
    return 0;
}
