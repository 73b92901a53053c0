using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

[Trait("Category", "EndToEnd")]
public class RunscBehaviourTests
{
    [Fact]
    public void Strace_PrintsSyscallsWithResults()
    {
        var r = Sandboxed(new[] { "/bin/true" }, new[] { "--strace" });
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.Stdout);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("exit_group("));
        Assert.Contains(lines, l => l.Contains("brk(") || l.Contains("mmap("));
        Assert.True(lines.Count(l => l.Contains(" = ")) >= 5, $"expected syscall lines with results:\n{r.Stderr}");
        // Results are printed as numbers, hex addresses, or -1 ERRNO.
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"\) = (0x[0-9a-f]+|-?\d+)"));
        // Then the time the Sentry took (strace -T's form) and, after the first, the time spent in the guest before it.
        var calls = lines.Where(l => l.StartsWith('[')).ToList();
        Assert.All(calls, l => Assert.Matches(@"\) = .* <\d+\.\d{6}>( guest \d+\.\d{6})?$", l));
        Assert.True(calls.Count(l => l.Contains(" guest ")) >= calls.Count - 1, r.Stderr);
    }

    /// <summary>A known subcommand builds only its own command tree (Program.Main): help and unknown words must
    /// still see every command, and each command must still answer to its name.</summary>
    [Fact]
    public void Help_ListsEveryCommand_AndEachCommandAnswersToItsName()
    {
        string[] commands = ["do", "spec", "create", "start", "state", "kill", "delete", "run", "list", "wait", "exec",
            "pause", "resume", "ps", "events", "update", "features", "install", "uninstall"];
        var help = Run(RunscPath, ["--help"]);
        Assert.True(help.ExitCode == 0, help.ToString());
        foreach (var c in commands)
        {
            Assert.Matches($@"(?m)^  {c}\b", help.Stdout);
            var one = Run(RunscPath, [c, "--help"]);
            Assert.True(one.ExitCode == 0, one.ToString());
            Assert.Contains($"runsc {c}", one.Stdout);
        }
        var bogus = Run(RunscPath, ["bogus"]);
        Assert.NotEqual(0, bogus.ExitCode);
        Assert.Contains("Unrecognized command or argument 'bogus'", bogus.Stderr);
        // A global flag's value is not taken for the subcommand.
        var flagged = Run(RunscPath, ["--log-format", "json", "state", "--help"]);
        Assert.True(flagged.ExitCode == 0, flagged.ToString());
        Assert.Contains("runsc state", flagged.Stdout);
    }

    /// <summary>A known subcommand is parsed under a bare root first (Program.Main); a parse error is then reported
    /// through the full tree. Each error must come once (a validator added twice would report it twice), with the
    /// command's usage, as RootCommand reports it.</summary>
    [Fact]
    public void ParseErrorInAKnownCommand_IsReportedOnce_WithTheCommandsUsage()
    {
        foreach (string[] args in new[] { new[] { "do", "--network", "bogus", "/bin/true" }, ["--platform", "bogus", "do", "/bin/true"],
                     ["list", "--format", "xml"], ["--log-format", "xml", "state", "x"] })
        {
            var r = Run(RunscPath, args);
            Assert.True(r.ExitCode != 0, r.ToString());
            Assert.Equal(1, System.Text.RegularExpressions.Regex.Matches(r.Stderr, "'(bogus|xml)' not recognized").Count);
            Assert.Contains($"runsc {args.First(a => a is "do" or "list" or "state")}", r.Stdout);
        }
        // A valid line runs under the bare root: the command's action ran and its flags were read.
        var ok = Run(RunscPath, ["--platform", "ptrace", "do", "--cwd", "/usr", "/bin/pwd"]);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal("/usr\n", ok.Stdout);
    }

    [Fact]
    public void WithoutStrace_NoSyscallTrace()
    {
        var r = Sandboxed("/bin/true");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("exit_group(", r.Stderr);
    }

    [Fact]
    public void ProcVersion_DoesNotRevealHostKernel()
    {
        var host = Native("/bin/uname", "-r").Stdout.Trim();
        Assert.NotEqual("", host);
        var r = Sandboxed("/bin/cat", "/proc/version");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("Linux version ", r.Stdout);
        Assert.DoesNotContain(host, r.Stdout);
        var u = Sandboxed("/bin/uname", "-r");
        Assert.True(u.ExitCode == 0, u.ToString());
        Assert.DoesNotContain(host, u.Stdout);
    }

    [Fact]
    public void MissingProgram_Exits127()
    {
        var r = Sandboxed("/nonexistent");
        Assert.True(r.ExitCode == 127, r.ToString());
        Assert.Contains("No such file", r.Stderr);
    }

    [Fact]
    public void NonExecutableFile_Exits126()
    {
        var r = Sandboxed("/etc/passwd");
        Assert.True(r.ExitCode == 126, r.ToString());
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void ExitStatus_IsPropagated()
    {
        var r = Sandboxed("/bin/busybox", "sh", "-c", "exit 42");
        Assert.True(r.ExitCode == 42, r.ToString());
    }
}

/// <summary>Guest programs compiled for the test: faults and memory accounting.</summary>
[Trait("Category", "EndToEnd")]
public class CompiledProgramTests : IClassFixture<TempDirFixture>
{
    readonly string _dir;
    public CompiledProgramTests(TempDirFixture tmp) => _dir = tmp.Dir;

    [Fact]
    public void JumpToUnmappedAddress_Exits139_Segfault()
    {
        var bin = CompileC(_dir, "jump0x10", "int main(void) { ((void (*)(void))0x10)(); return 0; }\n");
        var native = Run(bin, Array.Empty<string>());
        Assert.Equal(139, native.ExitCode); // native: killed by SIGSEGV (128 + 11)
        // The guest's death, reported as 128+11 by a runsc that exited normally (not runsc killed by SIGSEGV).
        using var w = new WatchedRunsc("do", bin);
        Assert.Equal("", w.Stdout.ReadToEnd());
        var (signaled, code) = w.WaitEnd();
        Assert.False(signaled, $"runsc itself died of signal {code}");
        Assert.Equal(139, code);
        Assert.Contains("Segmentation fault", w.Stderr);
    }

    const string MmapUntilEnomem = """
        #include <errno.h>
        #include <stdio.h>
        #include <sys/mman.h>
        int main(void) {
            char *first = NULL;
            long n = 0;
            for (;;) {
                void *p = mmap(NULL, 1UL << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED) break;
                if (!first) first = p;
                if (++n > 200000) { errno = 0; break; }
            }
            if (errno == ENOMEM) printf("ENOMEM\n");
            fflush(stdout);
            if (!first) return 2;
            first[0] = 1;
            first[4096 * 3] = 2;
            printf("alive\n");
            return 0;
        }
        """;

    [Fact]
    public void MmapUntilFailure_IsEnomem_AndProcessSurvives()
    {
        // Not run natively: it would try to reserve the host's whole address space.
        var bin = CompileC(_dir, "mmap_enomem", MmapUntilEnomem);
        var r = Sandboxed(new[] { bin }, timeoutMs: 90_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("ENOMEM\nalive\n", r.Stdout);
    }
}
