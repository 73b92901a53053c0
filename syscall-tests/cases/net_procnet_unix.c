/* /proc/net/unix lists the namespace's Unix sockets: a listener (__SO_ACCEPTCON), an accepted connection (it
 * shows the listener's name), abstract names with '@', a bound datagram socket; the inode column is the
 * socket's. Rows come in hash order, so they are sorted here. */
#include "common.h"
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stddef.h>
#include <sys/un.h>

static const char *path = "/tmp/procnet_unix_case.sock";

static int bound(int type, const char *name, int abstract)
{
    int s = socket(AF_UNIX, type, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path + (abstract ? 1 : 0), name);
    socklen_t len = offsetof(struct sockaddr_un, sun_path) + strlen(name) + (abstract ? 1 : 1);
    CHECK(bind(s, (void *)&a, len));
    return s;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

int main(void)
{
    unshare(CLONE_NEWNET); /* natively: only this case's sockets; the sandbox has only its own anyway */
    unlink(path);
    int l = bound(SOCK_STREAM, path, 0);
    CHECK(listen(l, 5));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, path);
    CHECK(connect(c, (void *)&a, sizeof a));
    int acc;
    CHECK_OK(acc = accept(l, NULL, NULL));
    int abs = bound(SOCK_SEQPACKET, "procnet-abstract", 1);
    CHECK(listen(abs, 1));
    int dg = bound(SOCK_DGRAM, "procnet-dgram", 1);
    struct stat st;
    fstat(dg, &st);

    FILE *f = fopen("/proc/net/unix", "r");
    char line[512], *rows[64];
    int n = 0;
    fgets(line, sizeof line, f);
    printf("header: %s", line);
    while (fgets(line, sizeof line, f) && n < 64) {
        char num[32], p[256] = "";
        unsigned ref, proto, flags, type, state;
        unsigned long ino;
        if (sscanf(line, "%31s %x %x %x %x %x %lu %255s", num, &ref, &proto, &flags, &type, &state, &ino, p) < 7)
            continue;
        if (!strstr(p, "procnet"))
            continue;
        char *r = malloc(400);
        snprintf(r, 400, "proto %u flags %08x type %04x st %02x path %s%s\n", proto, flags, type, state, p,
                 ino == st.st_ino ? " (inode matches fstat)" : "");
        rows[n++] = r;
    }
    fclose(f);
    qsort(rows, n, sizeof rows[0], cmp);
    for (int i = 0; i < n; i++)
        fputs(rows[i], stdout);
    close(acc), close(c), close(l), close(abs), close(dg);
    unlink(path);
    /* Closed sockets leave the list. */
    f = fopen("/proc/net/unix", "r");
    int left = 0;
    while (fgets(line, sizeof line, f))
        left += strstr(line, "procnet") != NULL;
    fclose(f);
    printf("left after close: %d\n", left);
    return 0;
}
