using System.CommandLine;
using AppKernel.Gofer;
using AppKernel.Platform.Native;
using AppKernel.Sentry.FileSystems.Gofer;
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
    static readonly Argument<string[]> Program = new("command") { Description = "program and its arguments", Arity = ArgumentArity.OneOrMore };

    /// <summary>Options that take a value; used to find where the guest's command starts.</summary>
    public static readonly HashSet<string> ValueOptions = new() { "--rootfs", "--cwd", "--debug-log" };
    public static readonly HashSet<string> SwitchOptions = new() { "--strace", "--debug", "--rootfs-writable", "-h", "--help", "-?" };

    public static Command Create()
    {
        var cmd = new Command("do", "Run a program in a new sandbox, like gVisor's `runsc do`.")
        {
            RootFs, RootWritable, Cwd, StraceOpt, DebugLog, Debug, Program,
        };
        cmd.SetAction(parse => Run(parse.GetValue(RootFs)!, parse.GetValue(RootWritable), parse.GetValue(Cwd), parse.GetValue(StraceOpt),
            parse.GetValue(DebugLog), parse.GetValue(Debug), parse.GetValue(Program)!));
        return cmd;
    }

    static unsafe int Run(string rootfs, bool writable, string? cwd, bool strace, string? debugLog, bool debug, string[] program)
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
        using var factory = LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(LogLevel.Trace);
            if (logFile != null) b.AddProvider(new Logging.TextLoggerProvider(logFile, debug || strace ? LogLevel.Debug : LogLevel.Information, false));
            else b.AddProvider(new Logging.TextLoggerProvider(Console.Error, debug ? LogLevel.Debug : LogLevel.Error, false));
        });
        var log = factory.CreateLogger("sentry");
        RaiseFdLimit();

        // The container's files come from a separate gofer process; the Sentry never opens them by path.
        var exe = Environment.ProcessPath ?? "/proc/self/exe";
        if (GoferProcess.Start(exe, Path.GetFullPath(rootfs), writable, out var gofer) < 0)
        {
            Console.Error.WriteLine($"runsc: cannot start the gofer for {rootfs}");
            return 125;
        }
        var ge = GoferFs.Attach(gofer, writable, out var rootInode);
        if (ge != Errno.None)
        {
            Console.Error.WriteLine($"runsc: the gofer cannot serve {rootfs}: {ge}");
            return 125;
        }
        var options = new KernelOptions
        {
            RootFs = rootfs,
            RootWritable = writable,
            Strace = strace,
            StraceWriter = strace ? (logFile ?? Console.Error) : null,
            Hostname = Environment.MachineName,
            CommitLimit = HostMemory(),
        };
        Kernel kernel;
        try { kernel = new Kernel(options, log, rootInode!); }
        catch (IOException e)
        {
            Console.Error.WriteLine($"runsc: {e.Message}");
            return 125;
        }
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry kv in Environment.GetEnvironmentVariables())
            env.Add($"{kv.Key}={kv.Value}");
        env.Sort(StringComparer.Ordinal);
        // Without --rootfs the sandbox sees the host's tree, so runsc's own directory exists there too.
        cwd ??= rootfs == "/" ? Directory.GetCurrentDirectory() : "/";
        // SIGINT, SIGTERM, SIGHUP and SIGQUIT to runsc go to the guest's init, as a container runtime does.
        var forwarded = new List<System.Runtime.InteropServices.PosixSignalRegistration>();
        foreach (var (ps, nr) in new[] { (System.Runtime.InteropServices.PosixSignal.SIGINT, 2), (System.Runtime.InteropServices.PosixSignal.SIGTERM, 15),
                     (System.Runtime.InteropServices.PosixSignal.SIGHUP, 1), (System.Runtime.InteropServices.PosixSignal.SIGQUIT, 3) })
            forwarded.Add(System.Runtime.InteropServices.PosixSignalRegistration.Create(ps, ctx =>
            {
                ctx.Cancel = true;
                kernel.FindTask(1)?.SendSignal(nr, AppKernel.Sentry.Kernel.Task.UserInfo(nr, AppKernel.Sentry.Kernel.Task.SI_USER, 0, 0));
            }));
        // SIGUSR2 logs every task's state (gVisor's `runsc debug --stacks`, for a sandbox that seems stuck).
        forwarded.Add(System.Runtime.InteropServices.PosixSignalRegistration.Create((System.Runtime.InteropServices.PosixSignal)AppKernel.Sentry.Kernel.Task.SIGUSR2, ctx =>
        {
            ctx.Cancel = true;
            kernel.DescribeTasks();
        }));
        var result = InitProcess.Run(kernel, program, env, cwd);
        foreach (var r in forwarded) r.Dispose();
        if (result.Error != null) Console.Error.WriteLine($"runsc: {result.Error}");
        Console.Out.Flush();
        logFile?.Flush();
        return result.Status;
    }

    /// <summary>The Sentry holds an fd per cached file: as root raise the limit to the system's maximum, else to the hard limit.</summary>
    static unsafe void RaiseFdLimit()
    {
        RLimit r;
        if (Host.getrlimit(7, &r) != 0) return;
        ulong nrOpen = 1 << 20;
        try { nrOpen = ulong.Parse(File.ReadAllText("/proc/sys/fs/nr_open").Trim()); } catch (Exception e) when (e is IOException or FormatException) { }
        var want = new RLimit { Cur = Math.Max(nrOpen, r.Max), Max = Math.Max(nrOpen, r.Max) };
        if (Host.setrlimit(7, &want) == 0) return;
        r.Cur = r.Max;
        Host.setrlimit(7, &r);
    }

    static ulong HostMemory()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemTotal:"))
                    return ulong.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException) { }
        return 4UL << 30;
    }
}
