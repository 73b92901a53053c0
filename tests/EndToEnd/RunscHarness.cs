using System.Diagnostics;
using System.Text;
using Xunit;

namespace AppKernel.Tests.EndToEnd;

public sealed record ProcResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Trunc(Stdout)}\n--- stderr ---\n{Trunc(Stderr)}";
    static string Trunc(string s) => s.Length > 4000 ? s[..4000] + "\n...(truncated)" : s;
}

/// <summary>Locates out/runsc and runs programs natively or inside the sandbox with a timeout.</summary>
public static class RunscHarness
{
    public const int DefaultTimeoutMs = 60_000;

    static readonly Lazy<string> Root = new(() =>
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "AppKernel.sln"))) return d.FullName;
        throw new InvalidOperationException($"AppKernel.sln not found above {AppContext.BaseDirectory}");
    });

    public static string RepoRoot => Root.Value;

    /// <summary>Path to out/runsc. Waits briefly in case a rebuild is replacing it, then fails loudly.</summary>
    public static string RunscPath
    {
        get
        {
            var p = Path.Combine(RepoRoot, "out", "runsc");
            for (int i = 0; i < 60 && !File.Exists(p); i++) Thread.Sleep(500);
            Assert.True(File.Exists(p), $"{p} is missing: run ./build.sh first");
            return p;
        }
    }

    public static ProcResult Run(string file, IEnumerable<string> args, int timeoutMs = DefaultTimeoutMs, string? cwd = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = cwd ?? Path.GetTempPath(),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.Start();
        p.StandardInput.Close();
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit(5000);
            Assert.Fail($"timed out after {timeoutMs} ms: {file} {string.Join(' ', psi.ArgumentList)}\n" +
                $"stdout so far: {(outTask.IsCompleted ? outTask.Result : "")}\nstderr so far: {(errTask.IsCompleted ? errTask.Result : "")}");
        }
        p.WaitForExit();
        if (!Task.WaitAll(new Task[] { outTask, errTask }, 10_000))
            Assert.Fail($"output pipes of {file} not closed 10 s after exit (a leaked child holds them?)");
        return new ProcResult(p.ExitCode, outTask.Result, errTask.Result);
    }

    public static ProcResult Native(params string[] argv) => Run(argv[0], argv[1..]);

    /// <summary>`runsc do [flags...] argv...`</summary>
    public static ProcResult Sandboxed(string[] argv, string[]? flags = null, int timeoutMs = DefaultTimeoutMs, string? cwd = null) =>
        Run(RunscPath, new[] { "do" }.Concat(flags ?? Array.Empty<string>()).Concat(argv), timeoutMs, cwd);

    public static ProcResult Sandboxed(params string[] argv) => Sandboxed(argv, null);

    /// <summary>Processes whose parent chain leads to pid (stubs, gofer, guest processes).</summary>
    public static List<int> Descendants(int pid)
    {
        var all = new List<int>();
        var queue = new Queue<int>(new[] { pid });
        while (queue.Count > 0)
        {
            int p = queue.Dequeue();
            string[] tasks;
            try { tasks = Directory.GetDirectories($"/proc/{p}/task"); }
            catch (IOException) { continue; } // the process ended while we walked (DirectoryNotFoundException is one)
            foreach (var task in tasks)
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

    /// <summary>Whether pid is a live (not zombie) process.</summary>
    public static bool Alive(int pid)
    {
        try { return !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].StartsWith('Z'); }
        catch (IOException) { return false; }
    }

    /// <summary>Those of pids still alive after waiting up to ms for them to end.</summary>
    public static List<int> Survivors(IEnumerable<int> pids, int ms = 5000)
    {
        var list = pids.ToList();
        var sw = Stopwatch.StartNew();
        while (list.Exists(Alive) && sw.ElapsedMilliseconds < ms) Thread.Sleep(50);
        return list.Where(Alive).ToList();
    }

    /// <summary>
    /// A handshake with a guest that blocks (sleep, read, wait): returns once no thread of a stub of the sandbox under
    /// runscPid runs guest code (each is in ptrace stop, 't', or on systrap sleeps in its handler, 'S') and every task
    /// thread of runsc ("task-N") sleeps ('S': the Sentry waits for that syscall), three polls in a row. Fails after ms.
    /// </summary>
    public static void WaitUntilGuestBlocks(int runscPid, int minStubs = 1, int ms = 20_000)
    {
        var sw = Stopwatch.StartNew();
        int stable = 0;
        while (stable < 3)
        {
            Assert.True(sw.ElapsedMilliseconds < ms, $"the guest under runsc {runscPid} did not block within {ms} ms");
            var stubs = Descendants(runscPid).Where(IsStub).ToList();
            bool blocked = stubs.Count >= minStubs && stubs.All(s => ThreadStates(s).All(st => st is 't' or 'S'))
                && ThreadStates(runscPid, "task-").All(st => st == 'S');
            stable = blocked ? stable + 1 : 0;
            Thread.Sleep(20);
        }
    }

    /// <summary>Whether pid is a stub (its executable is runsc's memfd "appkernel-stub" or "appkernel-stub-systrap").</summary>
    public static bool IsStub(int pid)
    {
        try { return (new FileInfo($"/proc/{pid}/exe").LinkTarget ?? "").Contains("appkernel-stub"); }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>The states of pid's threads (whose name starts with prefix, if given) as /proc/PID/task/TID/stat shows them.</summary>
    static List<char> ThreadStates(int pid, string? prefix = null)
    {
        var states = new List<char>();
        string[] tasks;
        try { tasks = Directory.GetDirectories($"/proc/{pid}/task"); } catch (IOException) { return states; }
        foreach (var t in tasks)
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(t, "stat")); } catch (IOException) { continue; }
            int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
            if (open < 0 || close < 0 || close + 2 >= stat.Length) continue;
            if (prefix != null && !stat[(open + 1)..close].StartsWith(prefix, StringComparison.Ordinal)) continue;
            states.Add(stat[close + 2]);
        }
        return states;
    }

    /// <summary>Number of open fds of a host process.</summary>
    public static int FdCount(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    /// <summary>What pid's fds name (for a failure message: which fd stayed).</summary>
    public static string FdTargets(int pid) => string.Join(", ", Directory.GetFiles($"/proc/{pid}/fd").Select(f =>
    {
        try { return $"{Path.GetFileName(f)}:{new FileInfo(f).LinkTarget}"; }
        catch (IOException) { return Path.GetFileName(f); }
    }));

    /// <summary>pid's fd count once it equals expected, or what it is after timeoutMs: an fd the Sentry holds
    /// only briefly (a task's host resources released by its thread after the guest saw it end; an idle task
    /// thread lingers 10 s) is not a leak.</summary>
    public static int SettledFdCount(int pid, int expected, int timeoutMs = 12_000)
    {
        var until = Environment.TickCount64 + timeoutMs;
        int n;
        while ((n = FdCount(pid)) != expected && Environment.TickCount64 < until) Thread.Sleep(20);
        return n;
    }

    /// <summary>Lines of a Sentry debug log at error level (an exception inside a syscall handler, a failed sandbox).</summary>
    public static string[] LogErrors(string logPath) =>
        File.Exists(logPath) ? File.ReadAllLines(logPath).Where(l => l.Split(' ').ElementAtOrDefault(1) == "error").ToArray() : Array.Empty<string>();

    /// <summary>Compiles a C program with gcc into dir and returns the binary's path.</summary>
    public static string CompileC(string dir, string name, string source)
    {
        var src = Path.Combine(dir, name + ".c");
        var bin = Path.Combine(dir, name);
        File.WriteAllText(src, source);
        var r = Run("gcc", new[] { "-O0", "-w", "-o", bin, src });
        Assert.True(r.ExitCode == 0, $"gcc failed for {name}: {r}");
        return bin;
    }
}

