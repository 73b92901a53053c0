using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>
/// The systrap platform as a guest may abuse it: the stub's code and message areas live in the guest's address
/// space, so a guest can jump to any of the stub's syscall instructions with registers of its choosing, scribble on
/// the areas, and unmap or protect the stub's pages. None of it may reach the host or break the Sentry.
/// </summary>
public sealed class SystrapTests : IDisposable
{
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("appkernel-systrap-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void StubAttacksFailWithoutHarm()
    {
        var src = File.ReadAllText(Path.Combine(RepoRoot, "tests", "EndToEnd", "systrap", "stub_attack.c"));
        var bin = CompileC(_dir.FullName, "stub_attack", src);
        string hostDir = Path.Combine(_dir.FullName, "made-by-guest"), hostFile = Path.Combine(_dir.FullName, "created-by-guest");
        string log = Path.Combine(_dir.FullName, "sentry.log");
        // `exec` keeps the shell's pid: the guest is told runsc's own pid to try to kill.
        string trampoline = AppKernel.Platform.Systrap.SystrapImage.Trampoline.ToString("x");
        // The syscall instruction whose filter entry allows pread64 (a site is the address after its instruction).
        string preadSite = (AppKernel.Platform.Systrap.SystrapImage.Sites.Single(s => s.Nr == 17).Ip - 2).ToString("x");
        var r = Run("/bin/sh", ["-c", "exec \"$0\" --platform=systrap do --debug-log \"$1\" \"$2\" \"$3\" \"$4\" $$ \"$5\" \"$6\"", RunscPath, log, bin, hostDir, hostFile, trampoline, preadSite],
            timeoutMs: 240_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("sites tried: many", r.Stdout);
        Assert.Contains("scribble: done", r.Stdout);
        Assert.Contains("mappings: done", r.Stdout);
        // The trampoline served the mkdir as the sandbox's syscall and came back to the given address.
        Assert.Contains("trampoline: exit", r.Stdout);
        // The stub's pread reaches the file the guest read (a fork's stub inherits its fd), and no other.
        Assert.True(r.Stdout.Contains("pread: own file reached, nothing else"), r.ToString());
        Assert.Contains("true: 0", r.Stdout);
        Assert.EndsWith("sandbox ok\n", r.Stdout);
        Assert.False(Directory.Exists(hostDir), "a guest jumping into the stub made a directory on the host");
        Assert.False(File.Exists(hostFile), "a guest jumping into the stub created a file on the host");
        Assert.Empty(LogErrors(log));
    }

    [Fact]
    public void SystrapIsTheDefaultAndPtraceStaysAvailable()
    {
        string log = Path.Combine(_dir.FullName, "default.log");
        var r = Sandboxed(["/bin/sh", "-c", "echo $((6*7))"], ["--debug", "--debug-log", log]);
        Assert.Equal("42\n", r.Stdout);
        // systrap, unless the suite runs with another default (test.sh runs it once per platform).
        var expected = Environment.GetEnvironmentVariable("RUNSC_PLATFORM") is { Length: > 0 } d ? d : "systrap";
        Assert.Contains(File.ReadAllLines(log), l => l.Contains("platform " + expected));

        string log2 = Path.Combine(_dir.FullName, "ptrace.log");
        var p = Run(RunscPath, ["--platform=ptrace", "do", "--debug", "--debug-log", log2, "/bin/sh", "-c", "echo $((6*7))"]);
        Assert.Equal("42\n", p.Stdout);
        Assert.Contains(File.ReadAllLines(log2), l => l.Contains("platform ptrace"));

        var bad = Run(RunscPath, ["--platform=kvm", "do", "/bin/true"]);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("kvm", bad.Stderr);
    }

    [Fact]
    public void StubFilterAllowsEachSiteOnlyItsOwnCalls()
    {
        var sites = AppKernel.Platform.Systrap.SystrapImage.Sites;
        Assert.NotEmpty(sites);
        // No site may open, write files, signal, or exec: those are the guest's, served by the Sentry. The one read
        // is pread64, of the fds the stub holds for files the guest reads (StubFiles).
        int[] never = [0, 1, 2, 18, 19, 20, 59, 62, 200, 234, 257, 322, 41, 42, 43, 101];
        Assert.Single(sites, s => s.Nr == 17);
        Assert.DoesNotContain(sites, s => never.Contains(s.Nr));
        // clone is made from exactly one instruction.
        Assert.Single(sites, s => s.Nr == 56);
        Assert.All(sites, s => Assert.InRange(s.Ip, AppKernel.Platform.Systrap.SysmsgLayout.CodeBase,
            AppKernel.Platform.Systrap.SysmsgLayout.CodeBase + AppKernel.Platform.Systrap.SysmsgLayout.CodeSize));
    }
}
