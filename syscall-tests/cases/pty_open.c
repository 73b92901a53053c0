/* pty: opening a pair — posix_openpt, ptsname, TIOCGPTN, TIOCSPTLCK (a locked
 * slave is EIO to open), TIOCGPTLCK, TIOCGPTPEER, stat of master and slave
 * (char devices, majors 5 and 136), isatty, ttyname, reopening the slave.
 * (Not tested: Linux's quirk that a failed open of a locked slave makes the
 * slave's open fds fail with EIO until the next successful open.) */
#include "pty_common.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void st(const char *label, int fd)
{
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        printf("%s: fstat %s\n", label, errname(errno));
        return;
    }
    printf("%s: chr=%d major=%u owner_rw=%o uid_is_me=%d\n", label, S_ISCHR(sb.st_mode),
           major(sb.st_rdev), sb.st_mode & 0600, sb.st_uid == getuid());
}

int main(void)
{
    int m = CHECK_OK(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK(fcntl(m, F_GETFL) & O_ACCMODE);
    char *name = ptsname(m);
    SHOW(name != NULL && strncmp(name, "/dev/pts/", 9) == 0);
    unsigned n = 12345;
    CHECK(ioctl(m, TIOCGPTN, &n));
    char want[64];
    snprintf(want, sizeof want, "/dev/pts/%u", n);
    SHOW(strcmp(want, name) == 0);
    char small[4];
    CHECK(ptsname_r(m, small, sizeof small) == 0 ? 0 : -1);

    /* A new master starts locked: open of the slave is EIO until unlockpt. */
    int lk = -1;
    CHECK(ioctl(m, TIOCGPTLCK, &lk));
    printf("locked at first: %d\n", lk);
    CHECK(open(want, O_RDWR | O_NOCTTY));
    CHECK(grantpt(m));
    CHECK(unlockpt(m));
    CHECK(ioctl(m, TIOCGPTLCK, &lk));
    printf("locked after unlockpt: %d\n", lk);
    int s = CHECK_OK(open(want, O_RDWR | O_NOCTTY));

    /* Lock again: new opens fail, the open slave keeps working. */
    int one = 1, zero = 0;
    CHECK(ioctl(m, TIOCSPTLCK, &one));
    CHECK(open(want, O_RDWR | O_NOCTTY));
    CHECK(ioctl(m, TIOCSPTLCK, &zero));
    int s2 = CHECK_OK(open(want, O_RDWR | O_NOCTTY));
    CHECK(close(s2));

    /* TIOCGPTPEER: a slave fd without a path lookup. */
    int peer = CHECK_OK(ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY));
    struct stat a, b;
    fstat(s, &a);
    fstat(peer, &b);
    SHOW(a.st_rdev == b.st_rdev);
    CHECK(fcntl(peer, F_GETFL) & O_ACCMODE);
    CHECK(write(s, "x", 1));
    CHECK(write(peer, "y", 1));
    char buf[16];
    int k = drain(m, buf, sizeof buf, 2);
    show("master reads slave+peer writes", buf, k);
    close(peer);
    /* TIOCGPTPEER on a slave or with bad flags */
    CHECK(ioctl(s, TIOCGPTPEER, O_RDWR));
    CHECK(ioctl(s, TIOCGPTN, &n));
    CHECK(ioctl(s, TIOCSPTLCK, &one));

    st("master", m);
    st("slave", s);
    struct stat px;
    CHECK(stat("/dev/ptmx", &px));
    printf("/dev/ptmx: chr=%d major=%u minor=%u\n", S_ISCHR(px.st_mode), major(px.st_rdev),
           minor(px.st_rdev));
    struct stat ps;
    CHECK(stat(want, &ps));
    SHOW(ps.st_rdev == a.st_rdev);
    struct stat dir;
    CHECK(stat("/dev/pts", &dir));
    SHOW(S_ISDIR(dir.st_mode));

    SHOW(isatty(m));
    SHOW(isatty(s));
    int p[2];
    pipe(p);
    errno = 0;
    SHOW(isatty(p[0]));
    printf("isatty(pipe) errno: %s\n", errname(errno));
    char tn[128];
    CHECK(ttyname_r(s, tn, sizeof tn));
    SHOW(strcmp(tn, want) == 0);
    CHECK(ttyname_r(p[0], tn, sizeof tn));

    /* The slave device's number is free again after all users close. */
    CHECK(close(s));
    CHECK(close(m));
    CHECK(open(want, O_RDWR | O_NOCTTY) >= 0 ? 0 : -1);

    /* Many masters at once get distinct numbers. */
    int ms[8];
    unsigned nums[8];
    int distinct = 1;
    for (int i = 0; i < 8; i++) {
        ms[i] = posix_openpt(O_RDWR | O_NOCTTY);
        ioctl(ms[i], TIOCGPTN, &nums[i]);
        for (int j = 0; j < i; j++)
            if (nums[j] == nums[i])
                distinct = 0;
    }
    printf("8 masters, distinct numbers: %d\n", distinct);
    for (int i = 0; i < 8; i++)
        close(ms[i]);
    /* /dev/ptmx opened by path, O_RDONLY works too */
    int r = CHECK_OK(open("/dev/ptmx", O_RDONLY | O_NOCTTY));
    SHOW(isatty(r));
    close(r);
    return 0;
}
