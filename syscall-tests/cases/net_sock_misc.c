/* Socket odds and ends: a negative SO_RCVTIMEO fails a blocking read at once (Linux's sock_set_timeout makes it
 * 0 jiffies) and reads back as 0; FIOASYNC on a socket is accepted. */
#include "common.h"
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

int main(void)
{
    int sv[2];
    char c;
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct timeval tv = { .tv_sec = -1, .tv_usec = 0 };
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    CHECK(read(sv[0], &c, 1));
    socklen_t len = sizeof tv;
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &len));
    printf("timeout read back: %ld %ld\n", (long)tv.tv_sec, (long)tv.tv_usec);
    int on = 1;
    CHECK(ioctl(sv[1], FIOASYNC, &on));
    SHOW((fcntl(sv[1], F_GETFL) & O_ASYNC) != 0);
    return 0;
}
