/* Lookups that keep missing in one directory (a compiler's search paths, a shell's PATH): the sandbox then answers
 * misses from the directory's names (GoferInode.FetchNames). Every name the directory lists must still be found,
 * by every kind of lookup, and a name made afterwards (in the overlay's upper layer) must be seen at once. */
#include "common.h"
#include <dirent.h>
#include <sys/stat.h>

static void misses(const char *dir, int n)
{
    char p[512];
    int enoent = 0;
    for (int i = 0; i < n; i++)
    {
        struct stat st;
        snprintf(p, sizeof p, "%s/appkernel-no-such-name-%d", dir, i);
        if (stat(p, &st) < 0 && errno == ENOENT) enoent++;
    }
    printf("%s: %d of %d misses are ENOENT\n", dir, enoent, n);
}

/* Every listed name is found by lstat, stat (ENOENT only for a dangling symlink), access and open(O_PATH). */
static void all_found(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) { printf("%s: opendir failed: %s\n", dir, strerror(errno)); return; }
    struct dirent *e;
    int listed = 0, lstat_ok = 0, stat_sane = 0, access_sane = 0, opath_ok = 0;
    char p[1024];
    while ((e = readdir(d)) && listed < 400)
    {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        listed++;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0) lstat_ok++;
        if (stat(p, &st) == 0 || errno != ENOENT || S_ISLNK((lstat(p, &st), st.st_mode))) stat_sane++;
        if (access(p, F_OK) == 0 || S_ISLNK(st.st_mode)) access_sane++;
        int fd = open(p, O_PATH | O_NOFOLLOW);
        if (fd >= 0) { opath_ok++; close(fd); }
    }
    closedir(d);
    printf("%s: %s listed, lstat %s, stat %s, access %s, O_PATH %s\n", dir, listed > 0 ? "some" : "none",
           lstat_ok == listed ? "all" : "NOT all", stat_sane == listed ? "all" : "NOT all",
           access_sane == listed ? "all" : "NOT all", opath_ok == listed ? "all" : "NOT all");
}

int main(void)
{
    const char *dirs[] = { "/usr/bin", "/etc", "/usr/lib/x86_64-linux-gnu", "/usr/share", "/usr/lib" };
    for (unsigned i = 0; i < sizeof dirs / sizeof *dirs; i++)
    {
        misses(dirs[i], 5);
        all_found(dirs[i]);
        misses(dirs[i], 5);
    }

    /* A name made in a directory whose names were fetched is found at once, and gone once removed. */
    misses("/tmp", 5);
    const char *p = scratch_path("lookup-misses");
    struct stat st;
    CHECK(stat(p, &st));
    int fd = CHECK(open(p, O_CREAT | O_EXCL | O_WRONLY, 0644));
    close(fd);
    SHOW(stat(p, &st) == 0 && S_ISREG(st.st_mode));
    CHECK(unlink(p));
    CHECK(stat(p, &st));
    CHECK(mkdir(p, 0755));
    SHOW(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(rmdir(p));
    CHECK(access(p, F_OK));
    return 0;
}
