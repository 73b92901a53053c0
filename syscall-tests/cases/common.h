/* Shared helpers for the differential syscall tests.
 *
 * Every case prints only values that are identical between a native run and
 * a sandboxed run: no pids, addresses, times, inode numbers or host kernel
 * details.  stdout is unbuffered so partial output survives a crash and
 * printf output never reorders with raw write(1, ...) calls.
 */
#ifndef SYSCALL_TESTS_COMMON_H
#define SYSCALL_TESTS_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The cases pass bad pointers and sizes on purpose. */
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#pragma GCC diagnostic ignored "-Wrestrict"
#pragma GCC diagnostic ignored "-Wnonnull"
#pragma GCC diagnostic ignored "-Wunused-result"

__attribute__((unused)) static const char *errname(int e)
{
    if (e == 0)
        return "0";
    const char *n = strerrorname_np(e);
    static char buf[32];
    if (n)
        return n;
    snprintf(buf, sizeof buf, "E#%d", e);
    return buf;
}

__attribute__((constructor)) static void common_init(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
}

/* CHECK(expr): run a call returning an integer; print the call text and
 * its result, or "-1 ENAME" on failure.  Use only when the value itself is
 * deterministic (counts, 0/-1, values we chose). */
#define CHECK(...)                                                            \
    ({                                                                        \
        errno = 0;                                                            \
        long _r = (long)(__VA_ARGS__);                                        \
        int _e = errno;                                                       \
        if (_r == -1)                                                         \
            printf("%s = -1 %s\n", #__VA_ARGS__, errname(_e));                \
        else                                                                  \
            printf("%s = %ld\n", #__VA_ARGS__, _r);                           \
        errno = _e;                                                           \
        _r;                                                                   \
    })

/* CHECK_OK(expr): like CHECK, but prints "ok" instead of a non-negative
 * value that may differ between runs (fds, pids, sizes of host objects). */
#define CHECK_OK(...)                                                         \
    ({                                                                        \
        errno = 0;                                                            \
        long _r = (long)(__VA_ARGS__);                                        \
        int _e = errno;                                                       \
        if (_r == -1)                                                         \
            printf("%s = -1 %s\n", #__VA_ARGS__, errname(_e));                \
        else if (_r < 0)                                                      \
            printf("%s = negative (%ld)\n", #__VA_ARGS__, _r);                \
        else                                                                  \
            printf("%s = ok\n", #__VA_ARGS__);                                \
        errno = _e;                                                           \
        _r;                                                                   \
    })

/* CHECK_PTR(expr): for calls returning a pointer with MAP_FAILED / NULL as
 * the error value (mmap, mremap, shmat ...).  Never prints the address. */
#define CHECK_PTR(...)                                                        \
    ({                                                                        \
        errno = 0;                                                            \
        void *_p = (void *)(__VA_ARGS__);                                     \
        int _e = errno;                                                       \
        if (_p == (void *)-1 || _p == NULL)                                   \
            printf("%s = %s %s\n", #__VA_ARGS__, _p ? "MAP_FAILED" : "NULL",  \
                   errname(_e));                                              \
        else                                                                  \
            printf("%s = ok\n", #__VA_ARGS__);                                \
        errno = _e;                                                           \
        _p;                                                                   \
    })

/* SHOW(cond): print a boolean fact. */
#define SHOW(...) printf("%s: %s\n", #__VA_ARGS__, (__VA_ARGS__) ? "yes" : "no")

/* A scratch file path under /tmp, unique per process; the name is never
 * printed.  Needs a writable /tmp (in the sandbox: the overlay's upper
 * layer). */
static inline const char *scratch_path(const char *tag)
{
    static char path[128];
    snprintf(path, sizeof path, "/tmp/appkernel-syscall-test-%s-%d", tag,
             (int)getpid());
    return path;
}

static inline const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* slurp(path): reads a whole (small) file into buf, NUL-terminated; prints and returns -1 if it cannot be opened. */
__attribute__((unused)) static char buf[1 << 17];

__attribute__((unused)) static long slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("open %s: %s\n", path, errname(errno));
        buf[0] = 0;
        return -1;
    }
    long n = 0, r;
    while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    buf[n] = 0;
    close(fd);
    return n;
}

/* Keeps the CPU busy in user space for ms milliseconds (CPU-time accounting cases). */
__attribute__((unused)) static void burn_cpu_ms(long ms)
{
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    volatile unsigned long sink = 0;
    do {
        for (int i = 0; i < 100000; i++) sink += i;
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

#endif
