/* Mount propagation: mounts and unmounts under a shared mount reach its peers — a bind mount of it, and its copy in
 * a new mount namespace (unshare(CLONE_NEWNS) copies shared mounts as peers) —; a slave receives from its master
 * but does not send back; a private mount neither. All inside a private namespace of the case's own. */
#include "mount_common.h"

static int to_child[2], to_parent[2];
static void tell(int fd) { char c = 'x'; write(fd, &c, 1); }
static void await(int fd) { char c; read(fd, &c, 1); }

static void body(void)
{
    CHECK(mkdir(sp("a"), 0755));
    CHECK(mkdir(sp("b"), 0755));
    CHECK(mount("a", sp("a"), "tmpfs", 0, NULL));
    CHECK(mkdir(sp("a/x"), 0755));
    CHECK(mkdir(sp("a/y"), 0755));
    CHECK(mkdir(sp("a/z"), 0755));
    CHECK(mount(NULL, sp("a"), NULL, MS_SHARED, NULL));

    /* A bind of a shared mount is its peer: what is mounted in one shows in the other. */
    CHECK(mount(sp("a"), sp("b"), NULL, MS_BIND, NULL));
    CHECK(mount("z", sp("a/z"), "tmpfs", 0, NULL));
    write_file(sp("a/z/f"), "z");
    printf("b/z/f: %s\n", read_line(sp("b/z/f")));
    printf("b/z: %s\n", propagation_of(sp("b/z")));
    SHOW(group_of(sp("a/z"), "shared:") == group_of(sp("b/z"), "shared:"));
    CHECK(umount2(sp("b/z"), 0));
    printf("after umount in b, a/z/f: %s\n", read_line(sp("a/z/f")));
    CHECK(umount2(sp("b"), 0));

    /* Another namespace: its copy of a is a peer, until it makes it a slave. */
    pipe(to_child);
    pipe(to_parent);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
    {
        CHECK(unshare(CLONE_NEWNS));
        printf("child: a is %s\n", propagation_of(sp("a")));
        tell(to_parent[1]);
        await(to_child[0]);                       /* the parent mounted on a/x */
        printf("child: a/x/f %s\n", read_line(sp("a/x/f")));
        CHECK(mount("y", sp("a/y"), "tmpfs", 0, NULL));
        write_file(sp("a/y/f"), "from child");
        tell(to_parent[1]);
        await(to_child[0]);                       /* the parent unmounted a/x */
        printf("child: a/x/f after the parent's umount %s\n", read_line(sp("a/x/f")));
        CHECK(mount(NULL, sp("a"), NULL, MS_SLAVE, NULL));
        printf("child: a is %s\n", propagation_of(sp("a")));
        tell(to_parent[1]);
        await(to_child[0]);                       /* the parent mounted on a/x again */
        printf("child: slave sees a/x/f %s\n", read_line(sp("a/x/f")));
        CHECK(umount2(sp("a/y"), 0));
        write_file(sp("a/y/g"), "under");
        tell(to_parent[1]);
        await(to_child[0]);
        _exit(0);
    }
    await(to_parent[0]);
    CHECK(mount("x", sp("a/x"), "tmpfs", 0, NULL));
    write_file(sp("a/x/f"), "from parent");
    tell(to_child[1]);
    await(to_parent[0]);
    printf("parent: a/y/f %s\n", read_line(sp("a/y/f")));
    CHECK(umount2(sp("a/x"), 0));
    tell(to_child[1]);
    await(to_parent[0]);                          /* the child is a slave now */
    printf("parent: a is %s\n", propagation_of(sp("a")));
    CHECK(mount("x2", sp("a/x"), "tmpfs", 0, NULL));
    write_file(sp("a/x/f"), "again");
    tell(to_child[1]);
    await(to_parent[0]);                          /* the slave's umount did not come back */
    printf("parent: a/y/f still %s\n", read_line(sp("a/y/f")));
    tell(to_child[1]);
    waitpid(c, NULL, 0);

    /* Private: nothing propagates any more. */
    CHECK(mount(NULL, sp("a"), NULL, MS_PRIVATE | MS_REC, NULL));
    CHECK(mount(sp("a"), sp("b"), NULL, MS_BIND, NULL));
    CHECK(mount("z2", sp("a/z"), "tmpfs", 0, NULL));
    printf("private: b/z/f %s\n", read_line(sp("b/z/f")));
    CHECK(umount2(sp("b"), MNT_DETACH));
    CHECK(umount2(sp("a"), MNT_DETACH));
}

int main(void)
{
    return isolated(body, 0);
}
