/* inotify: argument checks, the events of creating, writing, reading, closing, renaming, linking and removing
 * (on a watched directory and a watched file, in Linux's order), merging of equal events, IN_MASK_ADD,
 * IN_MASK_CREATE, IN_ONESHOT, rm_watch's IN_IGNORED, a read buffer too small, FIONREAD, poll, non-blocking
 * reads, a blocking read woken by another thread, the queue's overflow; utimensat's and sendfile's events. */
#include "common.h"
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

static char dir[64], paths[4][160];
static int dwd, fwd, next_path;

/* dir/name, in one of four buffers so that a call can take two. */
static const char *P(const char *name)
{
    char *path = paths[next_path++ % 4];
    snprintf(path, sizeof paths[0], "%s/%s", dir, name);
    return path;
}

static void mask_text(uint32_t m)
{
    static const struct { uint32_t bit; const char *name; } names[] = {
        { IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" }, { IN_CLOSE_WRITE, "CLOSE_WRITE" },
        { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" }, { IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" },
        { IN_MOVED_TO, "MOVED_TO" }, { IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" },
        { IN_DELETE_SELF, "DELETE_SELF" }, { IN_MOVE_SELF, "MOVE_SELF" }, { IN_UNMOUNT, "UNMOUNT" },
        { IN_Q_OVERFLOW, "Q_OVERFLOW" }, { IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
    };
    const char *sep = "";
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (m & names[i].bit) { printf("%s%s", sep, names[i].name); sep = "|"; m &= ~names[i].bit; }
    if (m) printf("%s0x%x", sep, m);
}

/* Prints every queued event (non-blocking); MOVED_FROM/MOVED_TO cookies are shown as "paired" when equal. */
static void drain(int fd, const char *what)
{
    char buf[8192] __attribute__((aligned(8)));
    uint32_t from_cookie = 0;
    printf("-- %s\n", what);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) { if (errno != EAGAIN) printf("read: %s\n", errname(errno)); return; }
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            printf("  %s ", e->wd == dwd ? "dir" : e->wd == fwd ? "file" : e->wd == -1 ? "-1" : "other");
            mask_text(e->mask);
            if (e->len) printf(" \"%s\" (len %u)", e->name, e->len);
            if (e->mask & IN_MOVED_FROM) from_cookie = e->cookie;
            if (e->mask & IN_MOVED_TO) printf(" cookie %s", e->cookie && e->cookie == from_cookie ? "paired" : "UNPAIRED");
            else if (!(e->mask & IN_MOVED_FROM) && e->cookie) printf(" cookie %u", e->cookie);
            printf("\n");
            p += sizeof *e + e->len;
        }
    }
}

