/* SCM_CREDENTIALS with SO_PASSCRED, sending credentials (EPERM for others' as non-root), SO_PEERCRED. */
#include "net_unix_common.h"
#include <sys/uio.h>

static void recv_creds(int s, const char *what)
{
    char data[16];
    char cbuf[CMSG_SPACE(sizeof(struct ucred)) + 64];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    long r = recvmsg(s, &m, MSG_DONTWAIT);
    if (r < 0) {
        printf("%s: recvmsg -1 %s\n", what, errname(errno));
        return;
    }
    printf("%s: recvmsg=%ld flags=%#x controllen=%d\n", what, r, m.msg_flags, (int)m.msg_controllen);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        printf("  cmsg level=%d type=%d len=%d\n", c->cmsg_level, c->cmsg_type, (int)c->cmsg_len);
        if (c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred u;
            memcpy(&u, CMSG_DATA(c), sizeof u);
            printf("  pid==getpid %d, pid==0 %d, uid==getuid %d, gid==getgid %d, uid=%d gid=%d\n", u.pid == getpid(),
                   u.pid == 0, u.uid == getuid(), u.gid == getgid(), (int)u.uid, (int)u.gid);
        }
    }
}

static int send_creds(int s, pid_t pid, uid_t uid, gid_t gid)
{
    struct ucred u = {pid, uid, gid};
    char cbuf[CMSG_SPACE(sizeof u)];
    struct iovec iov = {"c", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof u);
    memcpy(CMSG_DATA(c), &u, sizeof u);
    return sendmsg(s, &m, 0);
}

static void peercred(int s, const char *what)
{
    struct ucred u;
    socklen_t l = sizeof u;
    if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &u, &l) < 0) {
        printf("%s: SO_PEERCRED -1 %s\n", what, errname(errno));
        return;
    }
    printf("%s: SO_PEERCRED len=%d pid==getpid %d pid==0 %d uid=%d gid=%d\n", what, (int)l, u.pid == getpid(),
           u.pid == 0, (int)u.uid, (int)u.gid);
}

int main(void)
{
    int one = 1;
    for (int type = SOCK_STREAM; type <= SOCK_SEQPACKET; type += type == SOCK_STREAM ? 1 : 3) {
        printf("==== type %d\n", type);
        int sv[2];
        socketpair(AF_UNIX, type, 0, sv);
        CHECK(write(sv[0], "a", 1));
        recv_creds(sv[1], "without SO_PASSCRED");
        CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
        CHECK(write(sv[0], "b", 1));
        recv_creds(sv[1], "with SO_PASSCRED");
        CHECK(send_creds(sv[0], getpid(), getuid(), getgid()));
        recv_creds(sv[1], "explicit own");
        CHECK(send_creds(sv[0], getpid(), 1234, 5678));
        recv_creds(sv[1], "explicit other ids as root");
        /* Another process's pid (a child's: pid 1 is the case itself in a sandbox). */
        pid_t other = fork();
        if (other == 0) {
            pause();
            _exit(0);
        }
        printf("explicit other pid as root: %d\n", send_creds(sv[0], other, 0, 0));
        recv_creds(sv[1], "explicit other pid as root");
        kill(other, SIGKILL);
        waitpid(other, NULL, 0);
        /* A message sent before SO_PASSCRED was set carries no credentials... */
        int pr[2];
        socketpair(AF_UNIX, type, 0, pr);
        CHECK(write(pr[0], "x", 1));
        CHECK(setsockopt(pr[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
        recv_creds(pr[1], "sent before SO_PASSCRED");
        close(pr[0]);
        close(pr[1]);
        peercred(sv[0], "pair");
        pid_t pid = fork();
        if (pid == 0) {
            if (setgid(1000) < 0 || setuid(1000) < 0)
                _exit(9);
            printf("child as 1000: send own = %d\n", send_creds(sv[0], getpid(), 1000, 1000));
            printf("child as 1000: send uid 0 = %s\n", send_creds(sv[0], getpid(), 0, 1000) < 0 ? errname(errno) : "ok");
            printf("child as 1000: send gid 0 = %s\n", send_creds(sv[0], getpid(), 1000, 0) < 0 ? errname(errno) : "ok");
            printf("child as 1000: send pid 1 = %s\n", send_creds(sv[0], 1, 1000, 1000) < 0 ? errname(errno) : "ok");
            write(sv[0], "d", 1);
            _exit(0);
        }
        reap("child", pid);
        recv_creds(sv[1], "child's explicit");
        recv_creds(sv[1], "child's implicit");
        recv_creds(sv[1], "nothing more");
        close(sv[0]);
        close(sv[1]);
    }
    printf("==== SO_PEERCRED of connections\n");
    char name[32];
    int tag = snprintf(name, sizeof name, "akc%d", (int)getpid());
    socklen_t len;
    struct sockaddr_un a = abstract_addr(name, tag, &len);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, len);
    listen(l, 5);
    peercred(l, "listener");
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    peercred(u, "unconnected");
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(2000) < 0 || setuid(1000) < 0)
            _exit(9);
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        connect(c, (struct sockaddr *)&a, len);
        struct ucred cr;
        socklen_t cl = sizeof cr;
        getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
        char b;
        read(c, &b, 1); /* printed after the parent's line */
        printf("child sees listener: uid=%d gid=%d pid==getppid %d\n", (int)cr.uid, (int)cr.gid, cr.pid == getppid());
        _exit(0);
    }
    int s = accept(l, NULL, NULL);
    struct ucred cr;
    socklen_t cl = sizeof cr;
    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
    printf("accepted sees child: uid=%d gid=%d pid==child %d\n", (int)cr.uid, (int)cr.gid, cr.pid == pid);
    write(s, "k", 1);
    reap("child", pid);
    cl = 4;
    CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl));
    printf("short len=%d\n", (int)cl);
    int dg[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, dg);
    peercred(dg[0], "dgram pair");
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    peercred(d, "dgram unconnected");
    return 0;
}
