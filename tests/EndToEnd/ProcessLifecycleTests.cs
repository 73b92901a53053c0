using System.Diagnostics;
using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>runsc as a process: signals it forwards, and nothing left behind when it is killed.</summary>
public sealed class ProcessLifecycleTests
{
    static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo(RunscPath) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    /// <summary>runsc ended normally with the guest's status, not by the signal itself (which .NET's ExitCode cannot tell).</summary>
    static void AssertGuestStatus(WatchedRunsc r, int status)
    {
        var (signaled, code) = r.WaitEnd(10_000);
        Assert.False(signaled, $"runsc itself was killed by signal {code}\n{r.Stderr}");
        Assert.Equal(status, code);
    }

    [Fact]
    public void SigintStopsTheGuestWithItsStatus()
    {
        using var r = new WatchedRunsc("do", "/bin/sh", "-c", "echo ready; exec /bin/sleep 100");
        Assert.Equal("ready", r.ReadLine());
        WaitUntilGuestBlocks(r.Pid);
        r.Signal("INT");
        AssertGuestStatus(r, 130);
    }

    /// <summary>SIGUSR2 to runsc logs each task's state (the diagnostic for a sandbox that seems stuck) and the
    /// guest goes on: the sleeping task is named with its syscall and what it sleeps on.</summary>
    [Fact]
    public void Sigusr2LogsEachTaskAndTheGuestGoesOn()
    {
        var log = Path.Combine(Path.GetTempPath(), $"appkernel-dump-{Guid.NewGuid():N}.log");
        try
        {
            using var r = new WatchedRunsc("do", "--debug-log", log, "/bin/sh", "-c", "echo ready; read x; exec /bin/sleep 100");
            Assert.Equal("ready", r.ReadLine());
            WaitUntilGuestBlocks(r.Pid);
            r.Signal("USR2");
            // The header and the task's line are two log writes: wait for the line, not just the header.
            var taskLine = new System.Text.RegularExpressions.Regex(@"task 1 \(process 1, sh\): live, in read, sleeping on \w+");
            var sw = Stopwatch.StartNew();
            string text = "";
            while (sw.ElapsedMilliseconds < 10_000 && !taskLine.IsMatch(text = File.ReadAllText(log))) Thread.Sleep(20);
            Assert.Contains("task dump: 1 tasks", text);
            Assert.Matches(taskLine, text);
            r.Go(); // the guest was not disturbed: it reads its line and goes on to sleep
            r.Stdin.WriteLine();
            r.Stdin.Flush();
            WaitUntilGuestBlocks(r.Pid);
            r.Signal("TERM");
            AssertGuestStatus(r, 143);
        }
        finally { File.Delete(log); }
    }

    /// <summary>`timeout 1 runsc do sleep 100`: timeout's SIGTERM ends the sandbox, and timeout reports 124.</summary>
    [Fact]
    public void TimeoutEndsASleepingGuest()
    {
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(new ProcessStartInfo("timeout") { ArgumentList = { "1", RunscPath, "do", "/bin/sleep", "100" }, RedirectStandardError = true })!;
        Assert.True(p.WaitForExit(15_000), "timeout 1 runsc do sleep 100 did not end");
        Assert.Equal(124, p.ExitCode);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }

    /// <summary>A guest blocked reading runsc's stdin (a pipe with no writer activity) still takes the signal.</summary>
    [Fact]
    public void SigintReachesAGuestBlockedOnStdin()
    {
        using var r = new WatchedRunsc("do", "/bin/sh", "-c", "echo ready; exec /bin/cat");
        Assert.Equal("ready", r.ReadLine());
        WaitUntilGuestBlocks(r.Pid);
        r.Signal("INT");
        AssertGuestStatus(r, 130);
    }

    [Fact]
    public void SigtermStopsTheGuest()
    {
        using var r = new WatchedRunsc("do", "/bin/busybox", "sh", "-c", "echo ready; sleep 100; echo not reached");
        Assert.Equal("ready", r.ReadLine());
        WaitUntilGuestBlocks(r.Pid, minStubs: 2); // the shell waits for its sleep child
        r.Signal("TERM");
        AssertGuestStatus(r, 143);
        Assert.DoesNotContain("not reached", r.Stdout.ReadToEnd());
    }

    [Fact]
    public void KillMinusNineLeavesNoProcessBehind()
    {
        using var r = new WatchedRunsc("do", "/bin/bash", "-c", "sleep 100 | cat & echo ready; sleep 100");
        Assert.Equal("ready", r.ReadLine());
        WaitUntilGuestBlocks(r.Pid, minStubs: 3);
        var tree = Descendants(r.Pid);
        Assert.True(tree.Count >= 4, $"expected gofer and stubs under runsc, found {tree.Count}");
        r.Signal("KILL");
        var (signaled, code) = r.WaitEnd(10_000);
        Assert.True(signaled && code == 9, $"runsc should have died of SIGKILL, got {(signaled ? "signal" : "exit")} {code}");
        Assert.Empty(Survivors(tree));
    }

    /// <summary>kill(-1) inside the sandbox reaches every guest process but init and the sender, and nothing outside
    /// (natively it would signal the whole machine, so this runs only sandboxed).</summary>
    [Fact]
    public void KillMinusOneReachesEveryGuestProcessButInit()
    {
        using var outside = Start("do", "/bin/sleep", "30");
        var r = Sandboxed("/bin/bash", "-c",
            "trap 'echo init survived' TERM; sleep 100 & a=$!; (trap - TERM; : > /tmp/b-ready; sleep 100; echo never) & b=$!; " +
            // Handshake, no sleep: both children are past their fork (a runs sleep, b has dropped init's trap).
            "until [ -e /tmp/b-ready ] && read c < /proc/$a/comm && [ \"$c\" = sleep ]; do :; done; " +
            "bash -c 'kill -TERM -1; echo sender survived'; wait $a; echo a $?; wait $b; echo b $?");
        Assert.Equal("sender survived\na 143\nb 143\n", r.Stdout);
        Assert.False(outside.HasExited, "a process outside the sandbox was signalled");
        outside.Kill();
    }
}
