/* FIFOs made with mkfifo/mknod: stat type, non-blocking opens (ENXIO for
 * a writer without readers), data through the FIFO, EOF, EPIPE with
 * SIGPIPE ignored; mknod of regular files and sockets.  No device nodes
 * (root may create them natively, the sandbox refuses). */
#include "fs_common.h"
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

int main(void)
{
    fs_scratch("/tmp/fs_XXXXXX");
    struct stat st;
    char buf[64];

    CHECK(mkfifo("p", 0644));
    show_lstat("p");
    CHECK(mkfifo("p", 0644));
    CHECK(mkfifo("nodir/p", 0644));
    CHECK(mkfifo("p/", 0644));
    CHECK(mknod("p2", S_IFIFO | 0600, 0));
    show_lstat("p2");
    CHECK(mknodat(AT_FDCWD, "p3", S_IFIFO | 0666, 0)); /* the umask applies */
    show_lstat("p3");

    /* non-blocking opens */
    CHECK(open("p", O_WRONLY | O_NONBLOCK)); /* no reader */
    int r = CHECK_OK(open("p", O_RDONLY | O_NONBLOCK));
    CHECK(fstat(r, &st));
    printf("fstat: %s size %ld\n", ftype(st.st_mode), (long)st.st_size);
    CHECK(read(r, buf, sizeof buf)); /* no writer yet: EOF */
    int w = CHECK_OK(open("p", O_WRONLY | O_NONBLOCK));
    CHECK(read(r, buf, sizeof buf)); /* a writer, no data */
    CHECK(write(w, "ping", 4));
    int n = 0;
    CHECK(ioctl(r, FIONREAD, &n));
    printf("FIONREAD: %d\n", n);
    memset(buf, 0, sizeof buf);
    CHECK(read(r, buf, sizeof buf));
    printf("read: %s\n", buf);
    /* a second reader on the same FIFO shares the data */
    int r2 = CHECK_OK(open("p", O_RDONLY | O_NONBLOCK));
    CHECK(write(w, "abcdef", 6));
    CHECK(read(r2, buf, 3));
    CHECK(read(r, buf, sizeof buf));
    printf("rest: %.3s\n", buf);
    CHECK(close(r2));
    /* not seekable, not truncatable */
    CHECK(lseek(r, 0, SEEK_SET));
    CHECK(lseek(w, 0, SEEK_CUR));
    CHECK(pread(r, buf, 1, 0));
    CHECK(pwrite(w, "x", 1, 0));
    CHECK(ftruncate(w, 0));
    CHECK(fcntl(r, F_GETFL) & (O_ACCMODE | O_NONBLOCK));
    CHECK(fcntl(w, F_GETFL) & (O_ACCMODE | O_NONBLOCK));
    /* the writer goes away: EOF once the data is drained */
    CHECK(write(w, "last", 4));
    CHECK(close(w));
    CHECK(read(r, buf, sizeof buf));
    CHECK(read(r, buf, sizeof buf));
    /* the reader goes away: EPIPE (SIGPIPE ignored) */
    w = CHECK_OK(open("p", O_WRONLY | O_NONBLOCK));
    CHECK(close(r));
    signal(SIGPIPE, SIG_IGN);
    CHECK(write(w, "x", 1));
    CHECK(close(w));

    /* O_RDWR never blocks and is both ends at once */
    int rw = CHECK_OK(open("p", O_RDWR));
    CHECK(write(rw, "self", 4));
    memset(buf, 0, sizeof buf);
    CHECK(read(rw, buf, sizeof buf));
    printf("O_RDWR read: %s\n", buf);
    w = CHECK_OK(open("p", O_WRONLY | O_NONBLOCK)); /* there is a reader now */
    CHECK(write(w, "via w", 5));
    memset(buf, 0, sizeof buf);
    CHECK(read(rw, buf, sizeof buf));
    printf("O_RDWR read: %s\n", buf);
    CHECK(close(w));
    CHECK(fcntl(rw, F_SETFL, O_NONBLOCK));
    CHECK(read(rw, buf, sizeof buf)); /* its own write end stays open */
    CHECK(close(rw));

    /* the data does not survive the last close */
    rw = CHECK_OK(open("p", O_RDWR | O_NONBLOCK));
    CHECK(write(rw, "lost", 4));
    CHECK(close(rw));
    rw = CHECK_OK(open("p", O_RDWR | O_NONBLOCK));
    CHECK(read(rw, buf, sizeof buf));
    CHECK(close(rw));

    /* the FIFO's inode is unaffected by the data: size stays 0 */
    show_lstat("p");
    /* O_PATH, O_TRUNC, O_CREAT on an existing FIFO */
    int pfd = CHECK_OK(open("p", O_PATH));
    CHECK(fstat(pfd, &st));
    printf("O_PATH fstat: %s\n", ftype(st.st_mode));
    CHECK(close(pfd));
    r = CHECK_OK(open("p", O_RDONLY | O_NONBLOCK | O_CREAT, 0644));
    CHECK(close(r));
    CHECK(open("p", O_RDONLY | O_NONBLOCK | O_CREAT | O_EXCL, 0644));
    r = CHECK_OK(open("p", O_RDONLY | O_NONBLOCK | O_TRUNC));
    CHECK(close(r));
    /* a symlink to a FIFO opens the FIFO */
    CHECK(symlink("p", "pl"));
    r = CHECK_OK(open("pl", O_RDONLY | O_NONBLOCK));
    CHECK(fstat(r, &st));
    printf("through symlink: %s\n", ftype(st.st_mode));
    CHECK(close(r));
    /* rename and unlink like any file */
    CHECK(rename("p2", "p4"));
    show_lstat("p4");
    CHECK(unlink("p4"));
    /* an open FIFO keeps working after unlink */
    r = CHECK_OK(open("p3", O_RDONLY | O_NONBLOCK));
    w = CHECK_OK(open("p3", O_WRONLY | O_NONBLOCK));
    CHECK(unlink("p3"));
    CHECK(write(w, "ghost", 5));
    CHECK(read(r, buf, sizeof buf));
    CHECK(close(w));
    CHECK(close(r));

    /* mknod of other non-device types */
    CHECK(mknod("reg", S_IFREG | 0600, 0));
    show_lstat("reg");
    CHECK(mknod("reg0", 0600, 0)); /* type 0 means a regular file */
    show_lstat("reg0");
    CHECK(mknod("sock", S_IFSOCK | 0600, 0));
    show_lstat("sock");
    CHECK(open("sock", O_RDONLY));
    CHECK(mknod("dir", S_IFDIR | 0755, 0));
    CHECK(mknod("lnk", S_IFLNK | 0777, 0));
    CHECK(mknod("bad", 0170000 | 0644, 0));
    CHECK(mknod("reg", S_IFREG | 0600, 0));
    CHECK(mknod("", S_IFIFO | 0600, 0));

    fs_cleanup();
    return 0;
}
