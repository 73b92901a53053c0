using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>The guest's vDSO (the host's, moved into the stub's range): clocks without a trap, agreeing with the
/// trapped syscalls and with the host.</summary>
public sealed class VdsoTests : IDisposable
{
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("appkernel-vdso-");

    public void Dispose() => _dir.Delete(true);

    [Theory]
    [InlineData("systrap")]
    [InlineData("ptrace")]
    public void ClocksRunInTheGuestAndAgreeWithTheSyscalls(string platform)
    {
        var src = File.ReadAllText(Path.Combine(RepoRoot, "tests", "EndToEnd", "vdso", "vdso_clocks.c"));
        var bin = CompileC(_dir.FullName, "vdso_clocks", src);
        var native = Native(bin);
        var r = Run(RunscPath, [$"--platform={platform}", "do", "--strace", bin]);
        Assert.True(r.ExitCode == 0, r.ToString());
        static string[] Facts(string s) => s.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("realtime ")).ToArray();
        Assert.Equal(Facts(native.Stdout), Facts(r.Stdout));
        Assert.Contains("vdso: yes", r.Stdout);
        // Only the case's own syscall(SYS_clock_gettime) calls trap; the library's clocks never do.
        var traced = r.Stderr.Split('\n');
        Assert.Equal(6, traced.Count(l => l.Contains("] clock_gettime(")));
        Assert.DoesNotContain(traced, l => l.Contains("] gettimeofday(") || l.Contains("] time(") || l.Contains("] getcpu("));
        long guestNs = long.Parse(r.Stdout.Split('\n').Single(l => l.StartsWith("realtime "))["realtime ".Length..]);
        long hostNs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        Assert.InRange(hostNs - guestNs, 0, 5_000_000_000L);
    }
}
