/* securebits (PR_GET/SET_SECUREBITS) and what each flag changes: KEEP_CAPS (also PR_SET_KEEPCAPS; cleared by
 * execve) keeps the permitted set when root is left, locks refuse changes and unlocking, NO_SETUID_FIXUP keeps
 * every set, NOROOT gives an exec by root nothing, NO_CAP_AMBIENT_RAISE refuses raising; CAP_SETPCAP is needed for
 * any change. A set-user-ID exec clears the ambient set. Each part runs in a child of its own. */
#include "common.h"
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static unsigned long long cap_line(const char *key)
{
    slurp("/proc/self/status");
    char *p = strstr(buf, key);
    return p ? strtoull(p + strlen(key) + 1, NULL, 16) : ~0ULL;
}

static void show_caps(const char *when)
{
    unsigned long long prm = cap_line("CapPrm:"), eff = cap_line("CapEff:"), amb = cap_line("CapAmb:");
    printf("%s: permitted %s, effective %s, ambient %s, NET_BIND_SERVICE permitted %d\n", when,
           prm ? "some" : "none", eff ? "some" : "none", amb ? "some" : "none",
           (int)(prm >> CAP_NET_BIND_SERVICE & 1));
}

static int set_caps(unsigned long long eff, unsigned long long prm, unsigned long long inh)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2] = {{(unsigned)eff, (unsigned)prm, (unsigned)inh},
                                          {(unsigned)(eff >> 32), (unsigned)(prm >> 32), (unsigned)(inh >> 32)}};
    return syscall(SYS_capset, &h, d);
}

static void run(const char *title, void (*fn)(void))
{
    printf("-- %s\n", title);
    pid_t c = fork();
    if (c == 0) {
        fn();
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        printf("child status %x\n", st);
}

static const char *self;

static void exec_report(const char *tag)
{
    execl(self, self, tag, NULL);
    printf("exec: %s\n", errname(errno));
}

static void bits(void)
{
    CHECK(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
    CHECK(prctl(PR_SET_SECUREBITS, 1UL << 30, 0, 0, 0));
    CHECK(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0));
    CHECK(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    CHECK(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
    CHECK(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
    CHECK(prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0));
    CHECK(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0));
    CHECK(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
    CHECK(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0));
    CHECK(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0));
    CHECK(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NOROOT, 0, 0, 0));
    CHECK(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
}

static void without_setpcap(void)
{
    unsigned long long all = cap_line("CapPrm:") & ~(1ULL << CAP_SETPCAP);
    CHECK(set_caps(all, all, 0));
    CHECK(prctl(PR_SET_SECUREBITS, 0, 0, 0, 0));
    CHECK(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0));
    CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)); /* needs no privilege */
    CHECK(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
}

static void keep_caps(void)
{
    CHECK(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0));
    CHECK(setresuid(65534, 65534, 65534));
    show_caps("after leaving root with KEEP_CAPS");
    exec_report("report");
}

static void no_keep_caps(void)
{
    CHECK(setresuid(65534, 65534, 65534));
    show_caps("after leaving root");
}

static void no_fixup(void)
{
    CHECK(prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0));
    CHECK(setresuid(65534, 65534, 65534));
    show_caps("after leaving root with NO_SETUID_FIXUP");
}

static void noroot(void)
{
    CHECK(prctl(PR_SET_SECUREBITS, SECBIT_NOROOT, 0, 0, 0));
    exec_report("report");
}

static void no_ambient_raise(void)
{
    unsigned long long all = cap_line("CapPrm:");
    CHECK(set_caps(all, all, 1ULL << CAP_NET_BIND_SERVICE));
    CHECK(prctl(PR_SET_SECUREBITS, SECBIT_NO_CAP_AMBIENT_RAISE, 0, 0, 0));
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0));
}

static char suid_copy[128];

static void ambient_setuid_exec(void)
{
    unsigned long long all = cap_line("CapPrm:");
    CHECK(set_caps(all, all, 1ULL << CAP_NET_BIND_SERVICE));
    CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    CHECK(setresuid(1000, 1000, 1000));
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0));
    show_caps("uid 1000 with an ambient capability");
    pid_t c = fork();
    if (c == 0) {
        execl(self, self, "report", NULL);
        _exit(98);
    }
    waitpid(c, NULL, 0);
    execl(suid_copy, suid_copy, "report", NULL);
    printf("exec: %s\n", errname(errno));
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        printf("after exec: uid %d euid %d securebits %d\n", (int)getuid(), (int)geteuid(),
               (int)prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
        show_caps("after exec");
        return 0;
    }
    self = "/proc/self/exe";
    static char exe[256];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        self = exe;
    }
    run("the bits and their locks", bits);
    run("without CAP_SETPCAP", without_setpcap);
    run("KEEP_CAPS", keep_caps);
    run("no KEEP_CAPS", no_keep_caps);
    run("NO_SETUID_FIXUP", no_fixup);
    run("NOROOT", noroot);
    run("NO_CAP_AMBIENT_RAISE", no_ambient_raise);

    /* a set-user-ID copy of this program, owned by uid 5000 */
    snprintf(suid_copy, sizeof suid_copy, "/tmp/securebits-suid-%d", (int)getpid());
    int in = open(self, O_RDONLY), out = open(suid_copy, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    char b[65536];
    while ((n = read(in, b, sizeof b)) > 0)
        write(out, b, n);
    close(in);
    close(out);
    chown(suid_copy, 5000, 5000);
    chmod(suid_copy, 04755);
    run("a set-user-ID exec clears the ambient set", ambient_setuid_exec);
    unlink(suid_copy);
    return 0;
}
