/* Shared helpers for the fs_*.c cases: a private scratch directory made
 * with mkdtemp (its name is never printed) that becomes the cwd, so the
 * cases use short relative paths, and a recursive removal at the end. */
#ifndef SYSCALL_TESTS_FS_COMMON_H
#define SYSCALL_TESTS_FS_COMMON_H

#include "common.h"
#include <ftw.h>
#include <sys/stat.h>

static char fs_dir[64];

/* Sets the umask to 022, creates the scratch directory from TEMPLATE (e.g.
 * "/tmp/fs_XXXXXX") and changes into it; exits if that fails. */
__attribute__((unused)) static const char *fs_scratch(const char *tmpl)
{
    umask(022);
    snprintf(fs_dir, sizeof fs_dir, "%s", tmpl);
    if (!mkdtemp(fs_dir)) {
        printf("mkdtemp: %s\n", errname(errno));
        exit(1);
    }
    if (chdir(fs_dir) != 0) {
        printf("chdir scratch: %s\n", errname(errno));
        exit(1);
    }
    return fs_dir;
}

static int fs_rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    int r = type == FTW_DP ? rmdir(path) : unlink(path);
    if (r != 0)
        printf("cleanup: cannot remove %s entry: %s\n", type == FTW_DP ? "dir" : "file",
               errname(errno));
    return 0;
}

/* Leaves the scratch directory and removes it with everything inside. */
__attribute__((unused)) static void fs_cleanup(void)
{
    if (chdir("/") != 0)
        printf("chdir /: %s\n", errname(errno));
    int r = nftw(fs_dir, fs_rm_one, 32, FTW_DEPTH | FTW_PHYS);
    struct stat st;
    printf("cleanup: %s\n", r == 0 && lstat(fs_dir, &st) != 0 && errno == ENOENT ? "ok" : "failed");
}

/* The file type of a mode as a word. */
__attribute__((unused)) static const char *ftype(mode_t m)
{
    switch (m & S_IFMT) {
    case S_IFREG: return "reg";
    case S_IFDIR: return "dir";
    case S_IFLNK: return "lnk";
    case S_IFIFO: return "fifo";
    case S_IFSOCK: return "sock";
    case S_IFCHR: return "chr";
    case S_IFBLK: return "blk";
    default: return "?";
    }
}

/* Prints type, permission bits, link count and, for files and symlinks,
 * the size (directory sizes depend on the file system). */
__attribute__((unused)) static void print_stat(const char *what, const char *path,
                                               const struct stat *st)
{
    printf("%s%s%s: %s mode %04o nlink %ld", what, *path ? " " : "", path, ftype(st->st_mode),
           (unsigned)(st->st_mode & 07777), (long)st->st_nlink);
    if (S_ISREG(st->st_mode) || S_ISLNK(st->st_mode))
        printf(" size %ld", (long)st->st_size);
    printf("\n");
}

/* lstat PATH and print its type, permission bits, link count and size
 * (all deterministic for files the case made itself). */
__attribute__((unused)) static void show_lstat(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        printf("lstat %s: -1 %s\n", path, errname(errno));
        return;
    }
    print_stat("lstat", path, &st);
}

/* Same, following symlinks. */
__attribute__((unused)) static void show_stat(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("stat %s: -1 %s\n", path, errname(errno));
        return;
    }
    print_stat("stat", path, &st);
}

/* Reads the whole (small) file at PATH and prints its content. */
__attribute__((unused)) static void show_content(const char *path)
{
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("content %s: -1 %s\n", path, errname(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) {
        printf("content %s: read -1 %s\n", path, errname(errno));
        return;
    }
    buf[n] = 0;
    printf("content %s: \"%s\"\n", path, buf);
}

/* Creates PATH with CONTENT (mode 0644), printing only on failure. */
__attribute__((unused)) static void make_file(const char *path, const char *content)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
        printf("make_file %s: %s\n", path, errname(errno));
    if (fd >= 0)
        close(fd);
}

#endif
