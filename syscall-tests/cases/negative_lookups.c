/* Names looked up and not found, then made: the sandbox's overlay remembers what its read-only lower does not have
 * (negative entries), and every way of making, removing or renaming a name must still be seen at once. */
#include "common.h"
#include <dirent.h>
#include <sys/stat.h>

static int listed(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int found = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, name) == 0) found = 1;
    closedir(d);
    return found;
}

int main(void)
{
    struct stat st;
    char dir[160], a[200], b[200], sub[200], deep[240];
    snprintf(dir, sizeof dir, "%s", scratch_path("neg"));
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(deep, sizeof deep, "%s/sub/deep", dir);

    /* A missing directory, asked about twice, then made. */
    CHECK(stat(dir, &st));
    CHECK(stat(a, &st));
    CHECK(stat(dir, &st));
    CHECK(mkdir(dir, 0755));
    CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode));

    /* A file: missing, created, removed, created by O_EXCL, renamed away and back. */
    for (int i = 0; i < 2; i++) CHECK(access(a, F_OK));
    int fd = CHECK(open(a, O_CREAT | O_WRONLY, 0644));
    close(fd);
    CHECK(access(a, F_OK));
    CHECK(open(a, O_CREAT | O_EXCL | O_WRONLY, 0644) >= 0);
    CHECK(unlink(a));
    CHECK(access(a, F_OK));
    fd = CHECK(open(a, O_CREAT | O_EXCL | O_WRONLY, 0644));
    close(fd);
    CHECK(stat(b, &st));
    CHECK(rename(a, b));
    CHECK(access(a, F_OK));
    CHECK(access(b, F_OK));
    SHOW(listed(dir, "b") == 1 && listed(dir, "a") == 0);
    CHECK(link(b, a));
    CHECK(access(a, F_OK));
    CHECK(unlink(a));
    CHECK(symlink("b", a));
    CHECK(stat(a, &st) == 0 && S_ISREG(st.st_mode));
    CHECK(unlink(a));
    CHECK(access(a, F_OK));

    /* Below a missing directory. */
    CHECK(stat(deep, &st));
    CHECK(open(deep, O_CREAT | O_WRONLY, 0644));
    CHECK(mkdir(sub, 0755));
    fd = CHECK(open(deep, O_CREAT | O_WRONLY, 0644));
    close(fd);
    CHECK(access(deep, F_OK));
    SHOW(listed(sub, "deep") == 1);
    CHECK(unlink(deep));
    CHECK(rmdir(sub));
    CHECK(stat(deep, &st));
    CHECK(mkdir(sub, 0755));
    CHECK(access(deep, F_OK));
    CHECK(rmdir(sub));

    /* Names missing from a directory of the lower (the image) itself. */
    CHECK(stat("/usr/bin/appkernel-no-such-tool", &st));
    CHECK(stat("/usr/bin/appkernel-no-such-tool", &st));
    CHECK(stat("/etc/appkernel-no-such-dir/x", &st));
    CHECK(stat("/etc/appkernel-no-such-dir/x", &st));
    CHECK(access("/usr/bin/appkernel-no-such-tool", X_OK));
    CHECK(stat("/usr/bin/env", &st) == 0);

    CHECK(unlink(b));
    CHECK(rmdir(dir));
    CHECK(stat(dir, &st));
    return 0;
}
