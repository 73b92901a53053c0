using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>util-linux's `unshare -fp --mount-proc` natively and under `runsc do`: the program is pid 1 of a new PID
/// namespace with a proc of its own, so what it prints (pids, parents, /proc's listing) must be the same.</summary>
[Trait("Category", "EndToEnd")]
public class PidNamespaceTests
{
    const string Unshare = "/usr/bin/unshare";

    public static TheoryData<string[]> Commands => new()
    {
        new[] { Unshare, "-fpm", "--mount-proc", "/bin/sh", "-c", "echo $$; ls /proc | grep -c '^[0-9]'; grep -c . /proc/self/status >/dev/null; readlink /proc/self" },
        new[] { Unshare, "-fpm", "--mount-proc", "/usr/bin/ps", "-o", "pid,ppid,comm" },
        // An orphan of the namespace goes to its init (the shell), and ps lists the namespace alone, in pid order; the
        // orphan outlives a slow ps and dies with the init.
        new[] { Unshare, "-fpm", "--mount-proc", "/bin/sh", "-c", "sh -c 'sleep 30 & exit'; sleep 0.1; ps -o pid,ppid,comm; kill -0 2 2>/dev/null; echo $?" },
        // The init is pid 1 with no parent it can see; a pid of the parent namespace cannot be signalled.
        new[] { Unshare, "-fpm", "--mount-proc", "/bin/sh", "-c", "grep -E '^(Pid|PPid|NSpid):' /proc/self/status | tr '\\t' ' '; cut -d' ' -f1,4 /proc/1/stat" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void MatchesNative(string[] argv)
    {
        Assert.True(File.Exists(Unshare) && File.Exists("/usr/bin/ps"), "util-linux unshare and procps ps are needed");
        var native = Native(argv);
        Assert.True(native.ExitCode == 0 && native.Stdout.Length > 0, $"native run failed (needs root): {native}");
        var boxed = Sandboxed(argv);
        Assert.True(native.Stdout == boxed.Stdout,
            $"stdout differs for {string.Join(' ', argv)}\n=== native ===\n{native}\n=== runsc ===\n{boxed}");
        Assert.True(native.ExitCode == boxed.ExitCode, $"exit status differs: native {native.ExitCode}, runsc {boxed}");
    }
}
