/* I/O edges: an iovec past the user address space is EFAULT even after a good one (import_iovec checks them all
 * first), access mode 3 opens for neither reading nor writing, ppoll writes back the time not slept, and chown
 * drops a file capability (security.capability) even when the owner stays. */
#include "common.h"
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/xattr.h>

int main(void)
{
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/io-edges-%d", (int)getpid());
    int fd = open(path, O_CREAT | O_RDWR, 0644);
    write(fd, "0123456789", 10);

    puts("-- iovecs");
    char a[4], b[4];
    struct iovec iov[2] = {{a, sizeof a}, {(void *)0x7ffffffff000UL, 4}};
    CHECK(preadv(fd, iov, 2, 0));
    iov[1] = (struct iovec){(void *)-4096L, 8};
    CHECK(preadv(fd, iov, 2, 0));
    iov[1] = (struct iovec){b, (size_t)-1};
    CHECK(preadv(fd, iov, 2, 0));
    iov[1] = (struct iovec){b, sizeof b};
    CHECK(preadv(fd, iov, 2, 0));
    iov[1] = (struct iovec){(void *)0x7ffffffff000UL, 4};
    CHECK(pwritev(fd, iov, 2, 0));

    puts("-- access mode 3");
    int both = CHECK_OK(open(path, O_WRONLY | O_RDWR));
    char c;
    CHECK(read(both, &c, 1));
    CHECK(write(both, &c, 1));
    CHECK(fcntl(both, F_GETFL) & O_ACCMODE);
    close(both);

    puts("-- ppoll's time left");
    struct timespec ts = {0, 10000000};
    CHECK(ppoll(NULL, 0, &ts, NULL));
    printf("left: %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    int p[2];
    pipe(p);
    write(p[1], "x", 1);
    struct pollfd pf = {p[0], POLLIN, 0};
    ts = (struct timespec){5, 0};
    CHECK(ppoll(&pf, 1, &ts, NULL));
    printf("ready at once, most left: %s\n", ts.tv_sec == 4 || (ts.tv_sec == 5 && ts.tv_nsec == 0) ? "yes" : "no");
    ts = (struct timespec){0, 0};
    CHECK(ppoll(&pf, 1, &ts, NULL));
    printf("zero stays: %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);

    puts("-- chown and a file capability");
    /* struct vfs_cap_data, revision 2: CAP_NET_BIND_SERVICE permitted */
    unsigned caps[5] = {0x02000000, 1u << 10, 0, 0, 0};
    CHECK(setxattr(path, "security.capability", caps, sizeof caps, 0));
    CHECK(getxattr(path, "security.capability", NULL, 0));
    CHECK(chown(path, -1, -1));
    CHECK(getxattr(path, "security.capability", NULL, 0));
    CHECK(setxattr(path, "security.capability", caps, sizeof caps, 0));
    CHECK(fchown(fd, 1000, 1000));
    CHECK(getxattr(path, "security.capability", NULL, 0));

    close(fd);
    unlink(path);

    /* a file may be as large as an offset can say (tmpfs's MAX_LFS_FILESIZE); a range whose end is past that is
     * EINVAL before the file is looked at (rw_verify_area), for plain and vector calls */
    int mfd = memfd_create("edges", 0);
    char small[10];
    CHECK(ftruncate(mfd, 0x7fffffffffffffffLL));
    CHECK(pread(mfd, small, sizeof small, 0x7fffffffffffffffLL));
    CHECK(pwrite(mfd, small, sizeof small, 0x7ffffffffffffffcLL));
    CHECK(pread(mfd, small, sizeof small, 0x7ffffffffffffff0LL));
    struct iovec big[2] = {{small, 8}, {small, 8}};
    CHECK(preadv(mfd, big, 2, 0x7ffffffffffffff4LL));
    CHECK(pread(mfd, small, 0, 0x7fffffffffffffffLL));
    CHECK(ftruncate(mfd, 0));
    close(mfd);

    /* O_DIRECT: regular files of file systems with data only (checked once the file is open) */
    CHECK(open("/tmp", O_RDONLY | O_DIRECT));
    CHECK(open("/proc/self/status", O_RDONLY | O_DIRECT));
    CHECK(open("/dev/null", O_RDONLY | O_DIRECT));
    CHECK(open("/dev/tty", O_RDONLY | O_DIRECT));
    int dio = CHECK_OK(open("/tmp/io_edges_direct", O_RDWR | O_CREAT | O_DIRECT, 0600));
    close(dio);
    unlink("/tmp/io_edges_direct");

    /* mincore's range must be user addresses before its length is rounded */
    unsigned char vec[4];
    CHECK(mincore(NULL, (size_t)-1, vec));
    CHECK(mincore(NULL, 0x800000000000UL, vec));
    return 0;
}
