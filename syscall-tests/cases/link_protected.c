/* Hard links under fs.protected_hardlinks=1 (Linux's may_linkat): someone who does not own a file and lacks
 * CAP_FOWNER may link only a regular file they can read and write that is neither set-user-ID nor executable
 * set-group-ID (EPERM); an existing new name is EEXIST first. Natively this needs the host's protected_hardlinks=1. */
#include "common.h"
#include <sys/stat.h>
#include <sys/wait.h>

static char dir[128], path[8][160];

static const char *mk(int i, const char *name)
{
    snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
    return path[i];
}

int main(void)
{
    int on = 0;
    if (slurp("/proc/sys/fs/protected_hardlinks") > 0)
        on = buf[0] == '1';
    printf("protected_hardlinks: %d\n", on);
    snprintf(dir, sizeof dir, "%s", scratch_path("link-protected"));
    mkdir(dir, 0777);
    chmod(dir, 0777);
    const char *ro = mk(0, "ro"), *fifo = mk(1, "fifo"), *suid = mk(2, "suid"), *sgidx = mk(3, "sgidx"),
               *rw = mk(4, "rw"), *sgid = mk(5, "sgid"), *newname = mk(6, "new"), *mine = mk(7, "mine");
    close(open(ro, O_CREAT | O_WRONLY, 0400));
    mkfifo(fifo, 0666);
    close(open(suid, O_CREAT | O_WRONLY, 0666));
    chmod(suid, 04666);
    close(open(sgidx, O_CREAT | O_WRONLY, 0666));
    chmod(sgidx, 02676);
    close(open(rw, O_CREAT | O_WRONLY, 0666));
    chmod(rw, 0666);
    close(open(sgid, O_CREAT | O_WRONLY, 0666));
    chmod(sgid, 02666); /* set-group-ID without group execute: mandatory-locking style, safe */

    pid_t c = fork();
    if (c == 0) {
        if (setuid(65534) != 0)
            _exit(1);
        CHECK(link(ro, newname));
        CHECK(link(fifo, newname));
        CHECK(link(suid, newname));
        CHECK(link(sgidx, newname));
        CHECK(link(rw, newname));
        CHECK(link(ro, newname)); /* the name exists now: EEXIST before EPERM */
        CHECK(unlink(newname));
        CHECK(link(sgid, newname));
        CHECK(unlink(newname));
        /* one's own file, even unreadable */
        int fd = open(mine, O_CREAT | O_WRONLY, 0000);
        close(fd);
        CHECK(link(mine, newname));
        CHECK(unlink(newname));
        CHECK(unlink(mine));
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));
    /* root (CAP_FOWNER) links anything */
    CHECK(link(ro, newname));
    CHECK(unlink(newname));
    for (int i = 0; i < 8; i++)
        unlink(path[i]);
    rmdir(dir);
    return 0;
}
