/* The kernel key service, in a child that joins a fresh anonymous session keyring (nothing is left on the host:
 * every key made is revoked or unlinked, the session is cleared, and it goes with the child): the session keyring's
 * description; add_key of user, logon and keyring keys (default permissions, update in place, the type checks);
 * DESCRIBE (a short buffer gets nothing, the length comes back), READ (partial, a keyring's serials), UPDATE,
 * SEARCH, LINK/UNLINK (cycles EDEADLK), SETPERM (0 locks the owner out), REVOKE, INVALIDATE, CLEAR, the special
 * ids (thread and process keyrings made on request), named session keyrings, SET_REQKEY_KEYRING, request_key
 * without a helper, a fork child's session keyring, and the byte quota of an ordinary user; /proc/sys/kernel/keys
 * (the quotas take root's writes of values from 0 up; the value is written back unchanged, so the host keeps it). */
#include "common.h"
#include <linux/keyctl.h>
#include <sys/wait.h>

static long add_key(const char *type, const char *desc, const void *p, size_t n, long ring)
{
    return syscall(SYS_add_key, type, desc, p, n, ring);
}
static long keyctl(int op, long a2, long a3, long a4, long a5) { return syscall(SYS_keyctl, op, a2, a3, a4, a5); }
static long request_key(const char *type, const char *desc, const char *info, long dest)
{
    return syscall(SYS_request_key, type, desc, info, dest);
}

static void describe(const char *what, long id)
{
    char buf[256];
    long n = keyctl(KEYCTL_DESCRIBE, id, (long)buf, sizeof buf, 0);
    if (n < 0) printf("describe %s: %s\n", what, errname(errno));
    else printf("describe %s: %s (%ld)\n", what, buf, n);
}

static void readkey(const char *what, long id, size_t len)
{
    char buf[64] = { 0 };
    long n = keyctl(KEYCTL_READ, id, (long)buf, len, 0);
    if (n < 0) printf("read %s: %s\n", what, errname(errno));
    else printf("read %s: %ld \"%s\"\n", what, n, buf);
}