static void *late_create(void *arg)
{
    (void)arg;
    usleep(50000);
    close(open(P("late"), O_CREAT | O_WRONLY, 0600));
    return NULL;
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/inotify-case-%d", getpid());
    CHECK(mkdir(dir, 0755));
    close(open(P("f"), O_CREAT | O_WRONLY, 0644));

    CHECK(inotify_init1(0x1234));
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    SHOW(fd >= 0);
    SHOW((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    SHOW((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    CHECK(inotify_add_watch(fd, dir, 0));
    CHECK(inotify_add_watch(-1, dir, IN_ALL_EVENTS));
    CHECK(inotify_add_watch(0, dir, IN_ALL_EVENTS));
    CHECK(inotify_add_watch(fd, P("missing"), IN_ALL_EVENTS));
    CHECK(inotify_add_watch(fd, P("f"), IN_ALL_EVENTS | IN_ONLYDIR));
    CHECK(inotify_add_watch(fd, dir, IN_ALL_EVENTS | IN_MASK_ADD | IN_MASK_CREATE));
    CHECK(inotify_add_watch(fd, (char *)1, IN_ALL_EVENTS));
    CHECK(inotify_rm_watch(fd, 12345));
    CHECK(inotify_rm_watch(0, 1));
    char one;
    CHECK(read(fd, &one, 1));

    dwd = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
    fwd = inotify_add_watch(fd, P("f"), IN_ALL_EVENTS);
    SHOW(dwd > 0 && fwd > 0 && dwd != fwd);
    printf("same inode again: %s\n", inotify_add_watch(fd, dir, IN_ALL_EVENTS) == dwd ? "same wd" : "other wd");
    CHECK(inotify_add_watch(fd, dir, IN_CREATE | IN_MASK_CREATE));

    int a = open(P("a"), O_CREAT | O_WRONLY, 0644);
    write(a, "xy", 2);
    write(a, "z", 1); /* equal to the last queued event: merged */
    close(a);
    drain(fd, "create, write twice, close");

    int f = open(P("f"), O_RDWR);
    char buf[4];
    read(f, buf, sizeof buf); /* empty file: no ACCESS */
    write(f, "data", 4);
    lseek(f, 0, SEEK_SET);
    read(f, buf, sizeof buf);
    close(f);
    f = open(P("f"), O_RDONLY | O_TRUNC); /* truncation with O_RDONLY */
    close(f);
    drain(fd, "the watched file: open, read, write, read, close, O_TRUNC");

    chmod(P("f"), 0600);
    chown(P("f"), 0, 0);
    truncate(P("a"), 1);
    drain(fd, "chmod, chown, truncate");

    /* utimensat: both times are ATTRIB, the access time alone ACCESS, the modification time alone MODIFY */
    struct timespec both[2] = { { 1, 0 }, { 2, 0 } }, atime_only[2] = { { 3, 0 }, { 0, UTIME_OMIT } },
                    mtime_only[2] = { { 0, UTIME_OMIT }, { 4, 0 } };
    utimensat(AT_FDCWD, P("f"), both, 0);
    utimensat(AT_FDCWD, P("f"), atime_only, 0);
    utimensat(AT_FDCWD, P("f"), mtime_only, 0);
    drain(fd, "utimensat: both times, atime only, mtime only");

    /* sendfile and copy_file_range: ACCESS on the source, MODIFY on the destination */
    int refill = open(P("f"), O_WRONLY);
    write(refill, "data", 4);
    close(refill);
    drain(fd, "refill f");
    int in = open(P("f"), O_RDONLY), out = open(P("a"), O_WRONLY);
    off_t zero = 0;
    sendfile(out, in, &zero, 2);
    copy_file_range(in, NULL, out, NULL, 2, 0);
    close(in);
    close(out);
    drain(fd, "sendfile, copy_file_range from f into a");

    int nq = -1;
    struct pollfd pfd = { fd, POLLIN, 0 };
    printf("poll empty: %d\n", poll(&pfd, 1, 0));
    rename(P("a"), P("b"));
    rename(P("b"), P("b")); /* the same file: nothing happens */
    CHECK(ioctl(fd, FIONREAD, &nq));
    printf("FIONREAD: %d\n", nq);
    printf("poll: %d revents 0x%x\n", poll(&pfd, 1, 0), pfd.revents);
    char small[16];
    CHECK(read(fd, small, sizeof small));
    drain(fd, "rename a -> b");

    mkdir(P("sub"), 0755);
    DIR *d = opendir(dir);
    while (readdir(d)) {}
    closedir(d);
    rmdir(P("sub"));
    drain(fd, "mkdir, list the directory, rmdir");

    link(P("f"), P("g"));
    unlink(P("g"));
    rename(P("b"), P("f")); /* replaces the watched file */
    drain(fd, "link, unlink the link, rename over the watched file");
    fwd = -100;

    int w = inotify_add_watch(fd, P("f"), IN_OPEN | IN_ONESHOT);
    SHOW(w > 0);
    fwd = w;
    close(open(P("f"), O_RDONLY));
    close(open(P("f"), O_RDONLY));
    drain(fd, "IN_ONESHOT (open twice)");

    fwd = inotify_add_watch(fd, P("f"), IN_ATTRIB);
    CHECK(inotify_add_watch(fd, P("f"), IN_DELETE_SELF | IN_MASK_ADD) == fwd);
    chmod(P("f"), 0644);
    close(open(P("f"), O_RDONLY)); /* not in the mask: only the directory sees it */
    unlink(P("f"));
    drain(fd, "IN_MASK_ADD, then unlink the watched file");

    int cfd = inotify_init1(0);
    int cw = inotify_add_watch(cfd, dir, IN_CREATE);
    pthread_t th;
    pthread_create(&th, NULL, late_create, NULL);
    char big[256] __attribute__((aligned(8)));
    struct inotify_event *ev = (struct inotify_event *)big;
    ssize_t n = read(cfd, big, sizeof big);
    printf("blocking read: %zd bytes, wd %s, %s \"%s\"\n", n, ev->wd == cw ? "ok" : "wrong",
           ev->mask == IN_CREATE ? "CREATE" : "?", ev->name);
    pthread_join(th, NULL);
    CHECK(inotify_rm_watch(cfd, cw));
    n = read(cfd, big, sizeof big);
    printf("after rm_watch: %zd bytes, %s\n", n, ev->mask == IN_IGNORED && ev->wd == cw ? "IGNORED" : "?");
    CHECK(inotify_rm_watch(cfd, cw));
    close(cfd);

    CHECK(inotify_rm_watch(fd, dwd));
    drain(fd, "rm_watch of the directory");

    /* Overflow: more distinct events than max_queued_events (16384); attribute and modify alternate so that
     * none merges. */
    int ofd = inotify_init1(IN_NONBLOCK);
    int ow = inotify_add_watch(ofd, P("late"), IN_ATTRIB | IN_MODIFY);
    int lf = open(P("late"), O_WRONLY);
    for (int i = 0; i < 8300; i++) { fchmod(lf, 0600); write(lf, "x", 1); }
    close(lf);
    long events = 0, overflows = 0, last_overflow = 0;
    for (;;) {
        char ob[4096] __attribute__((aligned(8)));
        ssize_t r = read(ofd, ob, sizeof ob);
        if (r <= 0) break;
        for (char *p = ob; p < ob + r;) {
            struct inotify_event *e = (struct inotify_event *)p;
            events++;
            last_overflow = e->mask == IN_Q_OVERFLOW && e->wd == -1;
            overflows += last_overflow;
            p += sizeof *e + e->len;
        }
    }
    printf("overflow: %ld events, %ld overflow, last is overflow: %ld, watch %s\n", events, overflows, last_overflow,
           ow > 0 ? "ok" : "failed");
    close(ofd);

    unlink(P("late"));
    dwd = inotify_add_watch(fd, dir, IN_DELETE_SELF | IN_DELETE);
    CHECK(rmdir(dir));
    drain(fd, "remove the watched directory");
    close(fd);
    return 0;
}
