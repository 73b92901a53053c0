/* TCP under concurrency: an echo server thread per connection, clients in
 * threads each checking its own stream; a signal interrupting a blocked
 * accept (EINTR without SA_RESTART) and a blocked recv (restarted with it). */
#include "net_common.h"
#include <pthread.h>
#include <sys/wait.h>

#define CLIENTS 8
#define ROUNDS 200

static int port;

static void *echo(void *arg)
{
    int s = (int)(long)arg;
    char buf[4096];
    int n;
    while ((n = read(s, buf, sizeof buf)) > 0) {
        int done = 0;
        while (done < n) {
            int w = write(s, buf + done, n - done);
            if (w <= 0)
                goto out;
            done += w;
        }
    }
out:
    close(s);
    return NULL;
}

static void *server(void *arg)
{
    int l = (int)(long)arg;
    for (int i = 0; i < CLIENTS; i++) {
        int s = accept(l, NULL, NULL);
        if (s < 0)
            break;
        pthread_t t;
        pthread_create(&t, NULL, echo, (void *)(long)s);
        pthread_detach(t);
    }
    return NULL;
}

static void *client(void *arg)
{
    long id = (long)arg;
    int c = socket(id % 2 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    int r;
    if (id % 2) {
        struct sockaddr_in6 a = sin6("::ffff:127.0.0.1", port);
        r = connect(c, SA(a), sizeof a);
    } else {
        struct sockaddr_in a = sin4("127.0.0.1", port);
        r = connect(c, SA(a), sizeof a);
    }
    if (r < 0)
        return (void *)1L;
    long bad = 0;
    char out[512], in[512];
    for (int i = 0; i < ROUNDS; i++) {
        int len = 1 + (i * 37 + id) % sizeof out;
        for (int j = 0; j < len; j++)
            out[j] = (char)(id * 31 + i + j);
        if (write(c, out, len) != len)
            return (void *)2L;
        int got = 0;
        while (got < len) {
            int n = read(c, in + got, len - got);
            if (n <= 0)
                return (void *)3L;
            got += n;
        }
        if (memcmp(in, out, len))
            bad++;
    }
    close(c);
    return (void *)(bad ? 4L : 0L);
}

static void on_alarm(int sig) { (void)sig; }

int main(void)
{
    int l = tcp_listener(0, CLIENTS);
    port = local_port(l);
    /* the listener must take v4-mapped clients too: a dual-stack one */
    close(l);
    l = socket(AF_INET6, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in6 any = sin6("::", port);
    CHECK(bind(l, SA(any), sizeof any));
    CHECK(listen(l, CLIENTS));
    pthread_t srv, cl[CLIENTS];
    pthread_create(&srv, NULL, server, (void *)(long)l);
    for (long i = 0; i < CLIENTS; i++)
        pthread_create(&cl[i], NULL, client, (void *)i);
    int failures = 0;
    for (int i = 0; i < CLIENTS; i++) {
        void *r;
        pthread_join(cl[i], &r);
        if (r)
            failures++;
    }
    pthread_join(srv, NULL);
    printf("clients failed: %d\n", failures);

    /* EINTR: a blocked accept and a signal without SA_RESTART */
    struct sigaction sa = { .sa_handler = on_alarm };
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    CHECK(accept(l, NULL, NULL));
    /* with SA_RESTART a blocked recv continues and gets the data */
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    int c, s;
    tcp_pair(&c, &s);
    if (fork() == 0) {
        usleep(1500000);
        write(c, "after", 5);
        _exit(0);
    }
    alarm(1);
    char buf[16] = { 0 };
    CHECK(read(s, buf, sizeof buf));
    printf("read '%s'\n", buf);
    wait(NULL);
    close(c);
    close(s);
    close(l);
    return 0;
}
