/* landlock_create_ruleset, landlock_add_rule and landlock_restrict_self: their arguments' checks, the ruleset fd,
 * the privilege rule and the layer limit (restrictions in forked children). */
#include "landlock_common.h"
#include <sys/socket.h>

static void nonnp_unprivileged(void)
{
    int rs = ruleset(FS_READ_FILE, 0, 0);
    CHECK(setresuid(65534, 65534, 65534));
    CHECK(ll_restrict(rs, 0));
    CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECK(ll_restrict(rs, 0));
}

static void privileged_without_nnp(void)
{
    int rs = ruleset(FS_READ_FILE, 0, 0);
    CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    CHECK(ll_restrict(rs, 0)); /* CAP_SYS_ADMIN stands for no_new_privs */
}

static void layers(void)
{
    CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    int rs = ruleset(FS_MAKE_SOCK, 0, 0);
    int ok = 0;
    for (int i = 0; i < 16; i++) ok += ll_restrict(rs, 0) == 0;
    printf("layers stacked: %d\n", ok);
    CHECK(ll_restrict(rs, 0));
}

static void restrict_checks(void)
{
    CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECK(ll_restrict(-1, 0));
    CHECK(ll_restrict(0, 0));
    int rs = ruleset(FS_READ_FILE, 0, 0);
    CHECK(ll_restrict(rs, 0x80000000u));
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", rs);
    CHECK(ll_restrict(open(p, O_PATH), 0));
}

int main(void)
{
    printf("abi >= 6: %s\n", ll_create(NULL, 0, LL_VERSION) >= 6 ? "yes" : "no");
    struct ll_ruleset_attr a = { FS_READ_FILE, 0, 0 };
    CHECK(ll_create(&a, 0, LL_VERSION));
    CHECK(ll_create(NULL, 8, LL_VERSION));
    CHECK(ll_create(&a, sizeof a, 0xffff));
    CHECK(ll_create(&a, 7, 0));
    CHECK(ll_create(NULL, sizeof a, 0));
    CHECK(ll_create((void *)1, sizeof a, 0));
    CHECK(ll_create(&a, 4097, 0));
    struct { struct ll_ruleset_attr a; uint64_t extra; } big = { { FS_READ_FILE, 0, 0 }, 0 };
    int fd = CHECK_OK(ll_create(&big.a, sizeof big, 0));
    close(fd);
    big.extra = 1;
    CHECK(ll_create(&big.a, sizeof big, 0));
    fd = CHECK_OK(ll_create(&a, 8, 0)); /* only handled_access_fs */
    close(fd);
    struct ll_ruleset_attr bad[] = { { 1ull << 63, 0, 0 }, { 0, 1ull << 40, 0 }, { 0, 0, 1ull << 40 }, { 0, 0, 0 } };
    for (int i = 0; i < 4; i++) CHECK(ll_create(&bad[i], sizeof bad[i], 0));

    int rs = CHECK_OK(ll_create(&a, sizeof a, 0));
    SHOW(fcntl(rs, F_GETFD) == FD_CLOEXEC);
    SHOW((fcntl(rs, F_GETFL) & O_ACCMODE) == O_RDWR);
    char link[64], target[64] = { 0 };
    snprintf(link, sizeof link, "/proc/self/fd/%d", rs);
    CHECK(readlink(link, target, sizeof target - 1));
    printf("link: %s\n", target);
    char buf[8];
    CHECK(read(rs, buf, sizeof buf));
    CHECK(write(rs, buf, sizeof buf));

    int dir = CHECK_OK(open("/tmp", O_PATH | O_DIRECTORY));
    int file = CHECK_OK(open("/proc/self/exe", O_PATH));
    int pipefd[2];
    CHECK(pipe(pipefd));
    struct ll_path_attr pa = { FS_READ_FILE, dir };
    CHECK(ll_add(rs, LL_RULE_PATH, &pa, 1));
    CHECK(ll_add(-1, LL_RULE_PATH, &pa, 0));
    CHECK(ll_add(pipefd[0], LL_RULE_PATH, &pa, 0));
    CHECK(ll_add(rs, 3, &pa, 0));
    CHECK(ll_add(rs, LL_RULE_PATH, NULL, 0));
    CHECK(ll_add(rs, LL_RULE_PATH, &pa, 0));
    pa.allowed = 0;
    CHECK(ll_add(rs, LL_RULE_PATH, &pa, 0));
    pa.allowed = FS_WRITE_FILE;
    CHECK(ll_add(rs, LL_RULE_PATH, &pa, 0));
    pa.allowed = FS_READ_FILE;
    pa.parent_fd = -1;
    CHECK(ll_add(rs, LL_RULE_PATH, &pa, 0));
    pa.parent_fd = pipefd[1];
    CHECK(ll_add(rs, LL_RULE_PATH, &pa, 0));
    pa.parent_fd = rs;
    CHECK(ll_add(rs, LL_RULE_PATH, &pa, 0));
    pa.parent_fd = file;
    CHECK(ll_add(rs, LL_RULE_PATH, &pa, 0));
    int rs2 = ruleset(FS_READ_FILE | FS_READ_DIR, 0, 0);
    pa.allowed = FS_READ_DIR; /* a directory's right on a file */
    CHECK(ll_add(rs2, LL_RULE_PATH, &pa, 0));
    pa.parent_fd = dir;
    CHECK(ll_add(rs2, LL_RULE_PATH, &pa, 0));
    struct ll_port_attr port = { NET_BIND, 80 };
    CHECK(ll_add(rs, LL_RULE_PORT, &port, 0));
    int rsn = ruleset(0, NET_BIND | NET_CONNECT, 0);
    CHECK(ll_add(rsn, LL_RULE_PORT, &port, 0));
    port.port = 65536;
    CHECK(ll_add(rsn, LL_RULE_PORT, &port, 0));
    port.port = 0;
    port.allowed = 0;
    CHECK(ll_add(rsn, LL_RULE_PORT, &port, 0));
    port.allowed = 1ull << 5;
    CHECK(ll_add(rsn, LL_RULE_PORT, &port, 0));
    CHECK(ll_add(rsn, LL_RULE_PATH, &pa, 0));

    in_child("without no_new_privs, unprivileged", nonnp_unprivileged);
    in_child("without no_new_privs, privileged", privileged_without_nnp);
    in_child("restrict_self checks", restrict_checks);
    in_child("16 layers at most", layers);
    return 0;
}
