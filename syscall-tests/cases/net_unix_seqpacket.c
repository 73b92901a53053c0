/* Seqpacket: record boundaries, truncation, EOF, listen/accept, MSG_EOR, zero-length records. */
#include "net_unix_common.h"
#include <sys/uio.h>

int main(void)
{
    char buf[64];
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
    CHECK(write(sv[0], "one", 3));
    CHECK(write(sv[0], "two!", 4));
    CHECK(write(sv[0], "", 0));
    CHECK(write(sv[0], "three", 5));
    CHECK(read(sv[1], buf, sizeof buf));
    CHECK(read(sv[1], buf, sizeof buf));
    CHECK(read(sv[1], buf, sizeof buf));
    CHECK(read(sv[1], buf, 2));
    printf("truncated: %.2s\n", buf);
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    CHECK(write(sv[0], "0123456789", 10));
    struct iovec iov = {buf, 4};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    CHECK(recvmsg(sv[1], &m, MSG_PEEK));
    printf("peek flags=%#x\n", m.msg_flags);
    CHECK(recvmsg(sv[1], &m, MSG_TRUNC));
    printf("flags=%#x\n", m.msg_flags);
    CHECK(write(sv[0], "0123456789", 10));
    m.msg_flags = 0;
    CHECK(recvmsg(sv[1], &m, 0));
    printf("flags=%#x\n", m.msg_flags);
    CHECK(send(sv[0], "eor", 3, MSG_EOR));
    m.msg_flags = 0;
    iov.iov_len = sizeof buf;
    CHECK(recvmsg(sv[1], &m, 0));
    printf("flags=%#x\n", m.msg_flags);
    /* A record larger than the receiver's room in MSG_WAITALL still ends at the boundary. */
    CHECK(write(sv[0], "ab", 2));
    CHECK(write(sv[0], "cd", 2));
    CHECK(recv(sv[1], buf, sizeof buf, MSG_WAITALL));
    CHECK(recv(sv[1], buf, sizeof buf, MSG_WAITALL));
    /* sendto with an address: ignored on a connected seqpacket socket? */
    struct sockaddr_un x = {.sun_family = AF_UNIX};
    CHECK(sendto(sv[0], "to", 2, 0, (struct sockaddr *)&x, sizeof x));
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    /* EOF after the peer closes; records left are read first. */
    CHECK(write(sv[0], "last", 4));
    close(sv[0]);
    CHECK(read(sv[1], buf, sizeof buf));
    CHECK(read(sv[1], buf, sizeof buf));
    CHECK(read(sv[1], buf, sizeof buf));
    close(sv[1]);

    printf("== listen/accept\n");
    socklen_t len;
    char name[32];
    int tag = snprintf(name, sizeof name, "aks%d", (int)getpid());
    struct sockaddr_un a = abstract_addr(name, tag, &len);
    int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK(bind(l, (struct sockaddr *)&a, len));
    int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK(connect(c, (struct sockaddr *)&a, len));
    CHECK(listen(l, 1));
    CHECK(send(c, "x", 1, 0));
    CHECK(connect(c, (struct sockaddr *)&a, len));
    int s = CHECK_OK(accept(l, NULL, NULL));
    CHECK(send(c, "rec1", 4, 0));
    CHECK(send(c, "rec2", 4, 0));
    CHECK(recv(s, buf, 2, 0));
    CHECK(recv(s, buf, sizeof buf, 0));
    CHECK(recv(l, buf, sizeof buf, MSG_DONTWAIT));
    CHECK(send(l, buf, 1, MSG_DONTWAIT));
    /* Unconnected. */
    int u = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK(send(u, "x", 1, 0));
    CHECK(recv(u, buf, 1, MSG_DONTWAIT));
    CHECK(sendto(u, "x", 1, 0, (struct sockaddr *)&a, len));
    /* A stream client cannot connect to a seqpacket listener (abstract name: hashed by type). */
    int st = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(st, (struct sockaddr *)&a, len));
    int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(sendto(dg, "x", 1, 0, (struct sockaddr *)&a, len));
    return 0;
}
