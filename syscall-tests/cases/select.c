/* select and pselect6 on pipes: timeouts, readiness, EBADF. */
#include "common.h"
#include <sys/select.h>

int main(void)
{
    int p[2];
    CHECK(pipe(p));
    fd_set r, w;
    struct timeval zero = {0, 0};
    FD_ZERO(&r); FD_SET(p[0], &r);
    FD_ZERO(&w); FD_SET(p[1], &w);
    CHECK(select(p[1] + 1, &r, &w, NULL, &zero));
    printf("read ready %d, write ready %d\n", FD_ISSET(p[0], &r), FD_ISSET(p[1], &w));
    CHECK(write(p[1], "x", 1));
    FD_ZERO(&r); FD_SET(p[0], &r);
    struct timespec ts = {1, 0};
    CHECK(pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL));
    printf("read ready %d\n", FD_ISSET(p[0], &r));
    struct timeval tv = {0, 50000};
    FD_ZERO(&r); FD_SET(p[0], &r);
    char c; read(p[0], &c, 1);
    CHECK(select(p[0] + 1, &r, NULL, NULL, &tv));   /* times out */
    close(p[1]);
    FD_ZERO(&r); FD_SET(p[0], &r);
    CHECK(select(p[0] + 1, &r, NULL, NULL, NULL));  /* EOF is readable */
    FD_ZERO(&r); FD_SET(40, &r);
    CHECK(select(41, &r, NULL, NULL, &zero));       /* EBADF */
    struct timeval bad = {0, 2000000};
    CHECK(select(1, NULL, NULL, NULL, &bad));       /* EINVAL */
    return 0;
}
