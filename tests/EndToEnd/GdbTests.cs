using System.Text.RegularExpressions;
using Xunit;
using static AppKernel.Tests.EndToEnd.RunscHarness;

namespace AppKernel.Tests.EndToEnd;

/// <summary>gdb inside the sandbox, on each platform: breakpoints (POKETEXT into read-only code), stepping
/// (PTRACE_SINGLESTEP), backtraces and variables (PEEK and /proc/PID/mem), changing a variable, a thread's
/// breakpoint (libthread_db), an AVX register written and read back across a step (NT_X86_XSTATE), software
/// watchpoints (a step per instruction), a breakpoint in the vDSO (its extent from /proc/PID/maps). Its output must read as the native one's once addresses, pids and thread
/// ids are taken out.</summary>
[Trait("Category", "EndToEnd")]
public sealed class GdbTests : IDisposable
{
    internal const string Gdb = "/usr/bin/gdb";
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("appkernel-gdb-");

    public void Dispose() => _dir.Delete(true);

    // Prints nothing itself, so its output never interleaves with gdb's.
    const string Program = """
        #include <pthread.h>
        #include <time.h>
        static const int table[3] = {1, 2, 3};
        int counter;
        int square(int v) { int r = v * v; return r; }
        static void *worker(void *arg) {
            int *p = arg;
            *p = square(*p);
            return 0;
        }
        int main(void) {
            int x = 6;
            x = square(x);
            int y = x + table[1];
            pthread_t t;
            pthread_create(&t, 0, worker, &y);
            pthread_join(t, 0);
            for (int i = 0; i < 3; i++) counter += i + y;
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            return x == 36 ? 0 : 1;
        }
        """;

    public static TheoryData<string, string[]> Scripts => new()
    {
        { "systrap", Breakpoints }, { "ptrace", Breakpoints }, { "systrap", Watch }, { "ptrace", Watch },
        { "systrap", Vdso }, { "ptrace", Vdso },
    };

    static readonly string[] Breakpoints =
    [
        "break main", "run", "bt", "info registers rip", "next", "step", "bt", "finish", "p x", "p table",
        "set var x = 7", "p x", "break worker", "continue", "bt", "p *(int*)arg", "next", "next", "p *p", "info frame",
        "set var $ymm7.v8_int32 = {1, 2, 3, 4, 5, 6, 7, 8}", "stepi", "p $ymm7.v8_int32", "delete",
        "continue",
    ];

    // Without a shell to start the program; a watchpoint gdb checks by stepping (no debug registers here).
    static readonly string[] Watch =
    [
        "set startup-with-shell off", "set can-use-hw-watchpoints 0", "break 18", "run", "watch counter", "continue",
        "continue", "delete", "p counter", "continue",
    ];

    // The vDSO: found through /proc/PID/maps, its symbols and unwind tables read from memory, a breakpoint in it.
    static readonly string[] Vdso =
    [
        "break main", "run", "info symbol __vdso_clock_gettime", "break __vdso_clock_gettime", "continue", "bt",
        "finish", "continue",
    ];

    static string Normalize(string s) => Regex.Replace(Regex.Replace(Regex.Replace(s,
        @"0x[0-9a-f]+", "ADDR"),
        @"\(LWP \d+\)", "(LWP N)"),
        @"process \d+", "process N");

    [GdbTheory]
    [MemberData(nameof(Scripts))]
    public void SessionMatchesNative(string platform, string[] commands)
    {
        var bin = Path.Combine(_dir.FullName, "debuggee");
        var src = bin + ".c";
        File.WriteAllText(src, Program);
        var built = Run("gcc", ["-g", "-O0", "-pthread", "-o", bin, src]);
        Assert.True(built.ExitCode == 0, built.ToString());
        var argv = new List<string> { Gdb, "-nx", "-batch" };
        foreach (var c in commands) argv.AddRange(["-ex", c]);
        argv.AddRange(["--args", bin]);
        var native = Run(argv[0], argv[1..], cwd: _dir.FullName);
        // The Sentry's log names where a guest died of a fault, should gdb itself crash.
        var log = Path.Combine(_dir.FullName, "sentry.log");
        var boxed = Run(RunscPath, [$"--platform={platform}", "do", "--debug-log", log, .. argv], cwd: _dir.FullName);
        string n = Normalize(native.Stdout), b = Normalize(boxed.Stdout);
        Assert.True(n.Contains("exited normally"), $"native gdb did not run the program: {native}");
        string Faults() => File.Exists(log) ? string.Join('\n', File.ReadLines(log).Where(l => l.Contains(": signal "))) : "";
        Assert.True(n == b, $"gdb's session differs\n=== native ===\n{native}\n=== runsc ===\n{boxed}\n{Faults()}");
        Assert.True(Normalize(native.Stderr) == Normalize(boxed.Stderr), $"gdb's messages differ\n=== native ===\n{native}\n=== runsc ===\n{boxed}\n{Faults()}");
        Assert.Equal(native.ExitCode, boxed.ExitCode);
    }
}

/// <summary>A theory skipped where gdb is not installed (.ci/run installs it).</summary>
public sealed class GdbTheoryAttribute : TheoryAttribute
{
    public GdbTheoryAttribute()
    {
        if (!File.Exists(GdbTests.Gdb)) Skip = "gdb is not installed";
    }
}
