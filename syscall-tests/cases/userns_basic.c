/* A new user namespace as root creates it: ids are the overflow id (65534) until the maps are written, the
 * creator holds every capability there, /proc/self/ns/user names a new namespace; writing uid_map "0 0 1" makes
 * getuid() 0; gid_map needs setgroups "deny" first from inside; each map is written once; stat shows an
 * unmapped owner as 65534; chown to an unmapped id is EINVAL; /proc/self/status shows the ids as seen inside. */
#include "userns_common.h"
#include <sys/msg.h>

static int queue = -1;

static void queue_owner(const char *when)
{
    struct msqid_ds ds;
    if (msgctl(queue, IPC_STAT, &ds) != 0) { printf("IPC_STAT %s: %s\n", when, errname(errno)); return; }
    printf("queue %s: uid %u gid %u cuid %u cgid %u\n", when, ds.msg_perm.uid, ds.msg_perm.gid, ds.msg_perm.cuid, ds.msg_perm.cgid);
}

static const char *file = "/tmp/appkernel-userns-basic";

static void body(void)
{
    char before[64], after[64];
    userns_link(before, sizeof before);
    CHECK(unshare(CLONE_NEWUSER));
    userns_link(after, sizeof after);
    printf("link shape: %.6s, new namespace: %s\n", after, strcmp(before, after) != 0 ? "yes" : "no");
    struct stat st;
    if (stat("/proc/self/ns/user", &st) == 0)
    {
        char expect[64];
        snprintf(expect, sizeof expect, "user:[%lu]", (unsigned long)st.st_ino);
        SHOW(strcmp(expect, after) == 0);
    }
    CHECK(getuid());
    CHECK(geteuid());
    CHECK(getgid());
    CHECK(getegid());
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    printf("resuid %u %u %u\n", r, e, s);
    printf("%s\n", status_line("Uid:"));
    printf("%s\n", status_line("Gid:"));
    printf("%s\n", status_line("CapEff:"));
    printf("%s\n", status_line("CapPrm:"));
    printf("%s\n", status_line("CapBnd:"));
    printf("%s\n", status_line("CapInh:"));
    printf("uid_map before: [%s]\n", contents("/proc/self/uid_map"));
    queue_owner("unmapped");
    printf("setgroups: %s", contents("/proc/self/setgroups"));
    CHECK(setuid(0));
    PUT("/proc/self/uid_map", "0 0 1\n");
    printf("uid_map: %s", contents("/proc/self/uid_map"));
    CHECK(getuid());
    CHECK(geteuid());
    CHECK(getgid());
    PUT("/proc/self/uid_map", "0 0 1\n");
    PUT("/proc/self/gid_map", "0 0 1\n");
    PUT("/proc/self/setgroups", "deny");
    printf("setgroups: %s", contents("/proc/self/setgroups"));
    PUT("/proc/self/setgroups", "allow");
    PUT("/proc/self/gid_map", "0 0 1\n");
    PUT("/proc/self/setgroups", "deny");
    printf("gid_map: %s", contents("/proc/self/gid_map"));
    CHECK(getgid());
    CHECK(getegid());
    printf("%s\n", status_line("Uid:"));
    printf("%s\n", status_line("Gid:"));
    CHECK(setgroups(0, NULL));
    queue_owner("mapped");
    struct msqid_ds ds;
    if (msgctl(queue, IPC_STAT, &ds) == 0)
    {
        ds.msg_perm.uid = 5;
        CHECK(msgctl(queue, IPC_SET, &ds));
        ds.msg_perm.uid = 0;
        CHECK(msgctl(queue, IPC_SET, &ds));
    }
    CHECK(msgctl(queue, IPC_RMID, NULL));
    CHECK(stat(file, &st));
    printf("unmapped owner: %u %u\n", st.st_uid, st.st_gid);
    CHECK(stat("/", &st));
    printf("root owner: %u %u\n", st.st_uid, st.st_gid);
    CHECK(chown(file, 5, -1));
    CHECK(chown(file, -1, 5));
    CHECK(setuid(5));
    CHECK(setuid(0));
    CHECK(setresuid(-1, 0, -1));
    CHECK(setgid(0));
    CHECK(setfsuid(-1));
}

int main(void)
{
    int fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    close(fd);
    chown(file, 1000, 1000);
    queue = msgget(IPC_PRIVATE, 0600);
    in_child("unshare as root", body);
    msgctl(queue, IPC_RMID, NULL); /* (the child removed it; in case it did not get there) */
    unlink(file);
    return 0;
}
