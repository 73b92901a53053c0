/* splice: file to pipe and pipe to file (with and without offsets), and the errors Linux gives for two non-pipes,
 * an offset on a pipe, unknown flags, and an empty pipe with SPLICE_F_NONBLOCK. Needs a writable /tmp. */
#include "common.h"

int main(void)
{
    const char *path = scratch_path("splice");
    int f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(write(f, "0123456789abcdef", 16));
    CHECK(lseek(f, 0, SEEK_SET));
    int p[2];
    CHECK(pipe(p));
    char buf[32] = {0};

    /* file -> pipe at the file offset, then at an explicit offset (the file offset stays) */
    CHECK(splice(f, NULL, p[1], NULL, 4, 0));
    CHECK(lseek(f, 0, SEEK_CUR));
    loff_t off = 10;
    CHECK(splice(f, &off, p[1], NULL, 100, 0));
    CHECK(off);
    CHECK(lseek(f, 0, SEEK_CUR));
    CHECK(read(p[0], buf, sizeof buf));
    printf("pipe had: %s\n", buf);

    /* pipe -> file at an offset, taking only what is asked for */
    CHECK(write(p[1], "XYZW", 4));
    off = 2;
    CHECK(splice(p[0], NULL, f, &off, 3, 0));
    CHECK(off);
    memset(buf, 0, sizeof buf);
    CHECK(pread(f, buf, 16, 0));
    printf("file now: %s\n", buf);
    CHECK(read(p[0], buf, 1));

    /* errors */
    int g = open(path, O_RDWR);
    CHECK(splice(f, NULL, g, NULL, 4, 0));           /* no pipe */
    off = 0;
    CHECK(splice(p[0], &off, f, NULL, 4, 0));        /* offset on the pipe */
    CHECK(splice(f, NULL, p[1], NULL, 4, 0x100));    /* unknown flag */
    CHECK(splice(p[0], NULL, f, NULL, 4, SPLICE_F_NONBLOCK)); /* empty pipe */
    CHECK(splice(f, NULL, p[1], NULL, 0, 0));        /* nothing asked */
    CHECK(splice(p[0], NULL, p[1], NULL, 4, 0));     /* one pipe to itself */
    CHECK(splice(99, NULL, p[1], NULL, 4, 0));
    /* EOF: no writer, empty pipe */
    close(p[1]);
    CHECK(splice(p[0], NULL, f, NULL, 4, 0));
    unlink(path);
    return 0;
}
