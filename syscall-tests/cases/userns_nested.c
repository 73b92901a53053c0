/* Nesting, clone and setns with user namespaces: 33 levels can be made under the initial namespace (each mapping
 * its creator), the next is ENOSPC; clone(CLONE_NEWUSER) gives the child the new namespace (not with CLONE_FS or
 * CLONE_THREAD: EINVAL), and with CLONE_NEWUTS the UTS namespace it owns; unshare(CLONE_NEWUSER) in a threaded
 * process is EINVAL; setns to a user namespace needs CAP_SYS_ADMIN in it (root of the parent has it, uid 1000 not),
 * rejoining one's own is EINVAL; the ns ioctls give the parent and owner. Pipes order the children. */
#include "userns_common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>

#define NS_GET_USERNS _IO(0xb7, 0x1)
#define NS_GET_PARENT _IO(0xb7, 0x2)
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#define NS_GET_OWNER_UID _IO(0xb7, 0x4)

static void nesting(void)
{
    int levels = 0;
    for (int i = 0; i < 40; i++)
    {
        if (unshare(CLONE_NEWUSER) != 0) { printf("level %d: %s\n", levels + 1, errname(errno)); break; }
        levels++;
        if (put("/proc/self/setgroups", "deny") < 0 || put("/proc/self/uid_map", "0 0 1") < 0 || put("/proc/self/gid_map", "0 0 1") < 0)
        {
            printf("map at level %d: %s\n", levels, errname(errno));
            break;
        }
    }
    printf("levels made: %d\n", levels);
    CHECK(getuid());
}

static char stack[65536];
static int cloned(void *arg)
{
    (void)arg;
    printf("clone child: uid %d, %s\n", (int)getuid(), status_line("CapEff:"));
    CHECK(sethostname("cloned", 6));
    return 0;
}

static void clones(void)
{
    fflush(stdout);
    pid_t c = clone(cloned, stack + sizeof stack, CLONE_NEWUSER | SIGCHLD, NULL);
    if (c > 0) waitpid(c, NULL, 0); else printf("clone: %s\n", errname(errno));
    CHECK(clone(cloned, stack + sizeof stack, CLONE_NEWUSER | CLONE_FS | SIGCHLD, NULL));
    CHECK(clone(cloned, stack + sizeof stack, CLONE_NEWUSER | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, NULL));
    /* Unprivileged: the new UTS namespace is owned by the new user namespace. */
    if (setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0) { printf("drop failed\n"); return; }
    CHECK(sethostname("x", 1));
    CHECK(clone(cloned, stack + sizeof stack, CLONE_NEWUTS | SIGCHLD, NULL));
    fflush(stdout);
    c = clone(cloned, stack + sizeof stack, CLONE_NEWUSER | CLONE_NEWUTS | SIGCHLD, NULL);
    if (c > 0) waitpid(c, NULL, 0); else printf("clone: %s\n", errname(errno));
}

static int hold[2];
static void *holder(void *arg)
{
    (void)arg;
    char b;
    read(hold[0], &b, 1);
    return NULL;
}

static void threaded(void)
{
    pipe(hold);
    pthread_t th;
    pthread_create(&th, NULL, holder, NULL);
    CHECK(unshare(CLONE_NEWUSER));
    write(hold[1], "x", 1);
    pthread_join(th, NULL); /* (the thread may still be leaving the group: no second try) */
}

static ino_t ino_of_fd(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

static ino_t ino_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* setns and the ioctls against a namespace a child made and mapped (0 -> 0). */
static void joining(void)
{
    int ready[2], go[2];
    pipe(ready);
    pipe(go);
    fflush(stdout);
    pid_t a = fork();
    if (a == 0)
    {
        char b = 'n';
        if (unshare(CLONE_NEWUSER) == 0 && put("/proc/self/uid_map", "0 0 1") > 0) b = 'y';
        write(ready[1], &b, 1);
        read(go[0], &b, 1);
        _exit(0);
    }
    char b = 0;
    read(ready[0], &b, 1);
    if (b != 'y') printf("child namespace failed\n");
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)a);
    int nsfd = open(path, O_RDONLY);
    int initfd = open("/proc/self/ns/user", O_RDONLY);
    ino_t init = ino_of("/proc/self/ns/user");
    printf("nstype: %#x\n", ioctl(nsfd, NS_GET_NSTYPE));
    uid_t owner = 12345;
    CHECK(ioctl(nsfd, NS_GET_OWNER_UID, &owner));
    printf("owner %u\n", owner);
    int parent = CHECK_OK(ioctl(nsfd, NS_GET_PARENT));
    SHOW(ino_of_fd(parent) == init);
    close(parent);
    int up = CHECK_OK(ioctl(nsfd, NS_GET_USERNS));
    SHOW(ino_of_fd(up) == init);
    close(up);
    CHECK(ioctl(initfd, NS_GET_PARENT));
    CHECK(ioctl(initfd, NS_GET_USERNS));
    int uts = open("/proc/self/ns/uts", O_RDONLY);
    CHECK(ioctl(uts, NS_GET_PARENT));
    int utsowner = CHECK_OK(ioctl(uts, NS_GET_USERNS));
    SHOW(ino_of_fd(utsowner) == init);
    close(utsowner);
    close(uts);
    CHECK(setns(initfd, CLONE_NEWUSER));

    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
    {
        if (setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0) _exit(1);
        CHECK(setns(nsfd, CLONE_NEWUSER));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    fflush(stdout);
    c = fork();
    if (c == 0)
    {
        CHECK(setns(nsfd, CLONE_NEWNS));
        CHECK(setns(nsfd, CLONE_NEWUSER));
        SHOW(ino_of("/proc/self/ns/user") == ino_of_fd(nsfd));
        CHECK(getuid());
        printf("%s\n", status_line("CapEff:"));
        CHECK(setns(nsfd, CLONE_NEWUSER));
        CHECK(setns(nsfd, 0));
        CHECK(setns(initfd, CLONE_NEWUSER));
        CHECK(ioctl(nsfd, NS_GET_PARENT));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    write(go[1], "g", 1);
    waitpid(a, NULL, 0);
}

int main(void)
{
    in_child("nesting", nesting);
    in_child("clone", clones);
    in_child("threads", threaded);
    in_child("setns", joining);
    return 0;
}
