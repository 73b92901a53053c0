/* Permission checks: as root, make files and directories with various
 * modes, then become nobody (65534) in-process -- real and effective ids,
 * saved uid kept 0 so that root can come back to clean up -- and check
 * open/access/exec, directory search and write permission, the sticky
 * bit, chmod/chown/utimensat by a non-owner, and the owner of new files. */
#include "fs_common.h"
#include <grp.h>
#include <sys/time.h>

#define NOBODY 65534

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    struct stat st;
    char buf[16];

    CHECK(getuid());
    CHECK(geteuid());
    CHECK(chmod(".", 0755)); /* mkdtemp made it 0700 */
    umask(0);

    make_file("r", "readable");
    CHECK(chmod("r", 0444));
    make_file("w", "writable");
    CHECK(chmod("w", 0222));
    make_file("x", "#!/bin/sh\n");
    CHECK(chmod("x", 0111));
    make_file("none", "none");
    CHECK(chmod("none", 0000));
    make_file("rw", "rw");
    CHECK(chmod("rw", 0666));
    make_file("owner_only", "secret");
    CHECK(chmod("owner_only", 0600));
    /* the group bits apply when we are in the group, not the other bits */
    make_file("group_none", "g");
    CHECK(chmod("group_none", 0604));
    CHECK(chown("group_none", 0, NOBODY));
    /* a directory without search permission */
    CHECK(mkdir("nox", 0666));
    make_file("nox/f", "f");
    /* a directory without write permission */
    CHECK(mkdir("now", 0555));
    make_file("now/f", "f");
    /* a sticky, world-writable directory like /tmp */
    CHECK(mkdir("sticky", 01777));
    make_file("sticky/rootf", "root's");
    CHECK(chmod("sticky/rootf", 0666));
    /* a world-writable directory without the sticky bit */
    CHECK(mkdir("open", 0777));
    make_file("open/rootf", "root's");
    /* a file owned by nobody inside a root-owned sticky dir, and a
     * directory owned by nobody */
    make_file("sticky/nobodyf", "nobody's");
    CHECK(chown("sticky/nobodyf", NOBODY, NOBODY));
    CHECK(mkdir("mine", 0755));
    CHECK(chown("mine", NOBODY, NOBODY));
    make_file("mine/foreign_gid", "ours, but group 0");
    CHECK(chown("mine/foreign_gid", NOBODY, 0));

    /* become nobody; the saved uid stays 0 */
    CHECK(setgroups(0, NULL));
    CHECK(setresgid(NOBODY, NOBODY, 0));
    CHECK(setresuid(NOBODY, NOBODY, 0));
    CHECK(getuid());
    CHECK(geteuid());
    CHECK(getgid());
    CHECK(getegid());
    CHECK(getgroups(0, NULL));

    /* open and access of files by mode */
    int fd = CHECK_OK(open("r", O_RDONLY));
    CHECK(close(fd));
    CHECK(open("r", O_WRONLY));
    CHECK(open("r", O_RDWR));
    CHECK(open("r", O_RDONLY | O_TRUNC));
    CHECK(open("w", O_RDONLY));
    fd = CHECK_OK(open("w", O_WRONLY));
    CHECK(close(fd));
    CHECK(open("x", O_RDONLY));
    CHECK(open("none", O_RDONLY));
    CHECK(open("none", O_WRONLY));
    fd = CHECK_OK(open("none", O_PATH)); /* no permission needed */
    CHECK(fstat(fd, &st));
    CHECK(close(fd));
    fd = CHECK_OK(open("rw", O_RDWR));
    CHECK(close(fd));
    CHECK(open("owner_only", O_RDONLY));
    CHECK(open("group_none", O_RDONLY)); /* group bits say no */
    CHECK(access("r", R_OK));
    CHECK(access("r", W_OK));
    CHECK(access("r", X_OK));
    CHECK(access("r", R_OK | W_OK));
    CHECK(access("w", W_OK));
    CHECK(access("x", X_OK));
    CHECK(access("x", R_OK));
    CHECK(access("none", F_OK));
    CHECK(access("none", R_OK));
    CHECK(access("group_none", R_OK));
    CHECK(faccessat(AT_FDCWD, "r", W_OK, AT_EACCESS));
    CHECK(faccessat(AT_FDCWD, "rw", R_OK | W_OK, AT_EACCESS));
    CHECK(truncate("r", 0));
    CHECK(truncate("rw", 2));
    /* exec needs x; failures return */
    char *argv[] = {"x", NULL}, *envp[] = {NULL};
    CHECK(execve("r", argv, envp));
    CHECK(execve("none", argv, envp));
    CHECK(execve("nox", argv, envp));

    /* a directory without x: nothing inside can be reached */
    CHECK(open("nox/f", O_RDONLY));
    CHECK(stat("nox/f", &st));
    CHECK(access("nox/f", F_OK));
    CHECK(open("nox/new", O_RDWR | O_CREAT, 0644));
    CHECK(chdir("nox"));
    CHECK(stat("nox", &st)); /* the directory itself is fine */
    fd = CHECK_OK(open("nox", O_RDONLY | O_DIRECTORY)); /* and it can be listed */
    char dents[1024];
    CHECK(syscall(SYS_getdents64, fd, dents, sizeof dents) > 0);
    CHECK(openat(fd, "f", O_RDONLY));
    CHECK(fchdir(fd));
    CHECK(close(fd));
    CHECK(chdir(fs_dir)); /* back, should the fchdir have succeeded */

    /* a directory without w: no entries created or removed */
    CHECK(unlink("now/f"));
    CHECK(open("now/new", O_RDWR | O_CREAT, 0644));
    CHECK(mkdir("now/d", 0755));
    CHECK(rename("now/f", "now/g"));
    CHECK(symlink("x", "now/l"));
    CHECK(link("rw", "now/l"));
    CHECK(rename("now/f", "sticky/moved"));
    fd = CHECK_OK(open("now/f", O_RDONLY)); /* existing files still open */
    CHECK(close(fd));
    /* the scratch dir itself is root's 0755 */
    CHECK(open("new", O_RDWR | O_CREAT, 0644));
    CHECK(mkdir("newdir", 0755));

    /* the sticky bit: only the owner of the file (or dir) may remove it */
    fd = CHECK_OK(open("sticky/mine", O_RDWR | O_CREAT | O_EXCL, 0644));
    CHECK(fstat(fd, &st));
    SHOW(st.st_uid == getuid() && st.st_gid == getgid());
    SHOW(st.st_uid != 0);
    CHECK(close(fd));
    CHECK(unlink("sticky/rootf"));
    CHECK(rename("sticky/rootf", "sticky/renamed"));
    CHECK(rename("sticky/mine", "sticky/rootf")); /* replacing it is removal too */
    fd = CHECK_OK(open("sticky/rootf", O_RDWR)); /* writing is fine: 0666 */
    CHECK(close(fd));
    CHECK(rename("sticky/mine", "sticky/mine2"));
    CHECK(unlink("sticky/nobodyf")); /* our own file */
    CHECK(unlink("sticky/mine2"));
    CHECK(mkdir("sticky/mydir", 0755));
    CHECK(stat("sticky/mydir", &st));
    SHOW(st.st_uid == getuid() && st.st_gid == getgid());
    CHECK(rmdir("sticky/mydir"));
    /* without the sticky bit anyone with write access may remove */
    CHECK(unlink("open/rootf"));

    /* chmod, chown, utimensat of a file we do not own */
    CHECK(chmod("rw", 0777));
    CHECK(chown("rw", NOBODY, NOBODY));
    CHECK(chown("rw", -1, -1));
    CHECK(utimensat(AT_FDCWD, "rw", NULL, 0)); /* "now" only needs write access */
    struct timespec ts[2] = {{1000, 0}, {2000, 0}};
    CHECK(utimensat(AT_FDCWD, "rw", ts, 0)); /* explicit times need ownership */
    CHECK(utimensat(AT_FDCWD, "r", NULL, 0));
    struct timespec now_omit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    CHECK(utimensat(AT_FDCWD, "rw", now_omit, 0));
    CHECK(utimensat(AT_FDCWD, "r", now_omit, 0));

    /* our own files: chmod works, chown only to ourselves */
    fd = CHECK_OK(open("mine/own", O_RDWR | O_CREAT | O_EXCL, 0600));
    CHECK(fstat(fd, &st));
    SHOW(st.st_uid == getuid() && st.st_gid == getgid());
    CHECK(fchmod(fd, 0640));
    CHECK(chmod("mine/own", 0604));
    CHECK(chown("mine/own", -1, -1));
    CHECK(chown("mine/own", NOBODY, NOBODY));
    CHECK(chown("mine/own", 0, -1));
    CHECK(chown("mine/own", -1, 0)); /* not in group 0 */
    CHECK(fchown(fd, 0, 0));
    CHECK(utimensat(AT_FDCWD, "mine/own", ts, 0));
    CHECK(fstat(fd, &st));
    printf("own mtime: %ld\n", (long)st.st_mtim.tv_sec);
    /* the setgid bit stays on a file of our group, but is silently
     * dropped on a file of a group we are not in */
    CHECK(fchmod(fd, 02644));
    CHECK(fstat(fd, &st));
    printf("own mode after chmod 02644: %04o\n", (unsigned)(st.st_mode & 07777));
    CHECK(chmod("mine/foreign_gid", 02644));
    show_lstat("mine/foreign_gid");
    CHECK(chown("mine/foreign_gid", -1, NOBODY)); /* to our group: fine */
    CHECK(chmod("mine/foreign_gid", 02644));
    show_lstat("mine/foreign_gid");
    /* an owner without permission bits is still denied */
    CHECK(fchmod(fd, 0044));
    CHECK(open("mine/own", O_RDONLY));
    CHECK(access("mine/own", R_OK));
    CHECK(close(fd));
    /* directory owner may remove anything inside its own dir */
    CHECK(unlink("mine/own"));

    /* back to root */
    CHECK(setresuid(0, 0, 0));
    CHECK(setresgid(0, 0, 0));
    CHECK(geteuid());
    CHECK(getegid());
    /* root reads anything, but executes only with some x bit */
    fd = CHECK_OK(open("none", O_RDWR));
    CHECK(read(fd, buf, sizeof buf));
    CHECK(close(fd));
    CHECK(access("none", R_OK | W_OK));
    CHECK(access("none", X_OK));
    CHECK(access("x", X_OK));
    CHECK(execve("none", argv, envp));
    fd = CHECK_OK(open("nox/f", O_RDONLY));
    CHECK(close(fd));
    CHECK(unlink("now/f"));
    show_lstat("sticky/rootf");
    CHECK(stat("sticky/rootf", &st));
    SHOW(st.st_uid == 0);

    fs_cleanup();
    return 0;
}
