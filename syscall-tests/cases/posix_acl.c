/* POSIX ACLs on tmpfs (/dev/shm) through system.posix_acl_access and _default: the value's checks and their
 * order, the mode kept in step (mask as group bits, chmod), minimal ACLs folding into the mode, default ACLs
 * meeting a creation's mode instead of the umask, who may set them, symlinks, set-group-ID clearing, and the
 * permission check's walk (named user, groups, mask) for callers who are not the owner. */
#include "common.h"
#include <grp.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#define ACCESS "system.posix_acl_access"
#define DEFAULT "system.posix_acl_default"
enum { USER_OBJ = 1, USER = 2, GROUP_OBJ = 4, GROUP = 8, MASK = 0x10, OTHER = 0x20 };
#define UNDEF 0xffffffffu

struct ent { unsigned short tag, perm; unsigned id; };
struct acl { unsigned version; struct ent e[8]; };

static char dir[128], file[160], sub[160], lnk[160];

static const char *label(const char *path) { return path == dir ? "dir" : base_name(path); }

static size_t mk(struct acl *a, int n, const struct ent *e)
{
    a->version = 2;
    memcpy(a->e, e, n * sizeof *e);
    return 4 + n * sizeof *e;
}

static void show_acl(const char *path, const char *name)
{
    struct acl a;
    errno = 0;
    long n = getxattr(path, name, &a, sizeof a);
    if (n < 0) {
        printf("  %s %s: %s\n", label(path), name + 7, errname(errno));
        return;
    }
    printf("  %s %s: version %u,", label(path), name + 7, a.version);
    for (int i = 0; i < (int)(n - 4) / 8; i++)
        printf(" %x:%o:%d", a.e[i].tag, a.e[i].perm, a.e[i].id == UNDEF ? -1 : (int)a.e[i].id);
    printf("\n");
}

static void show_mode(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        printf("  %s mode %04o\n", label(path), st.st_mode & 07777);
}

