/* mount(2)/umount2(2) of the file systems a sandbox may make itself: a new
 * devpts instance (its own terminals, its mode=/gid=/ptmxmode=), tmpfs with
 * mode=, stacking, EBUSY and MNT_DETACH, EINVAL for a path that is no mount,
 * propagation flags as no-ops, and EPERM without CAP_SYS_ADMIN.  Every mount
 * is made under a fresh directory in /tmp and taken away again. */
#include "common.h"
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/ioctl.h>

static void show_mode(const char *label, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("%s: %s\n", label, errname(errno));
        return;
    }
    printf("%s: mode %o gid %u\n", label, st.st_mode, (unsigned)st.st_gid);
}

int main(void)
{
    char dir[] = "/tmp/mount_memfs_XXXXXX";
    if (!mkdtemp(dir)) { printf("mkdtemp: %s\n", errname(errno)); return 1; }
    char pts[300], sub[300], file[300], path[400];
    snprintf(pts, sizeof pts, "%s/pts", dir);
    snprintf(sub, sizeof sub, "%s/t", dir);
    mkdir(pts, 0755);
    mkdir(sub, 0755);

    /* devpts: a new instance numbers its terminals from 0, apart from /dev/pts */
    CHECK(mount("devpts", pts, "devpts", 0, "newinstance,mode=0620,gid=5,ptmxmode=0666"));
    snprintf(path, sizeof path, "%s/ptmx", pts);
    show_mode("ptmx", path);
    int m = CHECK_OK(open(path, O_RDWR | O_NOCTTY));
    unsigned n = 99;
    CHECK(ioctl(m, TIOCGPTN, &n));
    printf("first index in the instance: %u\n", n);
    int unlock = 0;
    CHECK(ioctl(m, TIOCSPTLCK, &unlock));
    snprintf(path, sizeof path, "%s/%u", pts, n);
    show_mode("replica node", path);
    int s = CHECK_OK(open(path, O_RDWR | O_NOCTTY));
    CHECK(write(m, "hi\n", 3));
    char buf[16] = {0};
    printf("read through the instance: %zd\n", read(s, buf, sizeof buf));
    close(s);
    close(m);
    printf("replica node after close: %s\n", access(path, F_OK) == 0 ? "present" : errname(errno));
    CHECK(umount2(pts, 0));
    snprintf(path, sizeof path, "%s/ptmx", pts);
    printf("ptmx after umount: %s\n", access(path, F_OK) == 0 ? "present" : errname(errno));

    /* tmpfs with a mode; stacking; busy; lazy */
    CHECK(mount("none", sub, "tmpfs", 0, "mode=0700"));
    show_mode("tmpfs root", sub);
    snprintf(file, sizeof file, "%s/f", sub);
    int fd = CHECK_OK(open(file, O_CREAT | O_WRONLY, 0644));
    close(fd);
    CHECK(mount("none", sub, "tmpfs", 0, "mode=0711"));
    show_mode("stacked root", sub);
    printf("file under the stacked mount: %s\n", access(file, F_OK) == 0 ? "visible" : errname(errno));
    CHECK(umount2(sub, 0));
    printf("file after the top is gone: %s\n", access(file, F_OK) == 0 ? "visible" : errname(errno));
    char inner[400];
    snprintf(inner, sizeof inner, "%s/in", sub);
    mkdir(inner, 0755);
    CHECK(mount("none", inner, "tmpfs", 0, ""));
    CHECK(umount2(sub, 0));
    CHECK(umount2(sub, MNT_DETACH));
    printf("file after the lazy umount: %s\n", access(file, F_OK) == 0 ? "visible" : errname(errno));

    /* errors */
    CHECK(umount2(dir, 0));
    CHECK(umount2(sub, 0x100));
    CHECK(mount("none", file, "tmpfs", 0, ""));
    CHECK(mount("none", "/nonexistent-dir", "tmpfs", 0, ""));
    CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
    pid_t c = fork();
    if (c == 0) {
        if (setuid(65534) != 0) _exit(2);
        printf("unprivileged mount: %s\n", mount("none", sub, "tmpfs", 0, "") == 0 ? "ok" : errname(errno));
        printf("unprivileged umount: %s\n", umount2(sub, 0) == 0 ? "ok" : errname(errno));
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    rmdir(inner);
    rmdir(sub);
    rmdir(pts);
    rmdir(dir);
    return 0;
}
