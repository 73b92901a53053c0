/* Capability sets as root: dropping a capability from the effective set takes its override away (open, chmod,
 * chown), raising it back works, permitted only shrinks; the bounding and ambient sets through prctl; setuid to a
 * user clears the sets. Only capabilities every root here holds are used, so the start need not match. */
#include "common.h"
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
static struct __user_cap_data_struct d[2];

static long get(void) { return syscall(SYS_capget, &hdr, d); }
static long set(void) { return syscall(SYS_capset, &hdr, d); }
static void clear_eff(int cap) { d[cap / 32].effective &= ~(1u << (cap % 32)); }
static int in_eff(int cap) { return (d[cap / 32].effective >> (cap % 32)) & 1; }
static int in_prm(int cap) { return (d[cap / 32].permitted >> (cap % 32)) & 1; }

int main(void)
{
    CHECK(get());
    SHOW(in_eff(CAP_CHOWN) && in_eff(CAP_DAC_OVERRIDE) && in_eff(CAP_DAC_READ_SEARCH) && in_eff(CAP_FOWNER) && in_eff(CAP_SETUID) && in_eff(CAP_SETPCAP));
    const char *path = scratch_path("caps");
    int fd = CHECK_OK(open(path, O_CREAT | O_EXCL | O_RDWR, 0600));
    close(fd);
    CHECK(chmod(path, 0));
    CHECK(chown(path, 1000, 1000));
    fd = CHECK_OK(open(path, O_RDONLY));
    close(fd);

    clear_eff(CAP_DAC_OVERRIDE);
    clear_eff(CAP_DAC_READ_SEARCH);
    CHECK(set());
    CHECK(open(path, O_RDONLY));
    clear_eff(CAP_FOWNER);
    CHECK(set());
    CHECK(chmod(path, 0644));
    clear_eff(CAP_CHOWN);
    CHECK(set());
    CHECK(chown(path, 0, 0));
    CHECK(get());
    SHOW(!in_eff(CAP_CHOWN) && in_prm(CAP_CHOWN));

    /* Effective back from permitted. */
    d[0].effective = d[0].permitted;
    d[1].effective = d[1].permitted;
    CHECK(set());
    fd = CHECK_OK(open(path, O_RDONLY));
    close(fd);
    CHECK(chmod(path, 0600));

    /* Permitted only shrinks: CAP_KILL dropped from it cannot come back. */
    d[0].permitted &= ~(1u << CAP_KILL);
    d[0].effective &= ~(1u << CAP_KILL);
    CHECK(set());
    d[0].permitted |= 1u << CAP_KILL;
    CHECK(set());
    d[0].permitted &= ~(1u << CAP_KILL);
    d[0].effective |= 1u << CAP_KILL;
    CHECK(set());

    /* Ambient: only what is permitted and inheritable. */
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0));
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
    CHECK(get());
    d[0].inheritable |= 1u << CAP_CHOWN;
    CHECK(set());
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0));
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0));

    /* The bounding set. */
    CHECK(prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0));
    CHECK(prctl(PR_CAPBSET_DROP, CAP_CHOWN, 0, 0, 0));
    CHECK(prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0));
    CHECK(prctl(PR_CAPBSET_READ, 9999, 0, 0, 0));

    /* setuid to a user clears permitted and effective. */
    CHECK(setuid(1000));
    CHECK(get());
    SHOW(d[0].effective == 0 && d[1].effective == 0 && d[0].permitted == 0 && d[1].permitted == 0);
    fd = CHECK_OK(open(path, O_RDONLY)); /* the owner's own bits */
    close(fd);
    CHECK(chown(path, 1000, 1000));
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapPrm:", 7)) fputs(line, stdout);
    if (f) fclose(f);
    return 0;
}