static void session(void)
{
    long ses = CHECK_OK(keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0));
    SHOW(keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0) == ses);
    describe("@s", KEY_SPEC_SESSION_KEYRING);

    long k1 = CHECK_OK(add_key("user", "k1", "hello", 5, KEY_SPEC_SESSION_KEYRING));
    describe("k1", k1);
    readkey("k1", k1, 64);
    readkey("k1 into 2 bytes", k1, 2);
    CHECK(keyctl(KEYCTL_READ, k1, 0, 0, 0));
    CHECK(keyctl(KEYCTL_UPDATE, k1, (long)"world!", 6, 0));
    readkey("k1 updated", k1, 64);
    SHOW(add_key("user", "k1", "again", 5, KEY_SPEC_SESSION_KEYRING) == k1);
    readkey("k1 re-added", k1, 64);
    SHOW(keyctl(KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, (long)"user", (long)"k1", 0) == k1);
    CHECK(keyctl(KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, (long)"user", (long)"nope", 0));
    CHECK(keyctl(KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, (long)"nosuchtype", (long)"k1", 0));
    SHOW(request_key("user", "k1", NULL, 0) == k1);
    CHECK(request_key("user", "absent", NULL, 0));

    CHECK(add_key("nosuchtype", "x", "p", 1, KEY_SPEC_SESSION_KEYRING));
    CHECK(add_key("user", NULL, "p", 1, KEY_SPEC_SESSION_KEYRING));
    CHECK(add_key("user", "empty", NULL, 0, KEY_SPEC_SESSION_KEYRING));
    CHECK(add_key("keyring", ".dot", NULL, 0, KEY_SPEC_SESSION_KEYRING));
    CHECK(add_key("keyring", "withpayload", "p", 1, KEY_SPEC_SESSION_KEYRING));
    CHECK(add_key("logon", "nocolon", "p", 1, KEY_SPEC_SESSION_KEYRING));
    CHECK(add_key("user", "k", "p", 1, k1)); /* not a keyring */
    long lg = CHECK_OK(add_key("logon", "svc:x", "secret", 6, KEY_SPEC_SESSION_KEYRING));
    describe("logon", lg);
    readkey("logon", lg, 64);
    CHECK(keyctl(KEYCTL_UPDATE, KEY_SPEC_SESSION_KEYRING, (long)"x", 1, 0));

    long r1 = CHECK_OK(add_key("keyring", "ring1", NULL, 0, KEY_SPEC_SESSION_KEYRING));
    describe("ring1", r1);
    CHECK(keyctl(KEYCTL_LINK, k1, r1, 0, 0));
    int ids[4] = { 0 };
    CHECK(keyctl(KEYCTL_READ, r1, (long)ids, sizeof ids, 0));
    SHOW(ids[0] == k1);
    CHECK(keyctl(KEYCTL_LINK, r1, r1, 0, 0));
    CHECK(keyctl(KEYCTL_LINK, KEY_SPEC_SESSION_KEYRING, r1, 0, 0));
    CHECK(keyctl(KEYCTL_LINK, k1, k1, 0, 0));
    CHECK(keyctl(KEYCTL_UNLINK, k1, r1, 0, 0));
    CHECK(keyctl(KEYCTL_UNLINK, k1, r1, 0, 0));
    CHECK(keyctl(KEYCTL_READ, r1, (long)ids, sizeof ids, 0));

    char small[4] = "abc";
    long need = keyctl(KEYCTL_DESCRIBE, k1, (long)small, sizeof small, 0);
    printf("short describe buffer: needs %ld, buffer kept: %s\n", need, strcmp(small, "abc") == 0 ? "yes" : "no");
    CHECK(keyctl(KEYCTL_SETPERM, k1, 0x40, 0, 0));
    CHECK(keyctl(KEYCTL_SETPERM, k1, 0x3f000000, 0, 0));
    describe("k1 possessor-only", k1);
    CHECK(keyctl(KEYCTL_SETPERM, k1, 0, 0, 0));
    describe("k1 locked", k1);
    readkey("k1 locked", k1, 64);
    CHECK(keyctl(KEYCTL_SETPERM, k1, 0x3f010000, 0, 0));
    CHECK(keyctl(KEYCTL_REVOKE, k1, 0, 0, 0));
    CHECK(keyctl(KEYCTL_UNLINK, k1, KEY_SPEC_SESSION_KEYRING, 0, 0));

    long k2 = CHECK_OK(add_key("user", "k2", "two", 3, KEY_SPEC_SESSION_KEYRING));
    CHECK(keyctl(KEYCTL_REVOKE, k2, 0, 0, 0));
    describe("k2 revoked", k2);
    readkey("k2 revoked", k2, 64);
    CHECK(keyctl(KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, (long)"user", (long)"k2", 0));
    CHECK(keyctl(KEYCTL_UNLINK, k2, KEY_SPEC_SESSION_KEYRING, 0, 0));
    long k3 = CHECK_OK(add_key("user", "k3", "three", 5, KEY_SPEC_SESSION_KEYRING));
    CHECK(keyctl(KEYCTL_INVALIDATE, k3, 0, 0, 0));
    describe("k3 invalidated", k3);
    CHECK(keyctl(KEYCTL_REVOKE, lg, 0, 0, 0));
    CHECK(keyctl(KEYCTL_REVOKE, r1, 0, 0, 0));

    CHECK(keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 0, 0, 0));
    CHECK_OK(keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 1, 0, 0));
    describe("@t", KEY_SPEC_THREAD_KEYRING);
    CHECK(keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 0, 0, 0));
    CHECK_OK(keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 1, 0, 0));
    describe("@p", KEY_SPEC_PROCESS_KEYRING);
    CHECK(keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_GROUP_KEYRING, 0, 0, 0));
    CHECK(keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_REQKEY_AUTH_KEY, 0, 0, 0));
    CHECK(keyctl(KEYCTL_GET_KEYRING_ID, 0, 0, 0, 0));
    CHECK(keyctl(KEYCTL_GET_KEYRING_ID, -9, 0, 0, 0));
    CHECK(keyctl(9999, 0, 0, 0, 0));
    CHECK(keyctl(KEYCTL_INSTANTIATE, 12345, 0, 0, 0));

    CHECK(keyctl(KEYCTL_SET_REQKEY_KEYRING, KEY_REQKEY_DEFL_NO_CHANGE, 0, 0, 0));
    CHECK(keyctl(KEYCTL_SET_REQKEY_KEYRING, KEY_REQKEY_DEFL_SESSION_KEYRING, 0, 0, 0));
    CHECK(keyctl(KEYCTL_SET_REQKEY_KEYRING, KEY_REQKEY_DEFL_NO_CHANGE, 0, 0, 0));
    CHECK(keyctl(KEYCTL_SET_REQKEY_KEYRING, KEY_REQKEY_DEFL_GROUP_KEYRING, 0, 0, 0));
    CHECK(keyctl(KEYCTL_SET_REQKEY_KEYRING, KEY_REQKEY_DEFL_DEFAULT, 0, 0, 0));

    pid_t c = fork();
    if (c == 0) {
        printf("fork child shares the session keyring: %s\n",
               keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0) == ses ? "yes" : "no");
        printf("fork child has no process keyring: %s\n", errname(keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 0, 0, 0) < 0 ? errno : 0));
        _exit(0);
    }
    waitpid(c, NULL, 0);

    CHECK(keyctl(KEYCTL_CLEAR, ses, 0, 0, 0));
    CHECK(keyctl(KEYCTL_READ, ses, 0, 0, 0));
    CHECK_OK(keyctl(KEYCTL_JOIN_SESSION_KEYRING, (long)"kt_named_ring", 0, 0, 0));
    describe("named", KEY_SPEC_SESSION_KEYRING);
    /* Its owner may not search it (no user search bit): a second join makes another of the name. */
    CHECK_OK(keyctl(KEYCTL_JOIN_SESSION_KEYRING, (long)"kt_named_ring", 0, 0, 0));
    CHECK(keyctl(KEYCTL_SETPERM, KEY_SPEC_SESSION_KEYRING, 0x3f1b0000, 0, 0));
    long named = CHECK_OK(keyctl(KEYCTL_JOIN_SESSION_KEYRING, (long)"kt_searchable", 0, 0, 0));
    CHECK(keyctl(KEYCTL_SETPERM, KEY_SPEC_SESSION_KEYRING, 0x3f1b0000, 0, 0));
    /* Searchable now: a child that left it joins the same keyring by name (while this process holds it). */
    c = fork();
    if (c == 0) {
        keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
        printf("child joins it by name: %s\n",
               keyctl(KEYCTL_JOIN_SESSION_KEYRING, (long)"kt_searchable", 0, 0, 0) == named ? "same keyring" : "another");
        CHECK(keyctl(KEYCTL_JOIN_SESSION_KEYRING, (long)"kt_searchable", 0, 0, 0));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    CHECK(keyctl(KEYCTL_REVOKE, KEY_SPEC_SESSION_KEYRING, 0, 0, 0));
}

