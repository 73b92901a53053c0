using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// The host-administration calls (modules, kexec, reboot, swap, accounting, the kernel log, port I/O, io_uring, bpf,
/// file handles) answer as Linux answers a container without the capability, and the calls Docker's default profile
/// refuses (perf, fanotify, userfaultfd, quotas, ustat, LDT) as it does; never ENOSYS. Sandbox only: natively,
/// as root, several of these would act on the machine.
/// </summary>
public sealed class RefusedSyscallsTests : IDisposable
{
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("appkernel-refused-");

    public void Dispose() => _dir.Delete(true);

    const string Source = """
        #define _GNU_SOURCE
        #include <errno.h>
        #include <fcntl.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/syscall.h>
        #include <unistd.h>
        #define T(name, call) do { errno = 0; long r = (call); printf("%s %ld %s\n", name, r, r < 0 ? strerrorname_np(errno) : "-"); } while (0)
        int main(void)
        {
            char buf[256] = {0};
            int mid;
            T("vhangup", syscall(SYS_vhangup));
            T("acct", syscall(SYS_acct, NULL));
            T("swapon", syscall(SYS_swapon, "/nonexistent", 0));
            T("swapoff", syscall(SYS_swapoff, "/nonexistent"));
            T("reboot", syscall(SYS_reboot, 0, 0, 0, NULL));
            T("init_module", syscall(SYS_init_module, NULL, 0, ""));
            T("finit_module", syscall(SYS_finit_module, -1, "", 0));
            T("delete_module", syscall(SYS_delete_module, "x", 0));
            T("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
            T("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 0));
            T("bpf", syscall(SYS_bpf, 0, NULL, 0));
            T("lookup_dcookie", syscall(SYS_lookup_dcookie, 0, NULL, 0));
            T("io_uring_setup", syscall(SYS_io_uring_setup, 1, buf));
            T("io_uring_enter bad fd", syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0));
            T("io_uring_enter not a ring", syscall(SYS_io_uring_enter, 0, 0, 0, 0, NULL, 0));
            T("io_uring_register", syscall(SYS_io_uring_register, 0, 0, NULL, 0));
            T("syslog read", syscall(SYS_syslog, 3, buf, 10));
            T("syslog open", syscall(SYS_syslog, 1, NULL, 0));
            T("iopl 0", syscall(SYS_iopl, 0));
            T("iopl 3", syscall(SYS_iopl, 3));
            T("iopl 4", syscall(SYS_iopl, 4));
            T("ioperm on", syscall(SYS_ioperm, 0, 8, 1));
            T("ioperm off", syscall(SYS_ioperm, 0, 8, 0));
            T("ioperm range", syscall(SYS_ioperm, 65535, 2, 1));
            T("name_to_handle_at", syscall(SYS_name_to_handle_at, AT_FDCWD, "/", buf, &mid, 0));
            T("name_to_handle_at flags", syscall(SYS_name_to_handle_at, AT_FDCWD, "/", buf, &mid, 1));
            T("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, buf, 0));
            T("perf_event_open", syscall(SYS_perf_event_open, buf, 0, -1, -1, 0));
            T("fanotify_init", syscall(SYS_fanotify_init, 0, 0));
            T("fanotify_mark", syscall(SYS_fanotify_mark, 0, 0, 0, AT_FDCWD, "/"));
            T("userfaultfd", syscall(SYS_userfaultfd, 0));
            T("quotactl", syscall(SYS_quotactl, 0, NULL, 0, NULL));
            T("quotactl_fd", syscall(SYS_quotactl_fd, 0, 0, 0, NULL));
            T("ustat", syscall(SYS_ustat, 0, buf));
            T("modify_ldt", syscall(SYS_modify_ldt, 1, buf, 16));
            return 0;
        }
        """;

    [Fact]
    public void HostAdministrationIsRefusedAsLinuxRefusesAContainer()
    {
        var bin = CompileC(_dir.FullName, "refused", Source);
        string log = Path.Combine(_dir.FullName, "sentry.log");
        var r = Sandboxed([bin], ["--debug", "--debug-log", log]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var got = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(l => l[..l.LastIndexOf(' ', l.LastIndexOf(' ') - 1)], l => l[(l.LastIndexOf(' ', l.LastIndexOf(' ') - 1) + 1)..]);
        string[] eperm = ["vhangup", "acct", "swapon", "swapoff", "reboot", "init_module", "finit_module", "delete_module",
            "kexec_load", "kexec_file_load", "bpf", "lookup_dcookie", "io_uring_setup", "iopl 3", "ioperm on",
            "open_by_handle_at", "perf_event_open", "fanotify_init", "fanotify_mark",
            "userfaultfd", "quotactl", "quotactl_fd", "ustat", "modify_ldt"];
        foreach (var name in eperm) Assert.True(got[name] == "-1 EPERM", $"{name}: {got[name]}");
        Assert.Equal("-1 EBADF", got["io_uring_enter bad fd"]);
        Assert.Equal("-1 EOPNOTSUPP", got["io_uring_enter not a ring"]);
        Assert.Equal("-1 EOPNOTSUPP", got["io_uring_register"]);
        Assert.Equal("0 -", got["syslog open"]);
        // The kernel log is the sandbox's own, which its root (holding CAP_SYSLOG) may read: the newest 10 bytes.
        Assert.Equal("10 -", got["syslog read"]);
        Assert.Equal("0 -", got["iopl 0"]);
        Assert.Equal("-1 EINVAL", got["iopl 4"]);
        Assert.Equal("0 -", got["ioperm off"]);
        Assert.Equal("-1 EINVAL", got["ioperm range"]);
        Assert.Equal("-1 EOPNOTSUPP", got["name_to_handle_at"]);
        Assert.Equal("-1 EINVAL", got["name_to_handle_at flags"]);
        Assert.DoesNotContain(File.ReadAllLines(log), l => l.Contains("unimplemented") || l.Contains("ENOSYS"));
    }
}
