using System.CommandLine;
using AppKernel.Runsc.Oci;
using AppKernel.Runsc.Runtime;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc create [--bundle B] [--pid-file F] [--console-socket S] ID`: starts the sandbox (`runsc boot`:
/// the Sentry and its gofer) with the container's init loaded but not running; `start` runs it.</summary>
public static class CreateCommand
{
    internal static readonly Option<string?> BundleOpt = new("--bundle", "-b") { Description = "path to the bundle (default: the current directory)" };
    internal static readonly Option<string?> PidFile = new("--pid-file") { Description = "file to write the sandbox's pid to (it exits with the container's init)" };
    internal static readonly Option<string?> ConsoleSocket = new("--console-socket") { Description = "Unix socket to send the console's master fd to (process.terminal)" };
    internal static readonly Option<bool> NoPivot = new("--no-pivot") { Description = "accepted for runc compatibility" };
    internal static readonly Option<bool> NoNewKeyring = new("--no-new-keyring") { Description = "accepted for runc compatibility" };
    internal static readonly Option<int> PreserveFds = new("--preserve-fds") { Description = "extra fds to pass to the container (not supported: must be 0)" };
    internal static readonly Argument<string> Id = new("container-id") { Description = "the container's ID" };

    public static Command Create()
    {
        var cmd = new Command("create", "Create a container: its sandbox is started and its process loaded, waiting for `start`.")
        {
            BundleOpt, PidFile, ConsoleSocket, NoPivot, NoNewKeyring, PreserveFds, Id,
        };
        cmd.SetAction(p => RuntimeCommand.Execute(p, "create", ctx =>
        {
            using var c = CreateContainer(ctx, p.GetValue(Id)!, p.GetValue(BundleOpt), p.GetValue(PidFile), p.GetValue(ConsoleSocket), p.GetValue(PreserveFds));
            return 0;
        }));
        return cmd;
    }

    /// <summary>create's work, shared with `run`. Returns the container, still locked; the sandbox is a child of this
    /// process (`run` waits for it; `create` exits and leaves it to the engine, which reaps it as a subreaper).</summary>
    internal static Container CreateContainer(RuntimeContext ctx, string id, string? bundleDir, string? pidFile, string? consoleSocket, int preserveFds)
    {
        StateStore.CheckId(id);
        if (preserveFds != 0) throw new RuntimeException("--preserve-fds: passing extra fds to the container is not supported");
        var bundle = Bundle.Load(bundleDir ?? Directory.GetCurrentDirectory());
        SpecTranslation.Sandbox(bundle, false, null);
        SeccompProfile.From(bundle);
        SpecTranslation.CheckMounts(bundle);
        Hooks.Check(bundle);
        bool terminal = bundle.Spec.Process!.Terminal == true;
        if (consoleSocket != null && !terminal) throw new RuntimeException("--console-socket: given, but process.terminal is not true");
        var cgroup = Cgroup.At(bundle.Spec.Linux?.CgroupsPath);
        CgroupResources.Check(bundle.Spec.Linux?.Resources, cgroup?.V2 ?? false);

        using (var dirLock = StateStore.CreateDir(ctx.Root, id))
        {
            var record = new ContainerRecord();
            try
            {
                record = new ContainerRecord
                {
                    Id = id, Bundle = bundle.Dir, Rootfs = bundle.RootPath, Created = DateTime.UtcNow, Annotations = bundle.Spec.Annotations,
                    Hooks = bundle.Spec.Hooks, CgroupPath = cgroup?.Path,
                };
                StateStore.Write(dirLock.Dir, record);
                if (cgroup != null)
                {
                    // Made and limited before the sandbox starts; boot joins it before it starts anything else.
                    try
                    {
                        cgroup.Create();
                        CgroupResources.Apply(cgroup, bundle.Spec.Linux?.Resources, ctx.Log);
                    }
                    catch (IOException e) { throw new RuntimeException(e.Message); }
                }
                // process.terminal: the sandbox's stdio is a host pty whose master the engine gets (without a socket,
                // `run`'s own terminal is the console).
                int console = consoleSocket != null ? HostPty.Allocate(consoleSocket) : -1;
                try { record.Pid = StartSandbox(ctx, bundle.Dir, id, console); }
                finally { if (console >= 0) Tmds.Linux.LibC.close(console); }
                record.PidStartTime = HostProcess.StartTime(record.Pid);
                StateStore.Write(dirLock.Dir, record);
                // The sandbox exists and the process waits: the hooks that may prepare it run now (runc's order).
                var state = new OciState { Id = id, Pid = record.Pid, Status = Container.Created, Bundle = bundle.Dir, Rootfs = bundle.RootPath, Created = record.Created, Annotations = record.Annotations };
                Hooks.Run("prestart", record.Hooks?.Prestart, state);
                Hooks.Run("createRuntime", record.Hooks?.CreateRuntime, state);
                if (pidFile != null) StateStore.WriteAtomically(Path.GetFullPath(pidFile), System.Text.Encoding.ASCII.GetBytes(record.Pid.ToString()));
            }
            catch
            {
                // Nothing is left of a container that failed to be created: its sandbox, if it started, nor its directory.
                if (record.Pid != 0 && HostProcess.Signal(record.Pid, record.PidStartTime, 9))
                    HostProcess.WaitGone(record.Pid, record.PidStartTime, TimeSpan.FromSeconds(10));
                cgroup?.Destroy(TimeSpan.FromSeconds(5), ctx.Log);
                try { Directory.Delete(dirLock.Dir, recursive: true); } catch (IOException) { }
                throw;
            }
        }
        return Container.Open(ctx.Root, id);
    }

    /// <summary>Spawns `runsc boot` with our stdio (the container's) and waits until it reports that the init is
    /// loaded and the control socket listens — or why not. Returns its pid.</summary>
    static int StartSandbox(RuntimeContext ctx, string bundleDir, string id, int console) =>
        ReadyHelper.Start(ctx.Parse, ["boot", "--bundle", bundleDir], id, "the sandbox exited before it was ready", console);
}
