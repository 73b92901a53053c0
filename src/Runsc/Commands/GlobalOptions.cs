using System.CommandLine;
using AppKernel.Runsc.Runtime;
using Microsoft.Extensions.Logging;

namespace AppKernel.Runsc.Commands;

/// <summary>runc's global flags (given before the command, as engines do) and gVisor's own.</summary>
public static class GlobalOptions
{
    public static readonly Option<string> Root = new("--root") { Description = "directory for the containers' state", DefaultValueFactory = _ => StateStore.DefaultRoot };
    public static readonly Option<string?> Log = new("--log") { Description = "write the runtime's log to this file (engines read errors from it)" };
    public static readonly Option<string> LogFormat = new Option<string>("--log-format") { Description = "log format: text or json", DefaultValueFactory = _ => "text" }.AcceptOnlyFromAmong("text", "json");
    public static readonly Option<bool> Debug = new("--debug") { Description = "log at debug level" };
    public static readonly Option<bool> SystemdCgroup = new("--systemd-cgroup") { Description = "manage cgroups through systemd (not supported: an error)" };
    public static readonly Option<string> Platform = new Option<string>("--platform") { Description = "how guest syscalls are trapped: systrap (seccomp traps into the stub; ptrace where seccomp cannot) or ptrace; the default can be set with RUNSC_PLATFORM", DefaultValueFactory = _ => AppKernel.Platform.Platforms.DefaultName }.AcceptOnlyFromAmong(AppKernel.Platform.Platforms.Names);
    public static readonly Option<string> Network = new Option<string>("--network") { Description = "network: none (the sandbox's own loopback only; `sandbox` is the same until it has a network stack) or host (TCP/UDP sockets are the host's)", DefaultValueFactory = _ => "none" }.AcceptOnlyFromAmong("none", "sandbox", "host");
    public static readonly Option<bool> Strace = new("--strace") { Description = "log the guest's system calls" };
    public static readonly Option<string?> DebugLog = new("--debug-log") { Description = "write the Sentry's debug log to this file" };
    public static readonly Option<bool> NoSyscallPatching = new("--systrap-disable-syscall-patching") { Description = "systrap: never rewrite a guest's syscall sites into jumps to the stub's trampoline (each syscall then traps through a signal)" };

    static readonly Option[] All = [Root, Log, LogFormat, Debug, SystemdCgroup, Platform, Network, Strace, DebugLog, NoSyscallPatching];

    /// <summary>Flags that take a value, for the argument pre-scan that finds the command.</summary>
    public static readonly HashSet<string> ValueOptions = ["--root", "--log", "--log-format", "--platform", "--network", "--debug-log"];

    public static void AddTo(Command root)
    {
        foreach (var o in All) root.Options.Add(o);
    }

    /// <summary>The flags again, to hand to the `runsc boot` a command starts.</summary>
    public static List<string> Forward(ParseResult p)
    {
        var args = new List<string> { "--root", Path.GetFullPath(p.GetValue(Root)!), "--log-format", p.GetValue(LogFormat)!, "--platform", p.GetValue(Platform)!, "--network", p.GetValue(Network)! };
        if (p.GetValue(Log) is { } log) args.AddRange(["--log", Path.GetFullPath(log)]);
        if (p.GetValue(DebugLog) is { } dl) args.AddRange(["--debug-log", Path.GetFullPath(dl)]);
        if (p.GetValue(Debug)) args.Add("--debug");
        if (p.GetValue(Strace)) args.Add("--strace");
        if (p.GetValue(NoSyscallPatching)) args.Add("--systrap-disable-syscall-patching");
        return args;
    }
}

/// <summary>What every OCI command shares: the state root and the runtime log, where errors go as runc writes
/// them (`{"level":"error","msg":…,"time":…}` lines with --log-format json: containerd and dockerd read them).</summary>
public sealed class RuntimeContext : IDisposable
{
    readonly ILoggerFactory _factory;
    readonly TextWriter? _logFile;
    public string Root { get; }
    public ILogger Log { get; }
    public ParseResult Parse { get; }

    public RuntimeContext(ParseResult p, string category)
    {
        Parse = p;
        Root = Path.GetFullPath(p.GetValue(GlobalOptions.Root)!);
        bool json = p.GetValue(GlobalOptions.LogFormat) == "json", debug = p.GetValue(GlobalOptions.Debug);
        if (p.GetValue(GlobalOptions.Log) is { } path)
        {
            try { _logFile = new StreamWriter(path, append: true) { AutoFlush = true }; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Console.Error.WriteLine($"runsc: --log {path}: {e.Message}"); }
        }
        var logFile = _logFile;
        _factory = Logging.Loggers.Create(
            logFile != null ? new Logging.TextLoggerProvider(logFile, debug ? LogLevel.Debug : LogLevel.Information, json) : null);
        Log = _factory.CreateLogger(category);
    }

    /// <summary>Reports an error to the user (stderr) and to the runtime log; returns runc's exit status for it.</summary>
    public int Fail(string message)
    {
        Console.Error.WriteLine($"runsc: {message}");
        Log.LogError("{Message}", message);
        return 1;
    }

    public void Dispose()
    {
        _factory.Dispose();
        _logFile?.Dispose();
    }
}

public static class RuntimeCommand
{
    /// <summary>Runs an OCI command's body with its context; a refused request (unknown ID, bad bundle, wrong
    /// status) becomes one error line on stderr and in the log, and exit status 1.</summary>
    public static int Execute(ParseResult p, string category, Func<RuntimeContext, int> body)
    {
        using var ctx = new RuntimeContext(p, category);
        if (p.GetValue(GlobalOptions.SystemdCgroup)) return ctx.Fail("--systemd-cgroup: AppKernel does not manage cgroups through systemd; use the cgroupfs driver");
        try { return body(ctx); }
        catch (RuntimeException e) { return ctx.Fail(e.Message); }
        catch (Oci.BundleException e) { return ctx.Fail(e.Message); }
    }
}
