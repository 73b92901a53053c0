using AppKernel.Sentry.Syscalls;
using Xunit;

namespace AppKernel.Tests.Syscalls;

/// <summary>SYSCALLS.md is generated from SyscallStates and the syscall table, and must stay equal to them; no number
/// Linux 6.1 implements may be left without a handler or a note saying why.</summary>
public sealed class SyscallTableDocTests
{
    static string DocPath => Path.Combine(EndToEnd.RunscHarness.RepoRoot, "SYSCALLS.md");

    [Fact]
    public void EveryMissingHandlerIsExplained()
    {
        Assert.Empty(SyscallStates.Unexplained().Select(nr => $"{nr} {SyscallNames.Names[nr]}"));
        Assert.Empty(SyscallStates.Stale().Select(nr => $"{nr} {SyscallNames.Names[nr]}"));
    }

    [Fact]
    public void SyscallTableDocIsCurrent()
    {
        var generated = SyscallStates.Markdown();
        if (Environment.GetEnvironmentVariable("UPDATE_SYSCALL_TABLE") == "1") File.WriteAllText(DocPath, generated);
        Assert.True(File.Exists(DocPath), "SYSCALLS.md is missing: run with UPDATE_SYSCALL_TABLE=1");
        Assert.True(generated == File.ReadAllText(DocPath),
            "SYSCALLS.md differs from SyscallStates: rerun with UPDATE_SYSCALL_TABLE=1 and commit it");
    }
}
