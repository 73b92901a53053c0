/* A read whose copy to the guest fails consumes nothing the guest did not
 * receive; a write from a bad buffer to /dev/null succeeds (nothing is read). */
#include "common.h"
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/uio.h>

static void show(const char *what, const char *buf, long n)
{
    printf("%s: \"%.*s\"\n", what, n > 0 ? (int)n : 0, buf);
}

int main(void)
{
    char buf[64];
    int p[2];
    CHECK(pipe2(p, O_NONBLOCK)); /* a difference shows as EAGAIN, not a hang */
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* A writable page followed by a hole (the hole is made last, so nothing is mapped there). */
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(two + 4096, 4096);

    /* Unmapped, read-only and PROT_NONE buffers: EFAULT, the bytes stay in the pipe. */
    CHECK(write(p[1], "hello", 5));
    CHECK(read(p[0], (void *)8, 5));
    CHECK(read(p[0], ro, 5));
    CHECK(read(p[0], none, 5));
    long n = CHECK(read(p[0], buf, sizeof buf));
    show("after EFAULTs", buf, n);

    /* A buffer that ends after 3 bytes: a pipe buffer is copied whole or not at all (EFAULT, all stays). */
    CHECK(write(p[1], "0123456789", 10));
    n = CHECK(read(p[0], two + 4093, 10));
    show("partial", two + 4093, n);
    n = CHECK(read(p[0], buf, sizeof buf));
    show("rest", buf, n);

    /* readv: the second iovec is bad: the write's buffer does not fit, so nothing is taken. */
    CHECK(write(p[1], "abcdefgh", 8));
    struct iovec iov[2] = {{buf, 4}, {(void *)8, 4}};
    n = CHECK(readv(p[0], iov, 2));
    show("readv", buf, n);
    n = CHECK(read(p[0], buf, sizeof buf));
    show("readv rest", buf, n);

    /* Writes: a bad buffer to a pipe is EFAULT and writes nothing; a half-bad one writes the good part. */
    CHECK(write(p[1], (void *)8, 5));
    memcpy(two + 4093, "xyz", 3);
    CHECK(write(p[1], two + 4093, 10));
    n = CHECK(read(p[0], buf, sizeof buf));
    show("half-bad write", buf, n);

    /* Two writes (two pipe buffers), room for the first only: the first is read, the second stays. */
    CHECK(write(p[1], "abc", 3));
    CHECK(write(p[1], "def", 3));
    n = CHECK(read(p[0], two + 4093, 10));
    show("first buffer", two + 4093, n);
    n = CHECK(read(p[0], buf, sizeof buf));
    show("second buffer", buf, n);

    /* /dev/null and /dev/zero do not read what is written. */
    int dn = open("/dev/null", O_WRONLY);
    CHECK(write(dn, (void *)8, 100));
    CHECK(write(dn, none, 4096));
    int dz = open("/dev/zero", O_WRONLY);
    CHECK(write(dz, (void *)8, 100));

    /* A regular file: a read into a bad buffer does not move the offset. */
    int f = open("/etc/passwd", O_RDONLY);
    CHECK(read(f, (void *)8, 4));
    CHECK(lseek(f, 0, SEEK_CUR));
    CHECK(read(f, two + 4094, 4));
    CHECK(lseek(f, 0, SEEK_CUR));

    /* eventfd: a buffer smaller than 8 bytes is EINVAL. */
    int e = eventfd(5, EFD_NONBLOCK);
    CHECK(read(e, buf, 4));
    CHECK(read(e, two + 4092, 4));
    uint64_t v = 0;
    CHECK(read(e, &v, 8));
    printf("eventfd value %llu\n", (unsigned long long)v);
    return 0;
}
