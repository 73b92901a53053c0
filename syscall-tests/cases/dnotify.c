/* dnotify (F_NOTIFY) and the file owner it signals: events in a watched directory raise F_SETSIG's signal with
 * si_fd and si_band (or plain SIGIO from the kernel), one-shot unless DN_MULTISHOT, ended by closing any fd of the
 * description; F_SETOWN/F_GETOWN, F_SETOWN_EX/F_GETOWN_EX and F_SETSIG/F_GETSIG with their checks. */
#include "common.h"
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

static char dir[64], path[128];

/* The next notification signal, if one comes within 200 ms: "SIG code band fd-matches", else "none". */
static void expect(const char *what, int fd)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGIO);
    sigaddset(&set, SIGRTMIN + 1);
    struct timespec ts = { 0, 200000000 };
    siginfo_t si;
    int sig = sigtimedwait(&set, &si, &ts);
    if (sig < 0)
        printf("%s: none (%s)\n", what, errname(errno));
    else if (si.si_code > 0 && si.si_code < 0x80)
        printf("%s: %s code %d band %#lx fd %s\n", what, sig == SIGIO ? "SIGIO" : "SIGRTMIN+1", si.si_code,
               si.si_band, si.si_fd == fd ? "matches" : "differs");
    else
        printf("%s: %s code %#x\n", what, sig == SIGIO ? "SIGIO" : "SIGRTMIN+1", si.si_code);
}

static void touch(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    close(open(path, O_CREAT | O_WRONLY, 0644));
}

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGIO);
    sigaddset(&set, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    strcpy(dir, "/tmp/dnotify.XXXXXX");
    mkdtemp(dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    touch("f");
    int ffd = open(path, O_RDWR);

    puts("-- checks");
    CHECK(fcntl(ffd, F_NOTIFY, DN_CREATE));
    CHECK(fcntl(ffd, F_NOTIFY, 0));
    CHECK(fcntl(ffd, F_NOTIFY, DN_MULTISHOT));
    CHECK(fcntl(fd, F_SETSIG, 65));
    CHECK(fcntl(fd, F_GETSIG));
    CHECK(fcntl(fd, F_GETOWN));

    puts("-- a queued signal with the fd, for every create (DN_MULTISHOT)");
    CHECK(fcntl(fd, F_SETSIG, SIGRTMIN + 1));
    CHECK(fcntl(fd, F_GETSIG) == SIGRTMIN + 1);
    CHECK(fcntl(fd, F_NOTIFY, DN_CREATE | DN_MULTISHOT));
    SHOW(fcntl(fd, F_GETOWN) == getpid());
    touch("a");
    expect("create a", fd);
    touch("b");
    expect("create b", fd);
    unlink(path);
    expect("delete b (not asked for)", fd);

    puts("-- DN_MODIFY, DN_ATTRIB and DN_RENAME added to the registration");
    CHECK(fcntl(fd, F_NOTIFY, DN_MODIFY | DN_ATTRIB | DN_RENAME | DN_MULTISHOT));
    write(ffd, "x", 1);
    expect("modify f", fd);
    chmod(path, 0600);
    snprintf(path, sizeof path, "%s/f", dir);
    chmod(path, 0600);
    expect("chmod f", fd);
    char to[140];
    snprintf(to, sizeof to, "%s/g", dir);
    rename(path, to);
    expect("rename f", fd);
    touch("c");
    expect("create c (still asked for)", fd);

    puts("-- a one-shot registration with plain SIGIO");
    CHECK(fcntl(fd, F_NOTIFY, 0));
    touch("d");
    expect("after removal", fd);
    CHECK(fcntl(fd, F_SETSIG, 0));
    CHECK(fcntl(fd, F_NOTIFY, DN_DELETE));
    unlink(path);
    expect("delete d", fd);
    snprintf(path, sizeof path, "%s/c", dir);
    unlink(path);
    expect("delete c (one shot spent)", fd);

    puts("-- closing another fd of the description ends it");
    CHECK(fcntl(fd, F_NOTIFY, DN_CREATE | DN_MULTISHOT));
    int fd2 = dup(fd);
    close(fd2);
    touch("e");
    expect("create e", fd);

    puts("-- owners");
    CHECK(fcntl(ffd, F_SETOWN, 999999));
    CHECK(fcntl(ffd, F_SETOWN, getpid()) == 0);
    SHOW(fcntl(ffd, F_GETOWN) == getpid());
    CHECK(fcntl(ffd, F_SETOWN, -getpgrp()) == 0);
    SHOW(fcntl(ffd, F_GETOWN) == -getpgrp());
    struct f_owner_ex ex = { 5, getpid() };
    CHECK(fcntl(ffd, F_SETOWN_EX, &ex));
    ex = (struct f_owner_ex){ F_OWNER_TID, gettid() };
    CHECK(fcntl(ffd, F_SETOWN_EX, &ex));
    ex = (struct f_owner_ex){ 9, 9 };
    CHECK(fcntl(ffd, F_GETOWN_EX, &ex));
    SHOW(ex.type == F_OWNER_TID && ex.pid == gettid());
    CHECK(fcntl(ffd, F_SETOWN_EX, (void *)8));
    CHECK(fcntl(ffd, F_GETOWN_EX, (void *)8));
    CHECK(fcntl(ffd, F_SETOWN, 0));
    CHECK(fcntl(ffd, F_GETOWN));

    const char *names[] = { "a", "e", "g" };
    for (int i = 0; i < 3; i++)
    {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    close(fd);
    close(ffd);
    rmdir(dir);
    return 0;
}