/// <summary>
/// `runsc do ARGS` under a small python3 parent that reports how runsc itself ended, so a test can tell the guest's
/// death by signal N (runsc exits normally with 128+N) from runsc's own death by a signal: .NET's Process.ExitCode
/// folds both into 128+N. Stdin and stdout are runsc's (redirected for handshakes with the guest).
/// </summary>
public sealed class WatchedRunsc : IDisposable
{
    // A child subreaper: what runsc leaves behind is re-parented to it; what is still alive 5 s after runsc
    // ended is reported (and killed).
    const string Wrapper = """
        import ctypes, os, signal, sys, time
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        pid = os.fork()
        if pid == 0:
            for s in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT):
                signal.signal(s, signal.SIG_DFL)
            os.execv(sys.argv[1], sys.argv[1:])
        sys.stderr.write("@@runsc pid %d\n" % pid); sys.stderr.flush()
        _, st = os.waitpid(pid, 0)
        def alive():
            left = []
            for t in os.listdir("/proc/self/task"):
                for c in open("/proc/self/task/%s/children" % t).read().split():
                    try:
                        if open("/proc/%s/stat" % c).read().rsplit(")", 1)[1].split()[0] != "Z": left.append(int(c))
                    except OSError: pass
            while True:
                try:
                    if os.waitpid(-1, os.WNOHANG)[0] == 0: break
                except ChildProcessError: break
            return left
        end = time.monotonic() + 5
        while alive() and time.monotonic() < end: time.sleep(0.05)
        left = alive()
        for c in left: os.kill(c, signal.SIGKILL)
        sys.stderr.write("@@runsc leaked %s\n" % ",".join(map(str, left)))
        sys.stderr.write("@@runsc " + ("signaled %d" % os.WTERMSIG(st) if os.WIFSIGNALED(st) else "exited %d" % os.WEXITSTATUS(st)) + "\n")
        """;