static void quota(void)
{
    if (setgid(1000) || setuid(1000)) { printf("setuid failed\n"); return; }
    CHECK_OK(keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0));
    static char big[25000];
    CHECK(add_key("user", "big", big, sizeof big, KEY_SPEC_SESSION_KEYRING));
    long k = CHECK_OK(add_key("user", "small", "s", 1, KEY_SPEC_SESSION_KEYRING));
    describe("uid 1000's key", k);
    CHECK(keyctl(KEYCTL_REVOKE, k, 0, 0, 0));
    CHECK(keyctl(KEYCTL_CLEAR, KEY_SPEC_SESSION_KEYRING, 0, 0, 0));
}

static void run(void (*f)(void))
{
    pid_t c = fork();
    if (c == 0) {
        f();
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("child: %s %d\n", WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

int main(void)
{
    run(session);
    run(quota);

    static const char *names[] = {"maxkeys", "maxbytes", "root_maxkeys", "root_maxbytes", "gc_delay",
                                  "persistent_keyring_expiry"};
    for (int i = 0; i < 6; i++) {
        char path[96], now[32] = {0}, again[32] = {0};
        snprintf(path, sizeof path, "/proc/sys/kernel/keys/%s", names[i]);
        int fd = open(path, O_RDONLY);
        long n = read(fd, now, sizeof now - 1);
        close(fd);
        printf("%s: read %d, a number %d\n", names[i], n > 1, atol(now) > 0);
        if (i >= 4) continue;
        fd = open(path, O_WRONLY);
        printf("  write -1: %s\n", write(fd, "-1\n", 3) < 0 ? errname(errno) : "ok");
        close(fd);
        fd = open(path, O_WRONLY);
        printf("  write it back: %s\n", write(fd, now, strlen(now)) == (long)strlen(now) ? "ok" : errname(errno));
        close(fd);
        fd = open(path, O_RDONLY);
        read(fd, again, sizeof again - 1);
        close(fd);
        printf("  unchanged: %d\n", strcmp(now, again) == 0);
    }
    return 0;
}
