/* Bind mounts in a private mount namespace: a directory or a file bound elsewhere (mountinfo's root field names
 * the bound directory), MS_REC and its absence, flags kept from the source and changed per mount by a bind
 * remount, errors (ENOTDIR, EINVAL for an unbindable source, ENOENT), MS_MOVE, and the propagation types
 * (MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE, with MS_REC) as mountinfo shows them. */
#include "mount_common.h"

static void body(void)
{
    CHECK(mkdir(sp("a"), 0755));
    CHECK(mkdir(sp("b"), 0755));
    CHECK(mkdir(sp("c"), 0755));
    CHECK(mkdir(sp("d"), 0755));
    write_file(sp("plain"), "plain");
    CHECK(mount("src", sp("a"), "tmpfs", 0, NULL));
    CHECK(mkdir(sp("a/s"), 0755));
    CHECK(mkdir(sp("a/s/inner"), 0755));
    write_file(sp("a/s/f"), "in s");
    write_file(sp("a/file"), "a file");
    CHECK(mount("deep", sp("a/s/inner"), "tmpfs", 0, NULL));
    write_file(sp("a/s/inner/deepfile"), "deep");

    /* A directory: not recursive, then recursive. */
    CHECK(mount(sp("a/s"), sp("b"), NULL, MS_BIND, NULL));
    printf("b: %s\n", mountinfo_of(sp("b")));
    printf("b/f: %s\n", read_line(sp("b/f")));
    printf("b/inner/deepfile: %s\n", read_line(sp("b/inner/deepfile")));
    write_file(sp("b/new"), "through b");
    printf("a/s/new: %s\n", read_line(sp("a/s/new")));
    CHECK(umount2(sp("b"), 0));
    CHECK(mount(sp("a/s"), sp("b"), NULL, MS_BIND | MS_REC, NULL));
    printf("rec b/inner/deepfile: %s\n", read_line(sp("b/inner/deepfile")));
    printf("b/inner: %s\n", mountinfo_of(sp("b/inner")));
    CHECK(umount2(sp("b"), 0));                /* b/inner is below it */
    CHECK(umount2(sp("b"), MNT_DETACH));
    CHECK(access(sp("b/f"), F_OK));

    /* A file onto a file; type mismatches. */
    CHECK(mount(sp("a/file"), sp("plain"), NULL, MS_BIND, NULL));
    printf("plain: %s\n", read_line(sp("plain")));
    printf("plain's mount: %s\n", mountinfo_of(sp("plain")));
    CHECK(umount2(sp("plain"), 0));
    printf("plain: %s\n", read_line(sp("plain")));
    CHECK(mount(sp("a/s"), sp("plain"), NULL, MS_BIND, NULL));
    CHECK(mount(sp("a/file"), sp("b"), NULL, MS_BIND, NULL));
    CHECK(mount(sp("missing"), sp("b"), NULL, MS_BIND, NULL));
    CHECK(mount(NULL, sp("b"), NULL, MS_BIND, NULL));
    CHECK(mount("", sp("b"), NULL, MS_BIND, NULL));

    /* Flags: a bind keeps the source's flags and ignores its own; a bind remount changes one mount. */
    CHECK(mount(NULL, sp("a"), NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, NULL));
    CHECK(mount(sp("a"), sp("b"), NULL, MS_BIND | MS_RDONLY, NULL));
    printf("b: %s\n", mountinfo_of(sp("b")));
    CHECK(mount(NULL, sp("b"), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
    printf("b: %s\n", mountinfo_of(sp("b")));
    printf("a: %s\n", mountinfo_of(sp("a")));
    CHECK(mkdir(sp("b/x"), 0755));
    CHECK(mkdir(sp("a/x"), 0755));
    CHECK(access(sp("b/x"), F_OK));
    CHECK(umount2(sp("b"), 0));

    /* Propagation types. */
    printf("a: %s\n", propagation_of(sp("a")));
    CHECK(mount(NULL, sp("a"), NULL, MS_SHARED, NULL));
    printf("a: %s\n", propagation_of(sp("a")));
    CHECK(mount(sp("a"), sp("b"), NULL, MS_BIND, NULL));
    printf("b: %s\n", propagation_of(sp("b")));
    SHOW(group_of(sp("a"), "shared:") == group_of(sp("b"), "shared:"));
    CHECK(mount(NULL, sp("b"), NULL, MS_SLAVE, NULL));
    printf("b: %s\n", propagation_of(sp("b")));
    SHOW(group_of(sp("b"), "master:") == group_of(sp("a"), "shared:"));
    CHECK(mount(NULL, sp("b"), NULL, MS_SHARED, NULL));
    printf("b: %s\n", propagation_of(sp("b")));
    SHOW(group_of(sp("a"), "shared:") != group_of(sp("b"), "shared:"));
    CHECK(mount(NULL, sp("b"), NULL, MS_PRIVATE, NULL));
    printf("b: %s\n", propagation_of(sp("b")));
    CHECK(mount(NULL, sp("a"), NULL, MS_SLAVE, NULL)); /* no peers left, no master: private */
    printf("a: %s\n", propagation_of(sp("a")));
    CHECK(mount(NULL, sp("b"), NULL, MS_UNBINDABLE, NULL));
    printf("b: %s\n", propagation_of(sp("b")));
    CHECK(mount(sp("b"), sp("c"), NULL, MS_BIND, NULL));
    CHECK(mount(NULL, sp("b"), NULL, MS_PRIVATE, NULL));
    printf("b: %s\n", propagation_of(sp("b")));
    CHECK(mount(NULL, sp("a"), NULL, MS_SHARED | MS_PRIVATE, NULL));
    CHECK(mount(NULL, sp("a"), NULL, MS_SHARED | MS_RDONLY, NULL));
    CHECK(mount(NULL, sp("a/s"), NULL, MS_SHARED, NULL));
    CHECK(mount(NULL, sp("a"), NULL, MS_SHARED | MS_REC, NULL));
    printf("a/s/inner: %s\n", propagation_of(sp("a/s/inner")));
    CHECK(mount(NULL, sp("a"), NULL, MS_PRIVATE | MS_REC, NULL));
    printf("a/s/inner: %s\n", propagation_of(sp("a/s/inner")));
    /* An unbindable mount is left out of a recursive bind. */
    CHECK(mount(NULL, sp("a/s/inner"), NULL, MS_UNBINDABLE, NULL));
    CHECK(mount(sp("a"), sp("c"), NULL, MS_BIND | MS_REC, NULL));
    printf("c/s/inner/deepfile: %s\n", read_line(sp("c/s/inner/deepfile")));
    CHECK(umount2(sp("c"), 0));

    /* MS_MOVE. */
    CHECK(mount(NULL, sp("b"), NULL, MS_MOVE, NULL));
    CHECK(mount(sp("b"), sp("d"), NULL, MS_MOVE, NULL));
    printf("d/s/f: %s\n", read_line(sp("d/s/f")));
    printf("b: %s, d: %s\n", mountinfo_of(sp("b")), mountinfo_of(sp("d")));
    CHECK(mount(sp("d/s"), sp("c"), NULL, MS_MOVE, NULL));   /* not a mount's root */
    CHECK(umount2(sp("d"), 0));
    CHECK(umount2(sp("a"), MNT_DETACH));
}

int main(void)
{
    return isolated(body, 0);
}
