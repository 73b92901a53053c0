using System.CommandLine;
using AppKernel.Runsc.Oci;
using AppKernel.Runsc.Runtime;
using AppKernel.Sentry.Kernel;
using Microsoft.Extensions.Logging;
using Task = AppKernel.Sentry.Kernel.Task;

namespace AppKernel.Runsc.Commands;

/// <summary>
/// `runsc boot --bundle B --ready-fd N ID` (internal, started by `create`): the sandbox process. Builds the kernel
/// from the bundle, loads the init, listens on the control socket, reports "ok" (or the error) on the ready fd, and
/// runs the init once `start` asks. It lives exactly as long as the init and exits with its status: it is the pid
/// engines are given.
/// </summary>
public static class BootCommand
{
    static readonly Option<string> BundleOpt = new("--bundle") { Required = true };
    static readonly Option<int> ReadyFd = new("--ready-fd") { Required = true };
    static readonly Argument<string> Id = new("container-id");
    /// <summary>Control requests (other than exec) being answered; the sandbox waits for them at its end.</summary>
    sealed class Replying { public int Count; }
    static readonly Replying s_replying = new();
    const int ReplyGraceMs = 2000;

    public static Command Create()
    {
        var cmd = new Command("boot", "Run a container's sandbox (internal; started by create).") { BundleOpt, ReadyFd, Id };
        cmd.Hidden = true;
        cmd.SetAction(p => Run(p, p.GetValue(BundleOpt)!, p.GetValue(ReadyFd), p.GetValue(Id)!));
        return cmd;
    }

