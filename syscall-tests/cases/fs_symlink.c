/* Symlinks: loops and the 40-link limit, O_NOFOLLOW, O_PATH|O_NOFOLLOW,
 * readlink truncation, empty targets, name length limits. */
#include "fs_common.h"
#include <limits.h>

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    struct stat st;
    char buf[PATH_MAX + 16], name[64];

    make_file("target", "target data");
    CHECK(mkdir("d", 0755));
    make_file("d/inner", "inner data");

    /* basic symlink: lstat shows the link, stat the target */
    CHECK(symlink("target", "sl"));
    show_lstat("sl");
    show_stat("sl");
    show_content("sl");
    CHECK(symlink("target", "sl"));
    CHECK(symlink("whatever", "target"));
    CHECK(symlink("x", "nodir/sl"));
    CHECK(symlink("x", "target/sl"));
    CHECK(symlink("x", "d/"));
    CHECK(symlink("x", "new/"));
    /* the target is resolved relative to the link's directory */
    CHECK(symlink("../target", "d/up"));
    show_content("d/up");
    CHECK(symlink("d", "dl"));
    show_content("dl/inner");
    show_content("dl/up");
    show_stat("dl/");
    show_lstat("dl");
    CHECK(lstat("dl/", &st)); /* a trailing slash follows the link */
    printf("lstat dl/: %s\n", ftype(st.st_mode));
    CHECK(open("sl/", O_RDONLY));
    /* an absolute target */
    char abs[128];
    snprintf(abs, sizeof abs, "%s/target", fs_dir);
    CHECK(symlink(abs, "abs"));
    show_content("abs");
    CHECK(lstat("abs", &st));
    SHOW(st.st_size == (off_t)strlen(abs));

    /* loops */
    CHECK(symlink("loop_b", "loop_a"));
    CHECK(symlink("loop_a", "loop_b"));
    CHECK(open("loop_a", O_RDONLY));
    CHECK(stat("loop_a", &st));
    CHECK(lstat("loop_a", &st));
    CHECK(open("loop_a", O_RDONLY | O_CREAT, 0644));
    CHECK(symlink("self", "self"));
    CHECK(stat("self", &st));
    CHECK(stat("self/x", &st));
    CHECK(access("loop_b", F_OK));
    CHECK(chdir("loop_a"));
    CHECK(readlink("loop_a", buf, sizeof buf));

    /* chains: 40 links are followed, 41 are not.  chain0 -> target,
     * chainN -> chain(N-1) */
    CHECK(symlink("target", "chain0"));
    for (int i = 1; i <= 41; i++) {
        char prev[32];
        snprintf(prev, sizeof prev, "chain%d", i - 1);
        snprintf(name, sizeof name, "chain%d", i);
        if (symlink(prev, name) != 0)
            printf("symlink %s: %s\n", name, errname(errno));
    }
    int fd = CHECK_OK(open("chain38", O_RDONLY));
    CHECK(close(fd));
    fd = CHECK_OK(open("chain39", O_RDONLY)); /* 40 links */
    CHECK(close(fd));
    CHECK(open("chain40", O_RDONLY)); /* 41 links */
    CHECK(open("chain41", O_RDONLY));
    CHECK(stat("chain39", &st));
    CHECK(stat("chain40", &st));
    CHECK(lstat("chain40", &st));
    CHECK(readlink("chain40", buf, sizeof buf));
    /* links counted across path components: dchainN -> d via N links */
    CHECK(symlink("d", "dchain0"));
    for (int i = 1; i <= 40; i++) {
        char prev[32];
        snprintf(prev, sizeof prev, "dchain%d", i - 1);
        snprintf(name, sizeof name, "dchain%d", i);
        if (symlink(prev, name) != 0)
            printf("symlink %s: %s\n", name, errname(errno));
    }
    fd = CHECK_OK(open("dchain39/inner", O_RDONLY));
    CHECK(close(fd));
    CHECK(open("dchain40/inner", O_RDONLY));
    CHECK(open("dchain39/up", O_RDONLY)); /* 40 + 1 */
    CHECK(stat("dchain20/up", &st));

    /* O_NOFOLLOW */
    CHECK(open("sl", O_RDONLY | O_NOFOLLOW));
    CHECK(open("sl", O_WRONLY | O_NOFOLLOW));
    CHECK(open("loop_a", O_RDONLY | O_NOFOLLOW));
    fd = CHECK_OK(open("dl/inner", O_RDONLY | O_NOFOLLOW)); /* only the last component */
    CHECK(close(fd));
    fd = CHECK_OK(open("target", O_RDONLY | O_NOFOLLOW));
    CHECK(close(fd));
    CHECK(open("dl", O_RDONLY | O_DIRECTORY | O_NOFOLLOW));

    /* O_PATH|O_NOFOLLOW opens the link itself */
    fd = CHECK_OK(open("sl", O_PATH | O_NOFOLLOW));
    CHECK(fstat(fd, &st));
    printf("fstat O_PATH link: %s size %ld\n", ftype(st.st_mode), (long)st.st_size);
    CHECK(fstatat(fd, "", &st, AT_EMPTY_PATH));
    printf("fstatat AT_EMPTY_PATH: %s\n", ftype(st.st_mode));
    memset(buf, 0, sizeof buf);
    CHECK(readlinkat(fd, "", buf, sizeof buf));
    printf("readlinkat(fd, \"\"): %s\n", buf);
    CHECK(read(fd, buf, 1));
    CHECK(fchdir(fd));
    CHECK(openat(fd, "x", O_RDONLY));
    SHOW((fcntl(fd, F_GETFL) & (O_PATH | O_NOFOLLOW)) == (O_PATH | O_NOFOLLOW));
    CHECK(close(fd));
    fd = CHECK_OK(open("loop_a", O_PATH | O_NOFOLLOW));
    CHECK(fstat(fd, &st));
    printf("fstat O_PATH loop link: %s\n", ftype(st.st_mode));
    CHECK(close(fd));
    /* O_PATH without O_NOFOLLOW follows */
    fd = CHECK_OK(open("sl", O_PATH));
    CHECK(fstat(fd, &st));
    printf("fstat O_PATH followed: %s size %ld\n", ftype(st.st_mode), (long)st.st_size);
    CHECK(readlinkat(fd, "", buf, sizeof buf));
    CHECK(close(fd));

    /* readlink: truncation, errors */
    CHECK(symlink("abcdefgh", "eight"));
    memset(buf, '#', 16);
    CHECK(readlink("eight", buf, 4));
    printf("truncated: %.8s\n", buf); /* no terminating NUL added */
    CHECK(readlink("eight", buf, 8));
    printf("exact: %.9s\n", buf);
    CHECK(readlink("eight", buf, 100));
    CHECK(readlink("eight", buf, 1));
    CHECK(readlink("eight", buf, 0));
    CHECK(readlink("eight", buf, -1));
    CHECK(readlink("target", buf, sizeof buf));
    CHECK(readlink("d", buf, sizeof buf));
    CHECK(readlink("missing", buf, sizeof buf));
    CHECK(readlink("", buf, sizeof buf));
    CHECK(readlink("dl/", buf, sizeof buf));
    CHECK(readlink("eight", NULL, 8));

    /* an empty target is refused */
    CHECK(symlink("", "empty"));
    CHECK(lstat("empty", &st));
    CHECK(symlink("target", ""));

    /* odd but valid targets are stored verbatim */
    CHECK(symlink("a//b/../c/", "odd"));
    memset(buf, 0, sizeof buf);
    CHECK(readlink("odd", buf, sizeof buf));
    printf("odd target: %s\n", buf);
    CHECK(symlink("/", "root"));
    CHECK(stat("root", &st));
    printf("root: %s\n", ftype(st.st_mode));

    /* name length limits: a component of 255 bytes is fine, 256 is not */
    char comp[300];
    memset(comp, 'n', 255);
    comp[255] = 0;
    CHECK(symlink("target", comp));
    fd = CHECK_OK(open(comp, O_RDONLY));
    CHECK(close(fd));
    CHECK(unlink(comp));
    memset(comp, 'n', 256);
    comp[256] = 0;
    CHECK(symlink("target", comp));
    CHECK(open(comp, O_RDONLY));
    CHECK(open(comp, O_RDWR | O_CREAT, 0644));
    CHECK(lstat(comp, &st));
    CHECK(mkdir(comp, 0755));
    CHECK(symlink(comp, "longtarget")); /* the target may have long parts */
    CHECK(open("longtarget", O_RDONLY));
    /* paths: 4095 bytes are fine, 4096 (PATH_MAX with the NUL) are not;
     * "./" then slashes then "target" */
    char *path = malloc(PATH_MAX + 2);
    memset(path, '/', PATH_MAX + 2);
    path[0] = '.';
    memcpy(path + PATH_MAX - 1 - 6, "target", 7);
    printf("path length %zu\n", strlen(path));
    fd = CHECK_OK(open(path, O_RDONLY));
    CHECK(close(fd));
    memset(path, '/', PATH_MAX + 2);
    path[0] = '.';
    memcpy(path + PATH_MAX - 6, "target", 7);
    printf("path length %zu\n", strlen(path));
    CHECK(open(path, O_RDONLY));
    CHECK(stat(path, &st));
    CHECK(symlink("target", path));
    /* a target of 4095 bytes is stored, 4096 is refused */
    char *tgt = malloc(PATH_MAX + 2);
    memset(tgt, 'x', PATH_MAX - 1);
    tgt[PATH_MAX - 1] = 0;
    CHECK(symlink(tgt, "max_target"));
    CHECK(lstat("max_target", &st));
    printf("max_target size: %ld\n", (long)st.st_size);
    CHECK(readlink("max_target", buf, sizeof buf));
    CHECK(open("max_target", O_RDONLY));
    tgt[PATH_MAX - 1] = 'x';
    tgt[PATH_MAX] = 0;
    CHECK(symlink(tgt, "too_long_target"));
    free(tgt);
    free(path);

    fs_cleanup();
    return 0;
}
