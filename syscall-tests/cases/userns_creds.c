/* Socket credentials across a user namespace: SO_PEERCRED and SCM_CREDENTIALS show ids in the receiver's
 * namespace (root of the parent is 65534 inside a namespace that maps only uid 1000; a sender inside sends its own
 * view, uid 0, which the parent receives as 1000); an unmapped id in SCM_CREDENTIALS is EINVAL. */
#include "userns_common.h"
#include <sys/prctl.h>
#include <sys/socket.h>

static int sv[2];

static long send_creds(int fd, pid_t pid, uid_t uid, gid_t gid)
{
    struct ucred uc = { pid, uid, gid };
    char data = 'x';
    struct iovec iov = { &data, 1 };
    union { char buf[CMSG_SPACE(sizeof uc)]; struct cmsghdr align; } u;
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof uc);
    memcpy(CMSG_DATA(c), &uc, sizeof uc);
    return sendmsg(fd, &m, 0);
}

static void recv_creds(int fd, const char *who)
{
    char data;
    struct iovec iov = { &data, 1 };
    union { char buf[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } u;
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    if (recvmsg(fd, &m, 0) != 1) { printf("%s: recvmsg %s\n", who, errname(errno)); return; }
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (!c || c->cmsg_type != SCM_CREDENTIALS) { printf("%s: no credentials\n", who); return; }
    struct ucred uc;
    memcpy(&uc, CMSG_DATA(c), sizeof uc);
    printf("%s received uid %u gid %u\n", who, uc.uid, uc.gid);
}

static void peer(int fd, const char *who)
{
    struct ucred uc;
    socklen_t len = sizeof uc;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0) { printf("%s: %s\n", who, errname(errno)); return; }
    printf("%s peer uid %u gid %u\n", who, uc.uid, uc.gid);
}

int main(void)
{
    int one = 1;
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    int ready[2];
    pipe(ready);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
    {
        close(ready[0]);
        if (setgroups(0, NULL) != 0 || setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0) _exit(1);
        prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
        if (unshare(CLONE_NEWUSER) != 0) _exit(2);
        peer(sv[1], "inside, unmapped:");
        map_self_root(1000, 1000);
        peer(sv[1], "inside:");
        setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
        write(ready[1], "r", 1);
        recv_creds(sv[1], "inside");
        CHECK(send_creds(sv[1], getpid(), 0, 0));
        CHECK(send_creds(sv[1], getpid(), 5, 0));
        _exit(0);
    }
    close(ready[1]);
    char b;
    read(ready[0], &b, 1);
    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    if (send_creds(sv[0], getpid(), 0, 0) != 1) printf("parent's send: %s\n", errname(errno));
    int st = 0;
    waitpid(c, &st, 0); /* its datagrams wait in our queue: print after it */
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) printf("child status %#x\n", st);
    recv_creds(sv[0], "outside");
    return 0;
}
