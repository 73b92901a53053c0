/* fstatfs of files with no path: a pipe (pipefs), a socket (sockfs), an eventfd (anon_inodefs); and positional
 * reads and writes on a pipe: ESPIPE before the access mode is checked (Linux's order). */
#include "common.h"
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/uio.h>

static void show(const char *what, int fd)
{
    struct statfs st;
    memset(&st, 0x5a, sizeof st);
    if (fstatfs(fd, &st) != 0) { printf("%s: fstatfs %s\n", what, errname(errno)); return; }
    printf("%s: type %lx bsize %ld blocks %ld bfree %ld bavail %ld files %ld ffree %ld namelen %ld frsize %ld flags %lx\n",
           what, (long)st.f_type, (long)st.f_bsize, (long)st.f_blocks, (long)st.f_bfree, (long)st.f_bavail,
           (long)st.f_files, (long)st.f_ffree, (long)st.f_namelen, (long)st.f_frsize, (long)st.f_flags);
}

int main(void)
{
    int p[2], s[2];
    CHECK(pipe(p));
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
    int e = eventfd(0, 0);
    show("pipe", p[0]);
    show("socket", s[0]);
    show("eventfd", e);

    char b[4];
    struct iovec iov = { b, sizeof b };
    CHECK(pread(p[1], b, sizeof b, 0));
    CHECK(pwrite(p[0], b, sizeof b, 0));
    CHECK(preadv(p[1], &iov, 1, 0));
    CHECK(pwritev(p[0], &iov, 1, 0));
    CHECK(pread(p[1], b, sizeof b, -1));
    CHECK(pread(1000, b, sizeof b, -1));
    CHECK(pread(1000, b, sizeof b, 0));
    int path = open("/", O_PATH);
    CHECK(pread(path, b, sizeof b, 0));
    return 0;
}