    readonly Process _p;
    readonly System.Threading.Tasks.Task<string> _stderr;
    public int Pid { get; }
    public StreamWriter Stdin => _p.StandardInput;
    public StreamReader Stdout => _p.StandardOutput;

    public WatchedRunsc(params string[] args)
    {
        var psi = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Wrapper);
        psi.ArgumentList.Add(RunscHarness.RunscPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        _p = Process.Start(psi)!;
        var first = _p.StandardError.ReadLine() ?? "";
        Assert.StartsWith("@@runsc pid ", first);
        Pid = int.Parse(first["@@runsc pid ".Length..]);
        _stderr = _p.StandardError.ReadToEndAsync();
    }

    /// <summary>The next stdout line of the guest, or null at end of file or after ms.</summary>
    public string? ReadLine(int ms = 30_000)
    {
        var t = Stdout.ReadLineAsync();
        return t.Wait(ms) ? t.Result : null;
    }

    /// <summary>Sends one byte to the guest's stdin (the guest waits for it between phases).</summary>
    public void Go()
    {
        Stdin.Write('g');
        Stdin.Flush();
    }

    public void Signal(string name) => Process.Start("kill", new[] { "-" + name, Pid.ToString() })!.WaitForExit();

    /// <summary>Waits for runsc to end: (false, status) when it exited, (true, signal) when a signal killed it itself.
    /// Fails if a host process of the sandbox (a stub, the gofer) outlived runsc by 5 s.</summary>
    public (bool Signaled, int Code) WaitEnd(int ms = 15_000)
    {
        Assert.True(_p.WaitForExit(ms + 6000), $"runsc did not end within {ms} ms");
        _p.WaitForExit();
        var err = _stderr.Result;
        var m = System.Text.RegularExpressions.Regex.Match(err, @"@@runsc (exited|signaled) (\d+)");
        Assert.True(m.Success, $"no end report from the wrapper:\n{err}");
        var leaked = System.Text.RegularExpressions.Regex.Match(err, @"@@runsc leaked (\S*)").Groups[1].Value;
        Assert.True(leaked == "", $"host processes left 5 s after runsc ended: {leaked}");
        return (m.Groups[1].Value == "signaled", int.Parse(m.Groups[2].Value));
    }

    public string Stderr => _stderr.IsCompleted ? _stderr.Result : "";

    public void Dispose()
    {
        try { if (!_p.HasExited) { Process.Start("kill", new[] { "-KILL", Pid.ToString() })!.WaitForExit(); _p.WaitForExit(5000); } }
        catch (InvalidOperationException) { }
        _p.Dispose();
    }
}

/// <summary>A per-class directory for compiled test programs. Not under /tmp: inside the sandbox
/// /tmp is a fresh tmpfs, so the programs live beside the test assembly.</summary>
public sealed class TempDirFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateDirectory(
        Path.Combine(AppContext.BaseDirectory, "e2e-programs", Guid.NewGuid().ToString("N"))).FullName;
    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
