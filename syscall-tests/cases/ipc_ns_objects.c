/* An IPC namespace has its own System V objects and POSIX message queues: after unshare(CLONE_NEWIPC) the parent's
 * shm segment and queue are not there, a queue of the same name can be made, `mount -t mqueue` shows the new
 * namespace's queues, its /proc/sys/fs/mqueue limits are its own, and all of it is gone with the namespace. */
#include "mount_common.h"
#include <dirent.h>
#include <mqueue.h>
#include <sys/shm.h>

static char qname[64];
static int shmid;

static int read_int(const char *path)
{
    char buf[32] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -errno;
    read(fd, buf, sizeof buf - 1);
    close(fd);
    return atoi(buf);
}

static void body(void)
{
    struct shmid_ds ds;
    CHECK(shmctl(shmid, IPC_STAT, &ds));
    CHECK(mq_open(qname, O_RDONLY));
    struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 64 };
    mqd_t q = CHECK_OK(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0600, &attr));
    CHECK(mq_send(q, "inner", 5, 1));
    CHECK(mq_getattr(q, &attr));
    printf("inner queue: maxmsg %ld curmsgs %ld\n", attr.mq_maxmsg, attr.mq_curmsgs);
    int fd = CHECK_OK(open("/proc/sys/fs/mqueue/msg_max", O_WRONLY));
    CHECK(write(fd, "20", 2));
    close(fd);
    printf("inner msg_max: %d\n", read_int("/proc/sys/fs/mqueue/msg_max"));
    CHECK(mkdir(sp("mq"), 0755));
    CHECK(mount("mqueue", sp("mq"), "mqueue", 0, NULL));
    DIR *d = opendir(sp("mq"));
    int names = 0, ours = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.') { names++; ours += strcmp(e->d_name, qname + 1) == 0; }
    if (d) closedir(d);
    printf("mqueue mount: %d names, ours %d\n", names, ours);
    CHECK(umount2(sp("mq"), 0));
    int inner = CHECK_OK(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
    (void)inner; /* goes away with the namespace */
}

int main(void)
{
    snprintf(qname, sizeof qname, "/appkernel-ipcns-%d", (int)getpid());
    shmid = CHECK_OK(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
    struct mq_attr attr = { .mq_maxmsg = 2, .mq_msgsize = 32 };
    mqd_t q = CHECK_OK(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0600, &attr));
    int msg_max = read_int("/proc/sys/fs/mqueue/msg_max");
    isolated(body, CLONE_NEWIPC);
    CHECK(mq_getattr(q, &attr));
    printf("outer queue: maxmsg %ld curmsgs %ld\n", attr.mq_maxmsg, attr.mq_curmsgs);
    printf("outer msg_max unchanged: %d\n", read_int("/proc/sys/fs/mqueue/msg_max") == msg_max);
    struct shmid_ds ds;
    CHECK(shmctl(shmid, IPC_STAT, &ds));
    CHECK(shmctl(shmid, IPC_RMID, NULL));
    CHECK(mq_close(q));
    CHECK(mq_unlink(qname));
    return 0;
}
