/* Extended attributes in the user.* namespace on scratch files:
 * set/get/list/remove by path, fd and lpath; ENODATA, ERANGE, EEXIST,
 * flags, name and size limits, symlinks. */
#include "fs_common.h"
#include <sys/xattr.h>

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints the sorted user.* names of PATH (other namespaces, e.g. security.*
 * labels of the host, are skipped). */
static void show_list(const char *what, ssize_t n, const char *buf)
{
    if (n < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    const char *names[64];
    int count = 0;
    for (ssize_t off = 0; off < n && count < 64; off += strlen(buf + off) + 1)
        if (!strncmp(buf + off, "user.", 5))
            names[count++] = buf + off;
    qsort(names, count, sizeof names[0], cmp);
    printf("%s:", what);
    for (int i = 0; i < count; i++)
        printf(" %s", names[i]);
    printf(" (%d)\n", count);
}

static void show_value(const char *path, const char *name)
{
    char buf[256];
    ssize_t n = getxattr(path, name, buf, sizeof buf - 1);
    if (n < 0) {
        printf("getxattr %s %s: -1 %s\n", path, name, errname(errno));
        return;
    }
    buf[n] = 0;
    printf("getxattr %s %s: %zd \"%s\"\n", path, name, n, buf);
}

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    char buf[4096], list[4096];

    make_file("f", "data");
    CHECK(setxattr("f", "user.a", "hello", 5, 0));
    CHECK(getxattr("f", "user.a", NULL, 0)); /* size query */
    show_value("f", "user.a");
    CHECK(getxattr("f", "user.a", buf, 2));
    CHECK(getxattr("f", "user.a", buf, 5));
    CHECK(getxattr("f", "user.missing", buf, sizeof buf));
    CHECK(getxattr("f", "user.missing", NULL, 0));

    /* flags */
    CHECK(setxattr("f", "user.a", "x", 1, XATTR_CREATE));
    CHECK(setxattr("f", "user.b", "x", 1, XATTR_REPLACE));
    CHECK(setxattr("f", "user.a", "replaced", 8, XATTR_REPLACE));
    show_value("f", "user.a");
    CHECK(setxattr("f", "user.b", "bee", 3, XATTR_CREATE));
    CHECK(setxattr("f", "user.a", "again", 5, 0)); /* 0: create or replace */
    show_value("f", "user.a");
    CHECK(setxattr("f", "user.c", "x", 1, XATTR_CREATE | XATTR_REPLACE));
    CHECK(setxattr("f", "user.c", "x", 1, 4));
    /* an empty value is a value */
    CHECK(setxattr("f", "user.empty", "", 0, 0));
    CHECK(getxattr("f", "user.empty", buf, sizeof buf));
    CHECK(getxattr("f", "user.empty", NULL, 0));
    /* binary values */
    CHECK(setxattr("f", "user.bin", "a\0b\0", 4, 0));
    CHECK(getxattr("f", "user.bin", buf, sizeof buf));
    SHOW(!memcmp(buf, "a\0b\0", 4));
    /* a larger value */
    char big[4000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = 'a' + i % 26;
    CHECK(setxattr("f", "user.big", big, sizeof big, 0));
    CHECK(getxattr("f", "user.big", buf, sizeof buf));
    SHOW(!memcmp(buf, big, sizeof big));
    CHECK(removexattr("f", "user.big"));

    /* listxattr */
    ssize_t n = listxattr("f", list, sizeof list);
    show_list("listxattr f", n, list);
    ssize_t need = listxattr("f", NULL, 0);
    SHOW(need == n);
    CHECK(listxattr("f", list, 1));
    CHECK(listxattr("missing", list, sizeof list));

    /* removexattr */
    CHECK(removexattr("f", "user.b"));
    CHECK(removexattr("f", "user.b"));
    CHECK(getxattr("f", "user.b", buf, sizeof buf));
    CHECK(removexattr("f", "user.never"));
    n = listxattr("f", list, sizeof list);
    show_list("after remove", n, list);

    /* fd variants */
    int fd = CHECK_OK(open("f", O_RDONLY)); /* user xattrs do not need a writable fd */
    CHECK(fsetxattr(fd, "user.fd", "via fd", 6, 0));
    CHECK(fgetxattr(fd, "user.fd", buf, sizeof buf));
    CHECK(fgetxattr(fd, "user.a", buf, 1));
    n = flistxattr(fd, list, sizeof list);
    show_list("flistxattr", n, list);
    CHECK(fremovexattr(fd, "user.fd"));
    CHECK(fremovexattr(fd, "user.fd"));
    CHECK(fgetxattr(-1, "user.a", buf, sizeof buf));
    CHECK(close(fd));

    /* names: namespace required, length limits */
    CHECK(setxattr("f", "noprefix", "x", 1, 0));
    CHECK(setxattr("f", "bogus.name", "x", 1, 0));
    CHECK(getxattr("f", "bogus.name", buf, sizeof buf));
    CHECK(setxattr("f", "user.", "x", 1, 0));
    CHECK(setxattr("f", "", "x", 1, 0));
    char name[300];
    memset(name, 'n', sizeof name);
    memcpy(name, "user.", 5);
    name[255] = 0;
    CHECK(setxattr("f", name, "x", 1, 0));
    CHECK(getxattr("f", name, buf, sizeof buf));
    CHECK(removexattr("f", name));
    name[255] = 'n';
    name[256] = 0;
    CHECK(setxattr("f", name, "x", 1, 0));
    CHECK(getxattr("f", name, buf, sizeof buf));
    /* value size limit: 64 KiB */
    char *huge = calloc(1, 65537);
    CHECK(setxattr("f", "user.huge", huge, 65537, 0));
    free(huge);

    /* directories carry user xattrs too */
    CHECK(mkdir("d", 0755));
    CHECK(setxattr("d", "user.dir", "dir value", 9, 0));
    show_value("d", "user.dir");

    /* symlinks: getxattr follows, lgetxattr does not; user.* cannot be set
     * on a symlink itself */
    CHECK(symlink("f", "sl"));
    show_value("sl", "user.a");
    CHECK(lgetxattr("sl", "user.a", buf, sizeof buf));
    CHECK(lsetxattr("sl", "user.l", "x", 1, 0));
    CHECK(setxattr("sl", "user.via_link", "t", 1, 0));
    show_value("f", "user.via_link");
    n = llistxattr("sl", list, sizeof list);
    show_list("llistxattr sl", n, list);
    CHECK(lremovexattr("sl", "user.a"));
    CHECK(symlink("missing", "dangling"));
    CHECK(getxattr("dangling", "user.a", buf, sizeof buf));

    /* a hard link shares them, a copy does not */
    CHECK(link("f", "hard"));
    show_value("hard", "user.a");
    make_file("other", "data");
    CHECK(getxattr("other", "user.a", buf, sizeof buf));
    /* an unlinked but open file keeps its attributes */
    fd = CHECK_OK(open("other", O_RDWR));
    CHECK(fsetxattr(fd, "user.gone", "still", 5, 0));
    CHECK(unlink("other"));
    CHECK(fgetxattr(fd, "user.gone", buf, sizeof buf));
    CHECK(close(fd));
    /* rename keeps them */
    CHECK(rename("f", "g"));
    show_value("g", "user.a");

    /* missing files */
    CHECK(setxattr("missing", "user.a", "x", 1, 0));
    CHECK(getxattr("missing", "user.a", buf, sizeof buf));
    CHECK(removexattr("missing", "user.a"));

    fs_cleanup();
    return 0;
}
