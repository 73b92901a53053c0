/* Data paths of Unix sockets: read/write/readv/writev/sendfile/splice, sendmmsg/recvmmsg, MSG_PEEK, MSG_WAITALL,
 * MSG_DONTWAIT, SO_RCVTIMEO, EFAULT (a stream keeps the data a bad buffer could not take). */
#define _GNU_SOURCE
#include "net_unix_common.h"
#include <pthread.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/time.h>
#include <sys/uio.h>

static int wfd;
static void *late_writer(void *arg)
{
    (void)arg;
    usleep(100000);
    write(wfd, "45", 2);
    usleep(100000);
    write(wfd, "6789", 4);
    return NULL;
}

int main(void)
{
    char buf[256];
    int sv[2];
    printf("== readv/writev\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    CHECK(writev(sv[0], wv, 3));
    char x1[3] = {0}, x2[8] = {0};
    struct iovec rv[2] = {{x1, 2}, {x2, 8}};
    CHECK(readv(sv[1], rv, 2));
    printf("%s|%s\n", x1, x2);

    printf("== MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL\n");
    CHECK(write(sv[0], "peekaboo", 8));
    CHECK(recv(sv[1], buf, 4, MSG_PEEK));
    CHECK(recv(sv[1], buf, sizeof buf, MSG_PEEK));
    CHECK(recv(sv[1], buf, sizeof buf, 0));
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    CHECK(write(sv[0], "0123", 4));
    wfd = sv[0];
    pthread_t th;
    pthread_create(&th, NULL, late_writer, NULL);
    CHECK(recv(sv[1], buf, 10, MSG_WAITALL));
    pthread_join(th, NULL);
    printf("waitall got %.10s\n", buf);
    CHECK(write(sv[0], "ab", 2));
    shutdown(sv[0], SHUT_WR);
    CHECK(recv(sv[1], buf, 10, MSG_WAITALL));
    close(sv[0]);
    close(sv[1]);

    printf("== SO_RCVTIMEO\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct timeval tv = {0, 200000}, back; /* a whole number of jiffies at any HZ */
    socklen_t tl = sizeof back;
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    CHECK(getsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &back, &tl));
    printf("back: %ld.%06ld len=%d\n", (long)back.tv_sec, (long)back.tv_usec, (int)tl);
    struct timeval t0, t1;
    gettimeofday(&t0, NULL);
    CHECK(read(sv[1], buf, 1));
    gettimeofday(&t1, NULL);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
    SHOW(ms >= 190 && ms < 2000);
    tv.tv_usec = 1000000;
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, 4));
    close(sv[0]);
    close(sv[1]);

    printf("== EFAULT\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    CHECK(write(sv[0], "keepme", 6));
    CHECK(read(sv[1], (void *)8, 6));
    CHECK(recv(sv[1], (void *)8, 6, 0));
    CHECK(read(sv[1], buf, sizeof buf));
    printf("kept: %.6s\n", buf);
    CHECK(write(sv[0], (void *)8, 6));
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(two + 4096, 4096);
    memcpy(two + 4093, "xyz", 3);
    CHECK(write(sv[0], two + 4093, 10));
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    CHECK(write(sv[0], "0123456789", 10));
    CHECK(read(sv[1], two + 4093, 10));
    CHECK(read(sv[1], buf, sizeof buf));
    close(sv[0]);
    close(sv[1]);
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    CHECK(write(sv[0], "dgram", 5));
    CHECK(read(sv[1], (void *)8, 5));
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    CHECK(write(sv[0], two + 4093, 10));
    CHECK(send(sv[0], (void *)8, 0, 0));
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    close(sv[0]);
    close(sv[1]);

    printf("== sendfile and splice\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    const char *path = scratch_path("unixio");
    int f = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    unlink(path);
    CHECK(write(f, "file contents for sendfile", 26));
    off_t off = 5;
    CHECK(sendfile(sv[0], f, &off, 100));
    printf("off=%ld\n", (long)off);
    CHECK(read(sv[1], buf, sizeof buf));
    printf("got %.21s\n", buf);
    int p[2];
    pipe(p);
    CHECK(write(sv[0], "to splice", 9));
    CHECK(splice(sv[1], NULL, p[1], NULL, 100, 0));
    CHECK(read(p[0], buf, sizeof buf));
    CHECK(write(p[1], "from pipe", 9));
    CHECK(splice(p[0], NULL, sv[0], NULL, 100, 0));
    CHECK(read(sv[1], buf, sizeof buf));
    /* sendfile from a socket: EINVAL. */
    CHECK(write(sv[0], "abc", 3));
    CHECK(sendfile(f, sv[1], NULL, 3));
    close(sv[0]);
    close(sv[1]);

    printf("== sendmmsg/recvmmsg\n");
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    struct mmsghdr mm[3];
    struct iovec iv[3] = {{"first", 5}, {"second", 6}, {"third!!", 7}};
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        mm[i].msg_hdr.msg_iov = &iv[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    CHECK(sendmmsg(sv[0], mm, 3, 0));
    printf("lens %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
    char rb[4][16];
    struct iovec ri[4];
    struct mmsghdr rm[4];
    memset(rm, 0, sizeof rm);
    for (int i = 0; i < 4; i++) {
        ri[i].iov_base = rb[i];
        ri[i].iov_len = i == 1 ? 3 : 16;
        rm[i].msg_hdr.msg_iov = &ri[i];
        rm[i].msg_hdr.msg_iovlen = 1;
    }
    CHECK(recvmmsg(sv[1], rm, 4, MSG_DONTWAIT, NULL));
    printf("lens %u %u %u flags %#x %#x %#x\n", rm[0].msg_len, rm[1].msg_len, rm[2].msg_len, rm[0].msg_hdr.msg_flags,
           rm[1].msg_hdr.msg_flags, rm[2].msg_hdr.msg_flags);
    CHECK(recvmmsg(sv[1], rm, 4, MSG_DONTWAIT, NULL));
    CHECK(sendmmsg(sv[0], mm, 2, 0));
    CHECK(recvmmsg(sv[1], rm, 4, MSG_WAITFORONE, NULL));
    /* A bad header after good ones: the count so far. */
    mm[1].msg_hdr.msg_iov = (void *)8;
    CHECK(sendmmsg(sv[0], mm, 3, 0));
    CHECK(sendmmsg(sv[0], (void *)8, 3, 0));
    CHECK(recvmmsg(sv[1], rm, 4, MSG_DONTWAIT, NULL));
    CHECK(sendmmsg(sv[0], mm, 0, 0));
    close(sv[0]);
    close(sv[1]);

    printf("== a large stream transfer through a small buffer\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int sz = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    pid_t pid = fork();
    if (pid == 0) {
        static char blob[1 << 20];
        for (unsigned i = 0; i < sizeof blob; i++)
            blob[i] = (char)(i * 7);
        long w = write(sv[0], blob, sizeof blob);
        _exit(w == sizeof blob ? 0 : 1);
    }
    static char got[1 << 20];
    long total = 0, r;
    while (total < (long)sizeof got && (r = read(sv[1], got + total, sizeof got - total)) > 0)
        total += r;
    int ok = 1;
    for (unsigned i = 0; i < sizeof got; i++)
        ok &= got[i] == (char)(i * 7);
    printf("total=%ld ok=%d\n", total, ok);
    reap("writer", pid);
    return 0;
}
