/* inotify from many threads: eight threads create and remove files in a watched directory while a reader
 * drains the events, and another thread keeps adding and removing watches on a second instance and closing it.
 * Every CREATE and DELETE arrives exactly once (the names differ, so none merges). */
#include "common.h"
#include <pthread.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#define THREADS 8
#define FILES 400

static char dir[64];
static int ifd, creates, deletes, others;
static volatile int done_writing;

static void *writer(void *arg)
{
    long id = (long)arg;
    char path[160];
    for (int i = 0; i < FILES; i++) {
        snprintf(path, sizeof path, "%s/t%ld-%d", dir, id, i);
        int fd = open(path, O_CREAT | O_WRONLY, 0600);
        if (fd >= 0) close(fd);
        unlink(path);
    }
    return NULL;
}

static void *churn(void *arg)
{
    (void)arg;
    while (!done_writing) {
        int fd = inotify_init1(IN_NONBLOCK);
        int w = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
        inotify_add_watch(fd, dir, IN_CREATE | IN_MASK_ADD);
        inotify_rm_watch(fd, w);
        inotify_add_watch(fd, dir, IN_DELETE);
        close(fd); /* with a watch still on the directory */
    }
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    char buf[16384] __attribute__((aligned(8)));
    while (creates + deletes < THREADS * FILES * 2) {
        ssize_t n = read(ifd, buf, sizeof buf);
        if (n <= 0) { printf("read: %zd %s\n", n, errname(errno)); return NULL; }
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            if (e->mask == IN_CREATE) creates++;
            else if (e->mask == IN_DELETE) deletes++;
            else others++;
            p += sizeof *e + e->len;
        }
    }
    return NULL;
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/inotify-threads-%d", getpid());
    CHECK(mkdir(dir, 0755));
    ifd = inotify_init1(0);
    SHOW(inotify_add_watch(ifd, dir, IN_CREATE | IN_DELETE) > 0);
    pthread_t w[THREADS], r, c;
    pthread_create(&r, NULL, reader, NULL);
    pthread_create(&c, NULL, churn, NULL);
    for (long i = 0; i < THREADS; i++) pthread_create(&w[i], NULL, writer, (void *)i);
    for (int i = 0; i < THREADS; i++) pthread_join(w[i], NULL);
    done_writing = 1;
    pthread_join(c, NULL);
    pthread_join(r, NULL);
    printf("creates %d, deletes %d, others %d\n", creates, deletes, others);
    CHECK(rmdir(dir));
    close(ifd);
    return 0;
}
