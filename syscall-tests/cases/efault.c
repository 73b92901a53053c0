/* Bad guest pointers must give EFAULT, never crash the kernel. */
#include "common.h"
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>

int main(void)
{
    int fd = open("/etc/passwd", O_RDONLY);
    CHECK(read(fd, (void *)1, 10));
    CHECK(write(1, (void *)1, 10));
    CHECK(open((char *)1, O_RDONLY));
    CHECK(openat(AT_FDCWD, (char *)-4096L, O_RDONLY));
    CHECK(stat((char *)1, (struct stat *)1));
    CHECK(fstat(fd, (struct stat *)8));
    CHECK(pread(fd, (void *)0xffffffffffff0000UL, 10, 0));
    CHECK(syscall(SYS_uname, (void *)1));
    CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (struct timespec *)1)); /* not the vDSO */
    CHECK(syscall(SYS_pipe2, (int *)1, 0));
    CHECK(syscall(SYS_getrandom, (void *)1, 16, 0));
    CHECK(access((char *)1, F_OK));
    CHECK(chdir((char *)1));
    CHECK(readv(fd, (struct iovec *)1, 1));

    /* a buffer that runs from mapped into unmapped memory */
    long pg = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(m + pg, pg);
    CHECK(lseek(fd, 0, SEEK_SET));
    long r = read(fd, m + pg - 16, 64); /* Linux returns the bytes it could copy */
    printf("read across the end of a mapping: %s\n",
           r == 16 ? "16" : r == -1 && errno == EFAULT ? "EFAULT" : "other");
    CHECK(write(1, m + pg, 4));
    /* a read-only buffer */
    CHECK(mprotect(m, pg, PROT_READ));
    CHECK(read(fd, m, 4));
    CHECK(pipe((int *)m));
    CHECK(mprotect(m, pg, PROT_NONE));
    CHECK(write(1, m, 4));
    /* the process is still healthy */
    CHECK(write(1, "still alive\n", 12));
    return 0;
}
