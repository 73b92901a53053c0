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

    /// <summary>Processes whose parent chain leads to pid (stubs, gofer, guest processes).</summary>
    static List<int> Descendants(int pid)
    {
        var all = new List<int>();
        var queue = new Queue<int>(new[] { pid });
        while (queue.Count > 0)
        {
            int p = queue.Dequeue();
            foreach (var task in Directory.Exists($"/proc/{p}/task") ? Directory.GetDirectories($"/proc/{p}/task") : Array.Empty<string>())
            {
                string children;
                try { children = File.ReadAllText(Path.Combine(task, "children")); } catch (IOException) { continue; }
                foreach (var c in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    all.Add(int.Parse(c));
                    queue.Enqueue(int.Parse(c));
                }
            }
        }
        return all;
    }

    static bool Alive(int pid)
    {
        try { return !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].StartsWith('Z'); }
        catch (IOException) { return false; }
    }

    [Fact]
    public void SigintStopsTheGuestWithItsStatus()
    {
        using var p = Start("do", "/bin/sleep", "100");
        Thread.Sleep(1000);
        Process.Start("kill", new[] { "-INT", p.Id.ToString() })!.WaitForExit();
        Assert.True(p.WaitForExit(10_000), "runsc did not end after SIGINT");
        Assert.Equal(130, p.ExitCode);
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
        using var p = Start("do", "/bin/cat");
        Thread.Sleep(1000);
        Process.Start("kill", new[] { "-INT", p.Id.ToString() })!.WaitForExit();
        Assert.True(p.WaitForExit(10_000), "runsc did not end after SIGINT while cat read stdin");
        Assert.Equal(130, p.ExitCode);
    }

    [Fact]
    public void SigtermStopsTheGuest()
    {
        using var p = Start("do", "/bin/busybox", "sh", "-c", "sleep 100; echo not reached");
        Thread.Sleep(1000);
        Process.Start("kill", new[] { "-TERM", p.Id.ToString() })!.WaitForExit();
        Assert.True(p.WaitForExit(10_000), "runsc did not end after SIGTERM");
        Assert.Equal(143, p.ExitCode);
        Assert.DoesNotContain("not reached", p.StandardOutput.ReadToEnd());
    }

    [Fact]
    public void KillMinusNineLeavesNoProcessBehind()
    {
        using var p = Start("do", "/bin/bash", "-c", "sleep 100 | cat & sleep 100");
        Thread.Sleep(1500);
        var tree = Descendants(p.Id);
        Assert.True(tree.Count >= 4, $"expected gofer and stubs under runsc, found {tree.Count}");
        p.Kill();
        p.WaitForExit(10_000);
        for (int i = 0; i < 50 && tree.Exists(Alive); i++) Thread.Sleep(100);
        Assert.Empty(tree.Where(Alive));
    }

    /// <summary>kill(-1) inside the sandbox reaches every guest process but init and the sender, and nothing outside
    /// (natively it would signal the whole machine, so this runs only sandboxed).</summary>
    [Fact]
    public void KillMinusOneReachesEveryGuestProcessButInit()
    {
        using var outside = Start("do", "/bin/sleep", "30");
        var r = Sandboxed("/bin/bash", "-c",
            "trap 'echo init survived' TERM; sleep 100 & a=$!; (sleep 100; echo never) & b=$!; " +
            "sleep 0.3; bash -c 'kill -TERM -1; echo sender survived'; wait $a; echo a $?; wait $b; echo b $?");
        Assert.Equal("sender survived\na 143\nb 143\n", r.Stdout);
        Assert.False(outside.HasExited, "a process outside the sandbox was signalled");
        outside.Kill();
    }
}
