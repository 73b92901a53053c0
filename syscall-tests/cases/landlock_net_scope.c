/* Landlock's TCP port rules (bind, connect) and scopes (signals, abstract Unix sockets), each in a forked child. */
#include "landlock_common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

static struct sockaddr_in loop(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    return a;
}

/* A listener on an ephemeral loopback port, made before any restriction. */
static int listener(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loop(0);
    socklen_t n = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    listen(s, 4);
    getsockname(s, (struct sockaddr *)&a, &n);
    *port = ntohs(a.sin_port);
    return s;
}

static int tcp(void) { return socket(AF_INET, SOCK_STREAM, 0); }

static void tcp_rules(void)
{
    int allowed_port, other_port;
    int l1 = listener(&allowed_port), l2 = listener(&other_port);
    int rs = ruleset(0, NET_BIND | NET_CONNECT, 0);
    allow_port(rs, allowed_port, NET_CONNECT);
    allow_port(rs, 0, NET_BIND);
    enforce(rs);
    struct sockaddr_in a = loop(allowed_port), b = loop(other_port), any = loop(0);
    CHECK(connect(tcp(), (struct sockaddr *)&a, sizeof a));
    CHECK(connect(tcp(), (struct sockaddr *)&b, sizeof b));
    CHECK(bind(tcp(), (struct sockaddr *)&any, sizeof any)); /* port 0 has a rule */
    CHECK(bind(tcp(), (struct sockaddr *)&b, sizeof b));
    CHECK(connect(tcp(), (struct sockaddr *)&a, 8)); /* too short for a sockaddr_in */
    CHECK(connect(tcp(), (struct sockaddr *)&a, 1));
    struct sockaddr_in unspec = b;
    unspec.sin_family = AF_UNSPEC;
    int s = tcp();
    CHECK(connect(s, (struct sockaddr *)&a, sizeof a));
    CHECK(connect(s, (struct sockaddr *)&unspec, sizeof unspec)); /* dissolving is always allowed */
    CHECK(bind(tcp(), (struct sockaddr *)&unspec, sizeof unspec)); /* not INADDR_ANY */
    struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(other_port), .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    CHECK(bind(tcp(), (struct sockaddr *)&a6, sizeof a6)); /* an IPv6 address on an IPv4 socket */
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK(bind(s6, (struct sockaddr *)&a6, sizeof a6));
    int u = socket(AF_INET, SOCK_DGRAM, 0); /* UDP is not restricted */
    CHECK(bind(u, (struct sockaddr *)&b, sizeof b));
    close(l1); close(l2);
}

static void bind_only(void)
{
    int port;
    int l = listener(&port);
    int rs = ruleset(0, NET_BIND, 0);
    enforce(rs);
    struct sockaddr_in a = loop(port), any = loop(0);
    CHECK(connect(tcp(), (struct sockaddr *)&a, sizeof a)); /* connect is not handled */
    CHECK(bind(tcp(), (struct sockaddr *)&any, sizeof any));
    close(l);
}

static volatile int got;
static void on_usr1(int s) { (void)s; got++; }
static void *thread_kill(void *arg) { (void)arg; return (void *)(long)kill(getpid(), SIGUSR1); }

static void signal_scope(void)
{
    signal(SIGUSR1, on_usr1);
    int gate[2];
    pipe(gate);
    pid_t before = fork();
    if (before == 0) { /* waits for the gate to close, then ends on its own */
        char c;
        close(gate[1]);
        read(gate[0], &c, 1);
        _exit(0);
    }
    close(gate[0]);
    int rs = ruleset(0, 0, SCOPE_SIGNAL);
    enforce(rs);
    CHECK(kill(getppid(), 0));
    CHECK(kill(before, SIGKILL)); /* forked before the restriction: outside the domain */
    CHECK(kill(getpid(), SIGUSR1));
    pthread_t th;
    void *r;
    pthread_create(&th, NULL, thread_kill, NULL);
    pthread_join(th, &r);
    printf("from a thread: %ld, handled %d\n", (long)r, got);
    int ready[2];
    pipe(ready);
    pid_t inside = fork();
    if (inside == 0) {
        /* a nested domain: its parent may signal it, it may not signal its parent */
        int rs2 = ruleset(0, 0, SCOPE_SIGNAL);
        enforce(rs2);
        int r = kill(getppid(), 0);
        printf("nested to parent: %d %s\n", r, errname(errno));
        write(ready[1], "x", 1);
        pause();
        _exit(0);
    }
    char c;
    read(ready[0], &c, 1); /* it has printed and is in its domain */
    CHECK(kill(inside, SIGKILL));
    waitpid(inside, NULL, 0);
    signal(SIGUSR1, SIG_DFL);
    close(gate[1]);
    CHECK(waitpid(before, NULL, 0) == before); /* waiting is no signal */
}

static void signal_outer(void)
{
    /* The parent outside any domain may signal a restricted child. */
    int ready[2];
    pipe(ready);
    pid_t p = fork();
    if (p == 0) {
        int rs = ruleset(0, 0, SCOPE_SIGNAL);
        enforce(rs);
        write(ready[1], "x", 1);
        pause();
        _exit(0);
    }
    char c;
    read(ready[0], &c, 1);
    CHECK(kill(p, SIGTERM));
    int st;
    waitpid(p, &st, 0);
    printf("child: %s\n", WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "exited");
}

