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
