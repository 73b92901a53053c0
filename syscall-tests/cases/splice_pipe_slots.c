/* splice into a pipe counts page slots, as Linux: a one-page pipe holding 3,968 bytes has no free slot, so a
 * nonblocking splice of a file page is EAGAIN (a write of 128 bytes still fits) and the file offset stays; a
 * blocking one is interrupted by a signal (EINTR without SA_RESTART) with nothing taken from the file. */
#define _GNU_SOURCE
#include "common.h"
#include <signal.h>
#include <sys/time.h>

static void on_alarm(int sig) { (void)sig; }

int main(void)
{
    char page[4096];
    memset(page, 'f', sizeof page);
    int fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
    CHECK(write(fd, page, sizeof page));
    CHECK(lseek(fd, 0, SEEK_SET));
    int p[2];
    CHECK(pipe(p));
    CHECK(fcntl(p[1], F_SETPIPE_SZ, 4096));
    CHECK(write(p[1], page, 4096 - 128));
    CHECK(splice(fd, NULL, p[1], NULL, 4096, SPLICE_F_NONBLOCK));
    CHECK(lseek(fd, 0, SEEK_CUR));

    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 100000}};
    setitimer(ITIMER_REAL, &it, NULL);
    CHECK(splice(fd, NULL, p[1], NULL, 4096, 0));
    CHECK(lseek(fd, 0, SEEK_CUR));

    CHECK(write(p[1], page, 128)); /* a small write merges into the last page */
    char buf[4096];
    CHECK(read(p[0], buf, sizeof buf)); /* frees the slot */
    CHECK(splice(fd, NULL, p[1], NULL, 4096, SPLICE_F_NONBLOCK));
    CHECK(lseek(fd, 0, SEEK_CUR));
    return 0;
}