static socklen_t abstract(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path + 1, name);
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static void unix_scope(void)
{
    char name[64], name2[64];
    snprintf(name, sizeof name, "landlock_net_scope.%d", getpid());
    snprintf(name2, sizeof name2, "landlock_net_scope.in.%d", getpid());
    struct sockaddr_un a, b, p = { AF_UNIX };
    socklen_t n = abstract(&a, name), n2 = abstract(&b, name2);
    int outside = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(outside, (struct sockaddr *)&a, n);
    listen(outside, 4);
    snprintf(p.sun_path, sizeof p.sun_path, "/tmp/landlock_net_scope.%d", getpid());
    int path_l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(path_l, (struct sockaddr *)&p, sizeof p);
    listen(path_l, 4);
    int dgram_out = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un d;
    char dname[64];
    snprintf(dname, sizeof dname, "landlock_net_scope.d.%d", getpid());
    socklen_t dn = abstract(&d, dname);
    bind(dgram_out, (struct sockaddr *)&d, dn);
    pid_t c = fork();
    if (c == 0) {
        int rs = ruleset(0, 0, SCOPE_ABSTRACT);
        enforce(rs);
        CHECK(connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, n));
        CHECK(connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&p, sizeof p));
        CHECK(sendto(socket(AF_UNIX, SOCK_DGRAM, 0), "x", 1, 0, (struct sockaddr *)&d, dn));
        int inside = socket(AF_UNIX, SOCK_STREAM, 0);
        CHECK(bind(inside, (struct sockaddr *)&b, n2));
        CHECK(listen(inside, 4));
        CHECK(connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&b, n2));
        int sv[2];
        CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    /* the parent, unrestricted, reaches the child's socket name no more (it closed), and its own freely */
    CHECK(connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, n));
    unlink(p.sun_path);
}

static void tracing(void)
{
    pid_t before = fork();
    if (before == 0) { pause(); _exit(0); }
    int rs = ruleset(FS_READ_FILE, 0, 0);
    allow_path(rs, "/", FS_READ_FILE);
    enforce(rs);
    CHECK(ptrace(PTRACE_ATTACH, before, 0, 0)); /* outside the domain */
    static char word[8];
    struct iovec l = { word, sizeof word }, r = { word, sizeof word };
    CHECK(process_vm_readv(before, &l, 1, &r, 1, 0));
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/status", before);
    CHECK(close(open(p, O_RDONLY)));
    pid_t inside = fork();
    if (inside == 0) { pause(); _exit(0); }
    CHECK(ptrace(PTRACE_SEIZE, inside, 0, 0)); /* in the domain */
    kill(inside, SIGKILL);
    waitpid(inside, NULL, 0);
    /* a child forked before its parent's restriction may not ask to be traced by it */
    int gate[2];
    pipe(gate);
    pid_t late = fork();
    if (late == 0) {
        char c;
        read(gate[0], &c, 1);
        long r = ptrace(PTRACE_TRACEME, 0, 0, 0);
        printf("traceme under a more restricted parent: %ld %s\n", r, r ? errname(errno) : "0");
        _exit(0);
    }
    rs = ruleset(FS_READ_FILE, 0, 0);
    enforce(rs);
    write(gate[1], "x", 1);
    waitpid(late, NULL, 0);
    kill(before, SIGKILL); /* a signal is no trace: no scope asked for */
    waitpid(before, NULL, 0);
}

static volatile int sigios;
static void on_sigio(int s) { (void)s; sigios++; }

/* A child makes its parent the owner of an O_ASYNC pipe and writes to it: the parent gets SIGIO unless the
 * child's domain scopes signals. */
static void sigio_owner(int scoped)
{
    struct sigaction sa = { .sa_handler = on_sigio, .sa_flags = SA_RESTART };
    sigaction(SIGIO, &sa, NULL);
    sigios = 0;
    pid_t c = fork();
    if (c == 0) {
        int p[2];
        pipe(p);
        if (scoped) enforce(ruleset(0, 0, SCOPE_SIGNAL));
        fcntl(p[0], F_SETOWN, getppid());
        fcntl(p[0], F_SETFL, O_ASYNC);
        write(p[1], "x", 1);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    /* the write and the writer's close may each send one, coalescing or not: whether any came is what counts */
    printf("%s setter: SIGIO received: %s\n", scoped ? "scoped" : "unscoped", sigios ? "yes" : "no");
    signal(SIGIO, SIG_DFL);
}

static void sigio_scope(void)
{
    sigio_owner(0);
    sigio_owner(1);
}

int main(void)
{
    in_child("tcp port rules", tcp_rules);
    in_child("bind only", bind_only);
    in_child("signal scope", signal_scope);
    in_child("signal into a domain", signal_outer);
    in_child("abstract unix scope", unix_scope);
    in_child("tracing", tracing);
    in_child("SIGIO from a scoped owner", sigio_scope);
    return 0;
}
