/* listen's backlog: connections queue until accepted, in order; a listener
 * polls readable while any wait; accept on a non-blocking listener. */
#include "net_common.h"

int main(void)
{
    int l = tcp_listener(0, 3);
    struct sockaddr_in a = sin4("127.0.0.1", local_port(l));
    int c[3];
    for (int i = 0; i < 3; i++) {
        c[i] = socket(AF_INET, SOCK_STREAM, 0);
        CHECK(connect(c[i], SA(a), sizeof a));
        char tag = '0' + i;
        CHECK(write(c[i], &tag, 1));
    }
    show_poll("listener", l, 0);
    for (int i = 0; i < 3; i++) {
        int s = CHECK_OK(accept(l, NULL, NULL));
        char tag = 0;
        CHECK(read(s, &tag, 1));
        printf("accepted #%c\n", tag);
        close(s);
    }
    show_poll("listener drained", l, 0);
    fcntl(l, F_SETFL, O_NONBLOCK);
    CHECK(accept(l, NULL, NULL));
    /* listen again changes the backlog; shutdown(SHUT_RD) of a listener stops it */
    CHECK(listen(l, 10));
    CHECK(shutdown(l, SHUT_WR));
    CHECK(accept(l, NULL, NULL));
    CHECK(shutdown(l, SHUT_RD));
    CHECK(accept(l, NULL, NULL));
    int x = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(x, SA(a), sizeof a));
    close(x);
    for (int i = 0; i < 3; i++)
        close(c[i]);
    close(l);

    /* a blocked accept is woken by a connection from another process */
    l = tcp_listener(0, 1);
    a = sin4("127.0.0.1", local_port(l));
    if (fork() == 0) {
        usleep(100000);
        int y = socket(AF_INET, SOCK_STREAM, 0);
        connect(y, SA(a), sizeof a);
        write(y, "!", 1);
        close(y);
        _exit(0);
    }
    int s = CHECK_OK(accept(l, NULL, NULL));
    char ch = 0;
    CHECK(read(s, &ch, 1));
    CHECK(read(s, &ch, 1));
    close(s);
    close(l);
    return 0;
}