/* Runs fn in a child as uid/gid (no supplementary groups, so no capabilities). */
static void as_user(unsigned uid, unsigned gid, void (*fn)(void))
{
    pid_t c = fork();
    if (c == 0) {
        if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
            _exit(99);
        fn();
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        printf("child status %x\n", st);
}

static void try_open(void)
{
    int fd;
    printf("  uid %d gid %d:", (int)getuid(), (int)getgid());
    fd = open(file, O_RDONLY);
    printf(" read %s", fd >= 0 ? "ok" : errname(errno));
    if (fd >= 0)
        close(fd);
    fd = open(file, O_WRONLY);
    printf(" write %s\n", fd >= 0 ? "ok" : errname(errno));
    if (fd >= 0)
        close(fd);
}

static void set_as_nonowner(void)
{
    struct acl a;
    size_t n = mk(&a, 3, (struct ent[]){{USER_OBJ, 6, UNDEF}, {GROUP_OBJ, 4, UNDEF}, {OTHER, 4, UNDEF}});
    CHECK(setxattr(file, ACCESS, &a, n, 0));
    CHECK(removexattr(file, DEFAULT));
    CHECK(removexattr(dir, DEFAULT));
}

static void drop_fsetid(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    syscall(SYS_capget, &h, d);
    d[0].effective &= ~(1u << CAP_FSETID);
    syscall(SYS_capset, &h, d);
}

int main(void)
{
    struct acl a;
    size_t n;
    umask(022);
    snprintf(dir, sizeof dir, "/dev/shm/acl-case-%d", (int)getpid());
    snprintf(file, sizeof file, "%s/f", dir);
    snprintf(sub, sizeof sub, "%s/d", dir);
    snprintf(lnk, sizeof lnk, "%s/l", dir);
    if (mkdir(dir, 0755) || chmod(dir, 0755))
        return 1;
    close(open(file, O_CREAT | O_RDWR, 0644));

    printf("no ACL yet:\n");
    CHECK(getxattr(file, ACCESS, NULL, 0));
    CHECK(getxattr(dir, DEFAULT, NULL, 0));

    printf("an extended access ACL:\n");
    n = mk(&a, 6, (struct ent[]){{USER_OBJ, 6, UNDEF}, {USER, 4, 1000}, {GROUP_OBJ, 4, UNDEF},
                                 {GROUP, 6, 2000}, {MASK, 7, UNDEF}, {OTHER, 4, UNDEF}});
    CHECK(setxattr(file, ACCESS, &a, n, 0));
    CHECK(getxattr(file, ACCESS, NULL, 0));
    char small[8];
    CHECK(getxattr(file, ACCESS, small, sizeof small));
    show_acl(file, ACCESS);
    show_mode(file);
    char list[256];
    long ln = listxattr(file, list, sizeof list);
    for (long i = 0; i < ln; i += strlen(list + i) + 1)
        printf("  listed %s\n", list + i);

    printf("chmod moves the mask:\n");
    CHECK(chmod(file, 0640));
    show_acl(file, ACCESS);
    show_mode(file);

    printf("who may open it (owner root, named user 1000 r, named group 2000 rw, mask r):\n");
    as_user(1000, 1000, try_open);
    as_user(1001, 2000, try_open);
    as_user(1001, 1001, try_open);
    CHECK(chmod(file, 0660));
    as_user(1001, 2000, try_open);
    as_user(1000, 1000, try_open);

    printf("a minimal ACL folds into the mode:\n");
    n = mk(&a, 3, (struct ent[]){{USER_OBJ, 7, UNDEF}, {GROUP_OBJ, 5, UNDEF}, {OTHER, 4, UNDEF}});
    CHECK(setxattr(file, ACCESS, &a, n, 0));
    show_mode(file);
    CHECK(getxattr(file, ACCESS, NULL, 0));

    printf("remove:\n");
    n = mk(&a, 5, (struct ent[]){{USER_OBJ, 6, UNDEF}, {USER, 4, 1000}, {GROUP_OBJ, 4, UNDEF}, {MASK, 4, UNDEF}, {OTHER, 0, UNDEF}});
    CHECK(setxattr(file, ACCESS, &a, n, 0));
    show_mode(file);
    CHECK(removexattr(file, ACCESS));
    CHECK(getxattr(file, ACCESS, NULL, 0));
    show_mode(file);
    CHECK(removexattr(file, ACCESS));
    n = mk(&a, 0, NULL);
    CHECK(setxattr(file, ACCESS, &a, n, 0));

    printf("bad values:\n");
    n = mk(&a, 3, (struct ent[]){{USER_OBJ, 6, UNDEF}, {GROUP_OBJ, 4, UNDEF}, {OTHER, 4, UNDEF}});
    CHECK(setxattr(file, ACCESS, &a, 2, 0));
    CHECK(setxattr(file, ACCESS, &a, n - 3, 0));
    a.version = 1;
    CHECK(setxattr(file, ACCESS, &a, n, 0));
    n = mk(&a, 3, (struct ent[]){{USER_OBJ, 8, UNDEF}, {GROUP_OBJ, 4, UNDEF}, {OTHER, 4, UNDEF}});
    CHECK(setxattr(file, ACCESS, &a, n, 0));
    n = mk(&a, 4, (struct ent[]){{USER_OBJ, 6, UNDEF}, {USER_OBJ, 6, UNDEF}, {GROUP_OBJ, 4, UNDEF}, {OTHER, 4, UNDEF}});
    CHECK(setxattr(file, ACCESS, &a, n, 0));
    n = mk(&a, 4, (struct ent[]){{USER_OBJ, 6, UNDEF}, {USER, 4, 1000}, {GROUP_OBJ, 4, UNDEF}, {OTHER, 4, UNDEF}});
    CHECK(setxattr(file, ACCESS, &a, n, 0));
    n = mk(&a, 3, (struct ent[]){{GROUP_OBJ, 4, UNDEF}, {USER_OBJ, 6, UNDEF}, {OTHER, 4, UNDEF}});
    CHECK(setxattr(file, ACCESS, &a, n, 0));
    n = mk(&a, 3, (struct ent[]){{USER_OBJ, 6, UNDEF}, {0x40, 4, UNDEF}, {OTHER, 4, UNDEF}});
    CHECK(setxattr(file, ACCESS, &a, n, 0));
    n = mk(&a, 2, (struct ent[]){{USER_OBJ, 6, UNDEF}, {GROUP_OBJ, 4, UNDEF}});
    CHECK(setxattr(file, ACCESS, &a, n, 0));
    CHECK(setxattr(file, "system.no_such_thing", &a, n, 0));
    CHECK(getxattr("/proc/self/status", ACCESS, NULL, 0));

    printf("default ACLs:\n");
    n = mk(&a, 3, (struct ent[]){{USER_OBJ, 6, UNDEF}, {GROUP_OBJ, 4, UNDEF}, {OTHER, 4, UNDEF}});
    CHECK(setxattr(file, DEFAULT, &a, n, 0));
    CHECK(removexattr(file, DEFAULT));
    n = mk(&a, 6, (struct ent[]){{USER_OBJ, 7, UNDEF}, {USER, 5, 1000}, {GROUP_OBJ, 5, UNDEF},
                                 {GROUP, 7, 2000}, {MASK, 7, UNDEF}, {OTHER, 1, UNDEF}});
    CHECK(setxattr(dir, DEFAULT, &a, n, 0));
    show_acl(dir, DEFAULT);
    show_acl(dir, ACCESS);
    umask(077); /* a default ACL takes the umask's place */
    char p[200];
    snprintf(p, sizeof p, "%s/new", dir);
    close(CHECK_OK(open(p, O_CREAT | O_RDWR, 0666)));
    show_mode(p);
    show_acl(p, ACCESS);
    show_acl(p, DEFAULT);
    CHECK(unlink(p));
    CHECK(mkdir(sub, 0750));
    show_mode(sub);
    show_acl(sub, ACCESS);
    show_acl(sub, DEFAULT);
    snprintf(p, sizeof p, "%s/fifo", sub);
    CHECK(mknod(p, S_IFIFO | 0640, 0));
    show_mode(p);
    show_acl(p, ACCESS);
    CHECK(unlink(p));
    CHECK(rmdir(sub));
    snprintf(p, sizeof p, "%s/narrow", dir);
    close(CHECK_OK(open(p, O_CREAT | O_RDWR, 0400)));
    show_mode(p);
    show_acl(p, ACCESS);
    CHECK(unlink(p));
    umask(022);

    printf("symlinks:\n");
    CHECK(symlink(file, lnk));
    n = mk(&a, 5, (struct ent[]){{USER_OBJ, 6, UNDEF}, {USER, 4, 1000}, {GROUP_OBJ, 4, UNDEF}, {MASK, 4, UNDEF}, {OTHER, 4, UNDEF}});
    CHECK(setxattr(lnk, ACCESS, &a, n, 0));
    CHECK(getxattr(lnk, ACCESS, NULL, 0));
    CHECK(lsetxattr(lnk, ACCESS, &a, n, 0));
    CHECK(lgetxattr(lnk, ACCESS, NULL, 0));
    CHECK(lremovexattr(lnk, ACCESS));
    CHECK(removexattr(lnk, ACCESS));
    CHECK(unlink(lnk));

    printf("only the owner:\n");
    CHECK(chmod(file, 0666));
    as_user(1000, 1000, set_as_nonowner);
    show_acl(dir, DEFAULT);

    printf("set-group-ID:\n");
    CHECK(chmod(file, 02750));
    n = mk(&a, 5, (struct ent[]){{USER_OBJ, 6, UNDEF}, {USER, 4, 1000}, {GROUP_OBJ, 4, UNDEF}, {MASK, 4, UNDEF}, {OTHER, 4, UNDEF}});
    CHECK(setxattr(file, ACCESS, &a, n, 0));
    show_mode(file);
    CHECK(chown(file, 65534, 65534));
    CHECK(chmod(file, 02750));
    pid_t c = fork();
    if (c == 0) {
        setgroups(0, NULL);
        drop_fsetid();
        CHECK(setxattr(file, ACCESS, &a, n, 0));
        show_mode(file);
        CHECK(chmod(file, 02750));
        show_mode(file);
        CHECK(removexattr(file, ACCESS));
        show_mode(file);
        _exit(0);
    }
    waitpid(c, NULL, 0);

    printf("ctime:\n");
    struct stat s1, s2;
    stat(file, &s1);
    usleep(20000);
    CHECK(setxattr(file, ACCESS, &a, n, 0));
    stat(file, &s2);
    SHOW(s2.st_ctim.tv_sec * 1000000000L + s2.st_ctim.tv_nsec > s1.st_ctim.tv_sec * 1000000000L + s1.st_ctim.tv_nsec);

    CHECK(unlink(file));
    CHECK(rmdir(dir));
    return 0;
}