    static int Run(ParseResult p, string bundleDir, int readyFd, string id)
    {
        using var ctx = new RuntimeContext(p, "sentry");
        TextWriter? debugLog = null;
        ILoggerFactory? debugFactory = null;
        var log = ctx.Log;
        if (p.GetValue(GlobalOptions.DebugLog) is { } dl)
        {
            debugLog = new StreamWriter(dl, append: true) { AutoFlush = true };
            bool verbose = p.GetValue(GlobalOptions.Debug) || p.GetValue(GlobalOptions.Strace);
            debugFactory = Logging.Loggers.Create(
                new Logging.TextLoggerProvider(debugLog, verbose ? LogLevel.Debug : LogLevel.Information, false));
            log = debugFactory.CreateLogger("sentry");
        }
        GuestProcess init;
        Kernel kernel;
        string stateDir;
        try
        {
            var bundle = Bundle.Load(bundleDir);
            JoinCgroup(bundle);
            bool strace = p.GetValue(GlobalOptions.Strace);
            bool hostNetwork = p.GetValue(GlobalOptions.Network) == "host";
            var config = SpecTranslation.Sandbox(bundle, strace, strace ? debugLog ?? TextWriter.Null : null, hostNetwork,
                p.GetValue(GlobalOptions.Platform)!);
            config.SyscallPatching = !p.GetValue(GlobalOptions.NoSyscallPatching);
            SpecTranslation.CheckMounts(bundle);
            SpecTranslation.MakeMountPoints(bundle);
            // The host-facing work first (the gofer on the host's paths, the state directory as an fd), then the
            // jail; the kernel, the guest and the control socket are made inside it.
            var gofer = SandboxBuilder.StartGofer(config);
            stateDir = StateStore.OpenDirFd(StateStore.Dir(ctx.Root, id));
            SentryJail.Enter(bundle.Spec.Linux?.Namespaces?.FirstOrDefault(n => n.Type == "network")?.Path is { Length: > 0 } net ? net : null, hostNetwork);
            kernel = SandboxBuilder.Build(config, gofer, SandboxBuilder.Confine(config, log), log);
            SpecTranslation.Mount(bundle, kernel);
            SpecTranslation.MaskPaths(bundle, kernel);
            var initSpec = SpecTranslation.Process(bundle);
            init = GuestProcess.Load(kernel, initSpec);
            if (init.LoadError is { } le) throw new RuntimeException(LoadMessage(bundle.Spec.Process!.Args![0], le));
            var k = kernel;
            var i = init;
            ControlChannel.Serve(stateDir, (req, fds, reply) =>
            {
                if (req.Op == ControlOps.Exec) Exec(k, req, fds, reply, initSpec.Filter);
                else
                {
                    foreach (var fd in fds) Tmds.Linux.LibC.close(fd);
                    lock (s_replying) s_replying.Count++;
                    try { reply(Serve(k, i, req)); }
                    finally { lock (s_replying) { s_replying.Count--; Monitor.PulseAll(s_replying); } }
                }
            });
        }
        catch (Exception e) when (e is RuntimeException or BundleException)
        {
            ctx.Log.LogError("{Message}", e.Message);
            ReadyHelper.Report(readyFd, e.Message);
            return 1;
        }
        ReadyHelper.Report(readyFd, "ok");

        // A signal to the sandbox process itself goes to the container's init, as `runsc do` does.
        var forwarded = new SignalForwarding(init.Signal);
        var result = init.Wait();
        // A start whose init ended at once is still replying: the sandbox must not end first, or its client hears
        // only that the sandbox is gone.
        lock (s_replying)
        {
            long deadline = Environment.TickCount64 + ReplyGraceMs;
            for (long left; s_replying.Count > 0 && (left = deadline - Environment.TickCount64) > 0;) Monitor.Wait(s_replying, (int)left);
        }
        if (result.Error != null) log.LogInformation("container {Id}: {Error}", id, result.Error);
        try { StateStore.WriteAtomically(Path.Combine(stateDir, StateStore.ExitFile), System.Text.Encoding.ASCII.GetBytes(result.Status.ToString())); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { log.LogWarning("cannot record the exit status: {Message}", e.Message); }
        forwarded.Dispose();
        Console.Out.Flush();
        debugFactory?.Dispose();
        return result.Status;
    }

    /// <summary>Before anything else starts (the gofer, the stubs: they inherit both), the sandbox moves into the
    /// cgroup `create` made and takes the container's OOM score.</summary>
    static void JoinCgroup(Bundle bundle)
    {
        try
        {
            Cgroup.At(bundle.Spec.Linux?.CgroupsPath)?.Join(Environment.ProcessId);
            if (bundle.Spec.Process?.OomScoreAdj is { } adj) File.WriteAllText("/proc/self/oom_score_adj", adj.ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new RuntimeException(e.Message); }
    }

    /// <summary>runc's wording, which engines map to their exit codes: "executable file not found" and "no such file
    /// or directory" are 127, "permission denied" 126.</summary>
    static string LoadMessage(string prog, InitResult r)
    {
        if (r.Status == 127 && !prog.Contains('/')) return $"exec: \"{prog}\": executable file not found in $PATH";
        var why = r.Error ?? "";
        if (why.StartsWith(prog + ": ", StringComparison.Ordinal)) why = why[(prog.Length + 2)..];
        return $"exec: \"{prog}\": {(why.Length > 0 ? char.ToLowerInvariant(why[0]) + why[1..] : why)}";
    }

    /// <summary>`runsc exec`: a new process from the request's spec, with the client's stdio and the container's
    /// seccomp profile; replies when it started (or why not), then with its exit status.</summary>
    static void Exec(Kernel kernel, ControlRequest req, int[] fds, Func<ControlReply, bool> reply, SyscallFilter? filter)
    {
        GuestProcess p;
        try
        {
            if (req.Process is not { Argv.Count: > 0 } spec)
            {
                reply(new ControlReply { Error = "exec: no process given" });
                return;
            }
            // An exec'd process runs under the container's seccomp profile, as runc's do.
            p = GuestProcess.Load(kernel, spec.ToProcessSpec() with { Filter = filter }, fds.Length >= 3 ? fds : null);
        }
        catch (RuntimeException e)
        {
            reply(new ControlReply { Error = $"exec: {e.Message}" });
            return;
        }
        finally
        {
            foreach (var fd in fds) Tmds.Linux.LibC.close(fd);
        }
        if (p.LoadError is { } le)
        {
            reply(new ControlReply { Error = LoadMessage(req.Process.Argv[0], le) });
            return;
        }
        p.Start();
        reply(new ControlReply { Status = Container.Running, Pid = p.Pid });
        reply(new ControlReply { Status = Container.Stopped, ExitStatus = p.Wait().Status });
    }

    static ControlReply Serve(Kernel kernel, GuestProcess init, ControlRequest req)
    {
        string status = init.Exited ? Container.Stopped : !init.Started ? Container.Created : kernel.Paused ? Container.Paused : Container.Running;
        switch (req.Op)
        {
            case ControlOps.State:
                return new ControlReply { Status = status };
            case ControlOps.Start:
                if (status != Container.Created) return new ControlReply { Error = $"cannot start a container that is {status}" };
                init.Start();
                return new ControlReply { Status = Container.Running };
            case ControlOps.Signal:
                if (req.Signal is < 0 or > 64) return new ControlReply { Error = $"invalid signal {req.Signal}" };
                if (status == Container.Stopped) return new ControlReply { Error = "container not running" };
                if (req.Pid != 0) kernel.FindTask(req.Pid)?.SendSignal(req.Signal, Task.UserInfo(req.Signal, Task.SI_USER, 0, 0));
                else if (req.All && init.Started) kernel.SignalAll(req.Signal);
                else init.Signal(req.Signal);
                return new ControlReply { Status = status };
            case ControlOps.Pause:
                if (status != Container.Running) return new ControlReply { Error = $"cannot pause a container that is {status}" };
                kernel.Pause();
                return new ControlReply { Status = Container.Paused };
            case ControlOps.Resume:
                if (status != Container.Paused) return new ControlReply { Error = $"cannot resume a container that is {status}" };
                kernel.Resume();
                return new ControlReply { Status = Container.Running };
            case ControlOps.Ps:
                var list = new List<ProcessInfo>();
                foreach (var t in kernel.Tasks())
                    if (t.Tid == t.Tgid && !t.Zombie)
                        list.Add(new ProcessInfo { Pid = t.Tgid, Ppid = t.Ppid, Uid = t.Creds.Uid, HostPid = t.Stub?.HostTgid ?? 0, Cmd = t.Comm });
                list.Sort((a, b) => a.Pid.CompareTo(b.Pid));
                return new ControlReply { Status = status, Processes = list };
            case ControlOps.Wait:
                return new ControlReply { ExitStatus = init.Wait().Status, Status = Container.Stopped };
            default:
                return new ControlReply { Error = $"unknown request {req.Op}" };
        }
    }
}
