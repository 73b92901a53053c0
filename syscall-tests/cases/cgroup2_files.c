/* cgroup2's files and directories: a new cgroup's interface files, their modes and defaults, mkdir and rmdir
 * (EBUSY with a child; cgroup.max.descendants and cgroup.max.depth refuse with EAGAIN), what cannot be done to
 * the files (unlink, rename, create), the writes each file refuses, chmod, xattrs, statfs. */
#include "cgroup2_common.h"
#include <sys/xattr.h>

static void mode_of(const char *rel)
{
    struct stat st;
    if (stat(cgp(rel), &st) != 0) printf("stat %s: %s\n", rel, errname(errno));
    else printf("%s: %s %o nlink>0 %d\n", rel, S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : "other",
                st.st_mode & 07777, st.st_nlink > 0);
}

/* cgroup.stat's first line, nr_descendants (newer kernels add lines, and dying cgroups linger a while). */
static void stat_line(const char *rel) { printf("%s: %s\n", rel, read_line(cgp(rel))); }

static void body(void)
{
    struct statfs sf;
    CHECK(statfs(cgp(""), &sf));
    SHOW(sf.f_type == 0x63677270);
    printf("self: %s\n", cg_of(0));

    mode_of("");
    const char *files[] = { "cgroup.type", "cgroup.procs", "cgroup.threads", "cgroup.controllers", "cgroup.subtree_control",
                            "cgroup.events", "cgroup.max.descendants", "cgroup.max.depth", "cgroup.stat", "cgroup.kill" };
    for (unsigned i = 0; i < sizeof files / sizeof *files; i++) mode_of(files[i]);
    get("cgroup.type");
    get("cgroup.procs");
    get("cgroup.subtree_control");
    get("cgroup.events");
    get("cgroup.max.descendants");
    get("cgroup.max.depth");
    stat_line("cgroup.stat");
    get("cgroup.kill");

    /* Writes each file refuses. */
    put("cgroup.controllers", "+pids");
    put("cgroup.events", "populated 1");
    put("cgroup.type", "domain");
    put("cgroup.kill", "0");
    put("cgroup.kill", "2");
    put("cgroup.kill", "abc");
    put("cgroup.max.depth", "-1");
    put("cgroup.max.depth", "abc");
    put("cgroup.max.descendants", "-5");
    put("cgroup.subtree_control", "+nosuchcontroller");
    put("cgroup.subtree_control", "pids");
    put("cgroup.subtree_control", "");
    put("cgroup.procs", "abc");
    put("cgroup.procs", "-1");
    put("cgroup.procs", "99999999");

    /* Names: a file cannot be removed, renamed or made; a directory is a cgroup. */
    CHECK(unlink(cgp("cgroup.procs")));
    CHECK(rename(cgp("cgroup.procs"), cgp("renamed")));
    CHECK(open(cgp("newfile"), O_CREAT | O_WRONLY, 0644));
    CHECK(mkdir(cgp("cgroup.procs"), 0755));
    CHECK(mkdir(cgp("a\nb"), 0755));
    CHECK(symlink("x", cgp("link")));
    CHECK(mknod(cgp("node"), S_IFREG | 0644, 0));

    /* A child cgroup: mode as asked, its own files; its parent cannot go while it exists. */
    CHECK(mkdir(cgp("kid"), 0700));
    mode_of("kid");
    mode_of("kid/cgroup.procs");
    stat_line("cgroup.stat");
    CHECK(rmdir(cgp("")));
    CHECK(rename(cgp("kid"), cgp("kid2")));
    CHECK(rmdir(cgp("kid/cgroup.procs")));
    CHECK(rmdir(cgp("kid")));
    CHECK(rmdir(cgp("kid")));
    stat_line("cgroup.stat");

    /* Limits on descendants and depth. */
    put("cgroup.max.descendants", "1");
    get("cgroup.max.descendants");
    CHECK(mkdir(cgp("d1"), 0755));
    CHECK(mkdir(cgp("d2"), 0755));
    put("cgroup.max.descendants", "max");
    put("cgroup.max.depth", "1");
    get("cgroup.max.depth");
    CHECK(mkdir(cgp("d1/deeper"), 0755));
    CHECK(mkdir(cgp("d2"), 0755));
    put("cgroup.max.depth", "max");
    CHECK(mkdir(cgp("d1/deeper"), 0755));
    stat_line("cgroup.stat");
    stat_line("d1/cgroup.stat");

    /* Owner and mode changes; extended attributes on a cgroup directory. */
    CHECK(chmod(cgp("cgroup.procs"), 0666));
    mode_of("cgroup.procs");
    CHECK(chown(cgp("d2"), 65534, 65534));
    struct stat st;
    CHECK(stat(cgp("d2"), &st));
    printf("d2 owner %u:%u\n", st.st_uid, st.st_gid);
    CHECK(setxattr(cgp("d2"), "trusted.ak", "v", 1, 0));
    char v[8] = { 0 };
    CHECK(getxattr(cgp("d2"), "trusted.ak", v, sizeof v));
    printf("xattr: %s\n", v);
    CHECK(removexattr(cgp("d2"), "trusted.ak"));
    CHECK(getxattr(cgp("d2"), "trusted.ak", v, sizeof v));

    /* A second mount of the same hierarchy on the first's root is refused. */
    CHECK(mount("none", cg_mount, "cgroup2", 0, NULL));
    CHECK(mount("none", sp("cg"), "cgroup2", 0, "nosuchoption"));
}

int main(void) { return with_cgroup(body); }
