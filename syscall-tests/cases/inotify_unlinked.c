/* inotify and files without a name: DELETE_SELF (and IN_IGNORED) wait for the last open file to close, events
 * of an open unlinked file still reach its old directory's watch with the name, and IN_EXCL_UNLINK drops those
 * path events (read, write, close) but not inode changes (ftruncate, fchmod). */
#include "common.h"
#include <sys/inotify.h>
#include <sys/stat.h>

static int in;
static char dir[64], file[96], sub[96];

static void drain(const char *when)
{
    char b[4096] __attribute__((aligned(8)));
    printf("%s:", when);
    long n = read(in, b, sizeof b);
    for (long i = 0; i < n;) {
        struct inotify_event *e = (struct inotify_event *)(b + i);
        printf(" wd%d:%x%s%s", e->wd, e->mask, e->len ? ":" : "", e->len ? (strcmp(e->name, "f") == 0 || strcmp(e->name, "d") == 0 ? e->name : "?") : "");
        i += sizeof *e + e->len;
    }
    printf("\n");
}

static void round(uint32_t extra)
{
    printf("-- watches %s\n", extra ? "with IN_EXCL_UNLINK" : "without flags");
    int fd = open(file, O_CREAT | O_RDWR, 0644);
    int dwd = inotify_add_watch(in, dir, IN_ALL_EVENTS | extra);
    int fwd = inotify_add_watch(in, file, IN_ALL_EVENTS | extra);
    printf("wds %d %d\n", dwd > 0, fwd > dwd);
    CHECK(unlink(file));
    drain("unlink");
    int v = 0;
    CHECK(write(fd, &v, sizeof v));
    CHECK(pread(fd, &v, sizeof v, 0));
    drain("write and read");
    CHECK(ftruncate(fd, 100));
    CHECK(fchmod(fd, 0600));
    drain("ftruncate and fchmod");
    CHECK(close(fd));
    drain("close");
    inotify_rm_watch(in, dwd);
    drain("dir watch removed");
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/inotify-unlinked-%d", (int)getpid());
    snprintf(file, sizeof file, "%s/f", dir);
    snprintf(sub, sizeof sub, "%s/d", dir);
    mkdir(dir, 0755);
    in = inotify_init1(IN_NONBLOCK);
    round(0);
    round(IN_EXCL_UNLINK);

    printf("-- rmdir of an open directory\n");
    CHECK(mkdir(sub, 0755));
    int dfd = open(sub, O_RDONLY | O_DIRECTORY);
    int dwd = inotify_add_watch(in, dir, IN_ALL_EVENTS);
    inotify_add_watch(in, sub, IN_ALL_EVENTS);
    CHECK(rmdir(sub));
    drain("rmdir");
    CHECK(close(dfd));
    drain("close");
    inotify_rm_watch(in, dwd);
    drain("dir watch removed");

    printf("-- unlink of a file nobody has open\n");
    close(open(file, O_CREAT | O_RDWR, 0644));
    inotify_add_watch(in, file, IN_ALL_EVENTS);
    CHECK(unlink(file));
    drain("unlink");

    rmdir(dir);
    return 0;
}
