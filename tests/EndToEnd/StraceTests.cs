using System.Text.RegularExpressions;
using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>strace inside the sandbox (ptrace of guest processes by guest processes: PTRACE_SEIZE, syscall stops,
/// fork and exec events, GET_SYSCALL_INFO): its trace must read as the native one, once pids, the environment's
/// address and getppid's value are taken out.</summary>
[Trait("Category", "EndToEnd")]
public class StraceTests
{
    const string Strace = "/usr/bin/strace";

    public static TheoryData<string[]> Commands => new()
    {
        // Following forks (-f): the shell's child execs cat; both exits are seen.
        new[] { Strace, "-f", "-qq", "-e", "trace=getppid,exit_group,execve", "-e", "signal=none", "/bin/sh", "-c", "cat /dev/null; exit 3" },
        // Syscalls with arguments and results decoded from the tracee's memory and registers.
        new[] { Strace, "-qq", "-e", "trace=openat,read,close,fstat", "/bin/cat", "/etc/os-release" },
        // A delivered signal (signal-delivery-stop) and the tracee's handler.
        new[] { Strace, "-qq", "-e", "trace=kill,rt_sigreturn", "/bin/bash", "-c", "trap 'echo got' USR1; kill -USR1 $$; echo after" },
    };

    // strace pads results to a column, so a pid's width moves them: runs of spaces count as one.
    static string Normalize(string s) => Regex.Replace(Regex.Replace(Regex.Replace(Regex.Replace(Regex.Replace(s,
        @"\[pid +\d+\] ", ""),
        @"0x[0-9a-f]+ /\* \d+ vars \*/", "ENV"),
        @"(getppid\(\) += )\d+", "$1N"),
        @"(si_pid=|kill\()\d+", "$1N"),
        " +", " ");

    [Theory]
    [MemberData(nameof(Commands))]
    public void TraceMatchesNative(string[] argv)
    {
        Assert.True(File.Exists(Strace), "strace is not installed (.ci/run installs it)");
        var native = Native(argv);
        var boxed = Sandboxed(argv);
        Assert.True(native.ExitCode == boxed.ExitCode, $"exit status differs: native {native}, runsc {boxed}");
        Assert.True(native.Stdout == boxed.Stdout, $"stdout differs\n=== native ===\n{native}\n=== runsc ===\n{boxed}");
        string n = Normalize(native.Stderr), b = Normalize(boxed.Stderr);
        Assert.True(n.Length > 0, $"native strace printed nothing: {native}");
        Assert.True(n == b, $"trace differs\n=== native ===\n{n}\n=== runsc ===\n{b}");
    }
}
