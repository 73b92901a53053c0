/* Abstract names (embedded NULs, exact lengths), autobind, and permission to connect to a socket file. */
#include "net_unix_common.h"

int main(void)
{
    socklen_t len, gl;
    struct sockaddr_un got;
    char name[32];
    /* Names unique per run, never printed: the tag's pid part is compared, not shown. */
    int tag = snprintf(name, sizeof name, "akt%d", (int)getpid());

    printf("== abstract\n");
    struct sockaddr_un a = abstract_addr(name, tag, &len);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(l, (struct sockaddr *)&a, len));
    gl = sizeof got;
    CHECK(getsockname(l, (struct sockaddr *)&got, &gl));
    SHOW(gl == len && memcmp(&got, &a, len) == 0);
    int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(l2, (struct sockaddr *)&a, len));
    /* Another type may: Linux hashes abstract names by type. */
    int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(bind(dg, (struct sockaddr *)&a, len));
    /* A longer name with the same prefix is another name. */
    struct sockaddr_un a2 = abstract_addr(name, tag, &len);
    a2.sun_path[1 + tag] = 0;
    socklen_t len2 = len + 1;
    CHECK(bind(l2, (struct sockaddr *)&a2, len2));
    gl = sizeof got;
    CHECK(getsockname(l2, (struct sockaddr *)&got, &gl));
    printf("getsockname len with a trailing NUL: %d (bound %d)\n", (int)gl - (int)len, (int)len2 - (int)len);
    CHECK(listen(l, 5));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(c, (struct sockaddr *)&a2, len2)); /* bound, not listening */
    CHECK(connect(c, (struct sockaddr *)&a, len - 1)); /* a prefix: nobody */
    CHECK(connect(c, (struct sockaddr *)&a, len));
    gl = sizeof got;
    CHECK(getpeername(c, (struct sockaddr *)&got, &gl));
    SHOW(gl == len && memcmp(&got, &a, len) == 0);
    int s = CHECK_OK(accept(l, NULL, NULL));
    gl = sizeof got;
    CHECK(getsockname(s, (struct sockaddr *)&got, &gl));
    SHOW(gl == len && memcmp(&got, &a, len) == 0);
    /* Embedded NULs and bytes above 127 are part of the name. */
    char odd[] = {'x', 0, 'y', 0, (char)0xff, 0};
    struct sockaddr_un o = abstract_addr(odd, sizeof odd, &len2);
    memcpy(o.sun_path + 1 + sizeof odd, name, tag);
    len2 += tag;
    int ob = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(bind(ob, (struct sockaddr *)&o, len2));
    gl = sizeof got;
    CHECK(getsockname(ob, (struct sockaddr *)&got, &gl));
    SHOW(gl == len2 && memcmp(&got, &o, len2) == 0);
    int os = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(sendto(os, "n", 1, 0, (struct sockaddr *)&o, len2));
    CHECK(recv(ob, name + 20, 1, MSG_DONTWAIT));
    /* The empty abstract name (just the leading NUL): a name of its own. */
    int e = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un en = abstract_addr("", 0, &len2);
    CHECK(connect(e, (struct sockaddr *)&en, len2));
    /* Released at close: bindable again at once. */
    close(s);
    close(c);
    close(l);
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(l, (struct sockaddr *)&a, len));
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(c, (struct sockaddr *)&a, len));
    close(l);
    close(c);

    printf("== autobind\n");
    int ab = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    CHECK(bind(ab, (struct sockaddr *)&fam, sizeof(sa_family_t)));
    gl = sizeof got;
    CHECK(getsockname(ab, (struct sockaddr *)&got, &gl));
    int hex = 1;
    for (int i = 1; i < 6; i++)
        hex &= !!strchr("0123456789abcdef", got.sun_path[i]);
    printf("autobind len=%d leading NUL=%d five hex digits=%d\n", (int)gl, got.sun_path[0] == 0, hex);
    CHECK(bind(ab, (struct sockaddr *)&fam, sizeof(sa_family_t)));
    CHECK(listen(ab, 1));
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(c, (struct sockaddr *)&got, gl));
    close(c);
    /* A datagram socket sending unnamed gets no name; with SO_PASSCRED it is autobound at connect/send. */
    int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(bind(d1, (struct sockaddr *)&fam, sizeof(sa_family_t)));
    gl = sizeof got;
    CHECK(getsockname(d1, (struct sockaddr *)&got, &gl));
    struct sockaddr_un d1name = got;
    socklen_t d1len = gl;
    CHECK(sendto(d2, "a", 1, 0, (struct sockaddr *)&d1name, d1len));
    gl = sizeof got;
    CHECK(recvfrom(d1, name, 1, 0, (struct sockaddr *)&got, &gl));
    printf("from unnamed: len=%d\n", (int)gl);
    int one = 1;
    CHECK(setsockopt(d2, SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
    CHECK(sendto(d2, "a", 1, 0, (struct sockaddr *)&d1name, d1len));
    gl = sizeof got;
    CHECK(recvfrom(d1, name, 1, 0, (struct sockaddr *)&got, &gl));
    printf("from SO_PASSCRED sender: len=%d\n", (int)gl);
    gl = sizeof got;
    CHECK(getsockname(d2, (struct sockaddr *)&got, &gl));
    printf("its own name: len=%d\n", (int)gl);
    int d3 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(setsockopt(d3, SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
    CHECK(connect(d3, (struct sockaddr *)&a, len));
    gl = sizeof got;
    CHECK(getsockname(d3, (struct sockaddr *)&got, &gl));
    printf("stream SO_PASSCRED after refused connect: len=%d\n", (int)gl);

    printf("== permission\n");
    const char *dir = scratch_path("unixperm");
    mkdir(dir, 0777);
    chmod(dir, 0777);
    if (chdir(dir) < 0)
        return 1;
    umask(0);
    struct sockaddr_un p = path_addr("s", &len);
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(l, (struct sockaddr *)&p, len));
    CHECK(listen(l, 5));
    struct sockaddr_un dp = path_addr("d", &len2);
    int ds = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(bind(ds, (struct sockaddr *)&dp, len2));
    mkdir("ro", 0755);
    fcntl(l, F_SETFL, O_NONBLOCK);
    for (int mode = 0; mode < 3; mode++) {
        int m = mode == 0 ? 0777 : mode == 1 ? 0755 : 0757;
        chmod("s", m);
        chmod("d", m);
        pid_t pid = fork();
        if (pid == 0) {
            if (setgid(1000) < 0 || setuid(1000) < 0)
                _exit(9);
            int x = socket(AF_UNIX, SOCK_STREAM, 0);
            int rc = connect(x, (struct sockaddr *)&p, len);
            printf("mode %o: uid 1000 connect = %s\n", m, rc == 0 ? "0" : errname(errno));
            int y = socket(AF_UNIX, SOCK_DGRAM, 0);
            rc = sendto(y, "z", 1, 0, (struct sockaddr *)&dp, len2);
            printf("mode %o: uid 1000 sendto = %s\n", m, rc == 1 ? "1" : errname(errno));
            /* bind in a directory it may not write. */
            struct sockaddr_un q = path_addr("ro/x", &len);
            rc = bind(y, (struct sockaddr *)&q, len);
            printf("bind where not writable = %s\n", rc == 0 ? "0" : errname(errno));
            _exit(0);
        }
        reap("child", pid);
        int acc = accept(l, NULL, NULL);
        printf("accepted: %s\n", acc >= 0 ? "yes" : errname(errno));
        close(acc);
    }
    /* A search-denied directory on the way: EACCES too. */
    mkdir("sub", 0700);
    struct sockaddr_un sp = path_addr("sub/s", &len);
    int ss = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(ss, (struct sockaddr *)&sp, len));
    CHECK(listen(ss, 1));
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(1000) < 0 || setuid(1000) < 0)
            _exit(9);
        int x = socket(AF_UNIX, SOCK_STREAM, 0);
        printf("through a 0700 directory: %s\n", connect(x, (struct sockaddr *)&sp, len) == 0 ? "0" : errname(errno));
        _exit(0);
    }
    reap("child", pid);
    rmdir("ro");
    unlink("sub/s");
    rmdir("sub");
    unlink("s");
    unlink("d");
    if (chdir("/") == 0)
        rmdir(dir);
    return 0;
}
