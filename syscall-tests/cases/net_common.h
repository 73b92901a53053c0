/* Helpers for the net_* cases: loopback addresses, address printing (ports
 * only when fixed by the case), readiness as text. */
#ifndef NET_COMMON_H
#define NET_COMMON_H
#include "common.h"
#include "net_fresh_netns.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static inline struct sockaddr_in sin4(const char *ip, int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static inline struct sockaddr_in6 sin6(const char *ip, int port)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return a;
}

/* Natively each case runs in a network namespace of its own, as the sandbox's is: the host's ports in use
 * and its ip_local_port_range (which reaches into the cases' fixed ports on some hosts) stay out of it. */
__attribute__((constructor)) static void net_case_netns(void)
{
    fresh_netns();
}

#define SA(x) ((struct sockaddr *)&(x))

/* Prints a sockaddr: family, address, and the port unless the kernel chose it. */
__attribute__((unused)) static void show_addr(const char *what, const struct sockaddr_storage *ss, socklen_t len)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = -1;
    const char *fam = "other";
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)ss;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        port = ntohs(a->sin_port);
        fam = "AF_INET";
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        port = ntohs(a->sin6_port);
        fam = "AF_INET6";
    }
    /* The cases' fixed ports are 20000-20099; any other nonzero port is one the kernel chose (from a fresh
     * namespace's ip_local_port_range, 32768-60999, as the sandbox's). */
    if (port >= 1024 && (port < 20000 || port > 20099))
        printf("%s: len %d %s %s port ephemeral\n", what, (int)len, fam, ip);
    else
        printf("%s: len %d %s %s port %d\n", what, (int)len, fam, ip, port);
}

__attribute__((unused)) static void sockname(const char *what, int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    memset(&ss, 0, sizeof ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        printf("%s: getsockname -1 %s\n", what, errname(errno));
        return;
    }
    show_addr(what, &ss, len);
}

__attribute__((unused)) static void peername(const char *what, int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    memset(&ss, 0, sizeof ss);
    if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0) {
        printf("%s: getpeername -1 %s\n", what, errname(errno));
        return;
    }
    show_addr(what, &ss, len);
}

static inline int local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    return ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
                                   : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* The poll events of fd (timeout ms), by name. */
__attribute__((unused)) static void show_poll(const char *what, int fd, int timeout)
{
    struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP | POLLPRI };
    int n = poll(&p, 1, timeout);
    printf("%s: poll %d:", what, n);
    if (p.revents & POLLIN) printf(" IN");
    if (p.revents & POLLPRI) printf(" PRI");
    if (p.revents & POLLOUT) printf(" OUT");
    if (p.revents & POLLRDHUP) printf(" RDHUP");
    if (p.revents & POLLERR) printf(" ERR");
    if (p.revents & POLLHUP) printf(" HUP");
    if (p.revents & POLLNVAL) printf(" NVAL");
    printf("\n");
}

__attribute__((unused)) static int sockopt_int(int fd, int level, int name)
{
    int v = -12345;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len) < 0)
        return -errno - 100000;
    return v;
}

__attribute__((unused)) static void show_error(const char *what, int fd)
{
    int v = 0;
    socklen_t len = sizeof v;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len);
    printf("%s: SO_ERROR %s\n", what, errname(v));
}

/* A listening TCP socket on 127.0.0.1:port (port 0: ephemeral). */
__attribute__((unused)) static int tcp_listener(int port, int backlog)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = sin4("127.0.0.1", port);
    if (bind(s, SA(a), sizeof a) < 0 || listen(s, backlog) < 0) {
        printf("tcp_listener: %s\n", errname(errno));
        exit(1);
    }
    return s;
}

/* A connected pair over loopback: *client and the accepted *server. */
__attribute__((unused)) static void tcp_pair(int *client, int *server)
{
    int l = tcp_listener(0, 4);
    struct sockaddr_in a = sin4("127.0.0.1", local_port(l));
    *client = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(*client, SA(a), sizeof a) < 0) {
        printf("tcp_pair connect: %s\n", errname(errno));
        exit(1);
    }
    *server = accept(l, NULL, NULL);
    close(l);
}

#endif
