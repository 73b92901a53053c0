using System.CommandLine;
using AppKernel.Runsc.Runtime;
using AppKernel.Sentry.Kernel;
using Microsoft.Extensions.Logging;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc do [flags] PROGRAM [ARGS...]`: run one program in a fresh sandbox and exit with its status.</summary>
public static class DoCommand
{
    static readonly Option<string> RootFs = new("--rootfs") { Description = "host directory to use as the root file system (changes stay in sandbox memory)", DefaultValueFactory = _ => "/" };
    static readonly Option<bool> RootWritable = new("--rootfs-writable") { Description = "let the guest's changes reach the --rootfs directory (default: an in-memory overlay keeps them)" };
    static readonly Option<string?> Cwd = new("--cwd") { Description = "working directory inside the sandbox (default: runsc's own)" };
    static readonly Option<bool> StraceOpt = new("--strace") { Description = "print the guest's system calls to stderr (or the debug log)" };
    static readonly Option<string?> DebugLog = new("--debug-log") { Description = "write the Sentry's debug log to this file" };
    static readonly Option<bool> Debug = new("--debug") { Description = "log at debug level" };
    static readonly Option<string> Network = new Option<string>("--network") { Description = "none: the sandbox's own loopback only; host: TCP/UDP sockets are the host's", DefaultValueFactory = _ => "none" }
        .AcceptOnlyFromAmong("none", "sandbox", "host");
    static readonly Argument<string[]> Program = new("command") { Description = "program and its arguments", Arity = ArgumentArity.OneOrMore };

    /// <summary>Options that take a value; used to find where the guest's command starts.</summary>
    public static readonly HashSet<string> ValueOptions = new() { "--rootfs", "--cwd", "--debug-log", "--network" };
    public static readonly HashSet<string> SwitchOptions = new() { "--strace", "--debug", "--rootfs-writable", "-h", "--help", "-?" };

    public static Command Create()
    {
        var cmd = new Command("do", "Run a program in a new sandbox, like gVisor's `runsc do`.")
        {
            RootFs, RootWritable, Cwd, StraceOpt, DebugLog, Debug, Network, Program,
        };
        // `runsc --network=host do` (gVisor's spelling, a global flag) or `runsc do --network=host`.
        cmd.SetAction(parse => Run(parse.GetValue(RootFs)!, parse.GetValue(RootWritable), parse.GetValue(Cwd), parse.GetValue(StraceOpt),
            parse.GetValue(DebugLog), parse.GetValue(Debug),
            parse.GetValue(Network) == "host" || parse.GetValue(GlobalOptions.Network) == "host", parse.GetValue(GlobalOptions.Platform)!,
            !parse.GetValue(GlobalOptions.NoSyscallPatching), parse.GetValue(Program)!));
        return cmd;
    }

    static unsafe int Run(string rootfs, bool writable, string? cwd, bool strace, string? debugLog, bool debug, bool hostNetwork, string platform, bool syscallPatching, string[] program)
    {
        if (!Directory.Exists(rootfs))
        {
            Console.Error.WriteLine($"runsc: --rootfs {rootfs}: not a directory");
            return 125;
        }
        TextWriter? logFile = null;
        try
        {
            if (debugLog != null) logFile = new StreamWriter(debugLog, append: true) { AutoFlush = true };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"runsc: --debug-log {debugLog}: {e.Message}");
            return 125;
        }
        // Without --rootfs the sandbox sees the host's tree, so runsc's own directory exists there too (asked before
        // the jail, where the host's tree is gone).
        cwd ??= rootfs == "/" ? Directory.GetCurrentDirectory() : "/";
        var limits = HostLimits.Read(); // before StartGofer raises the fd limit
        var config = new SandboxConfig
        {
            RootFs = rootfs,
            Root = writable ? RootMode.Writable : RootMode.Overlay,
            Strace = strace,
            StraceWriter = strace ? (logFile ?? Console.Error) : null,
            HostNetwork = hostNetwork,
            Platform = platform,
            SyscallPatching = syscallPatching,
        };
        // The gofer's start is the longest wait of a sandbox's start: it comes first, the rest overlaps it.
        SandboxGofer gofer;
        try { gofer = SandboxBuilder.StartGofer(config); }
        catch (RuntimeException e)
        {
            Console.Error.WriteLine($"runsc: {e.Message}");
            return 125;
        }
        using var factory = Logging.Loggers.Create(logFile != null
            ? new Logging.TextLoggerProvider(logFile, debug || strace ? LogLevel.Debug : LogLevel.Information, false)
            : new Logging.TextLoggerProvider(Console.Error, debug ? LogLevel.Debug : LogLevel.Error, false));
        var log = factory.CreateLogger("sentry");
        Kernel kernel;
        try
        {
            SentryJail.Enter(null, hostNetwork);
            var trap = SandboxBuilder.Confine(config, log);
            kernel = SandboxBuilder.Build(config, gofer, trap, log);
        }
        catch (RuntimeException e)
        {
            Console.Error.WriteLine($"runsc: {e.Message}");
            return 125;
        }
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry kv in Environment.GetEnvironmentVariables())
            env.Add($"{kv.Key}={kv.Value}");
        env.Sort(StringComparer.Ordinal);
        // SIGINT, SIGTERM, SIGHUP and SIGQUIT to runsc go to the guest's init, as a container runtime does.
        var forwarded = new SignalForwarding(nr => kernel.FindTask(1)?.SendSignal(nr, AppKernel.Sentry.Kernel.Task.UserInfo(nr, AppKernel.Sentry.Kernel.Task.SI_USER, 0, 0)));
        // SIGUSR2 logs every task's state (gVisor's `runsc debug --stacks`, for a sandbox that seems stuck).
        forwarded.Also(AppKernel.Sentry.Kernel.Task.SIGUSR2, kernel.DescribeTasks);
        var init = GuestProcess.Load(kernel, new ProcessSpec { Argv = program, Env = env, Cwd = cwd, Console = true, Limits = limits });
        // A resize of runsc's terminal reaches the guest's (SIGWINCH to its foreground group).
        forwarded.Also(AppKernel.Sentry.Kernel.Task.SIGWINCH, () => init.Console?.SyncSize());
        init.Start();
        var result = init.Wait();
        forwarded.Dispose();
        if (result.Error != null) Console.Error.WriteLine($"runsc: {result.Error}");
        Console.Out.Flush();
        logFile?.Flush();
        return result.Status;
    }
}
