using AppKernel.Platform.Confinement;

namespace AppKernel.Runsc.Runtime;

/// <summary>
/// Confines the sandbox process (the Sentry) before it runs guest code, as the gofer confines itself: its own mount,
/// IPC, UTS and network namespaces (or the spec's network namespace); an empty read-only root holding only a procfs
/// (stubs are exec'd from memfds through /proc/self/fd; their CPU times come from /proc/PID/stat) and /dev/null; no
/// capability in any set, the bounding set included (so a stub it execs gets none either); no_new_privs; then a
/// seccomp allowlist (<see cref="SentryPolicy"/>). Everything the Sentry needs of the host is opened before: the gofer
/// is running, the logs and the state directory are open fds.
///
/// Namespaces and capabilities are per thread, so this must run while only the main thread and the .NET finalizer
/// exist (MountJail and Capabilities refuse otherwise); threads started later inherit all of it.
/// </summary>
public static class SentryJail
{
    /// <summary>netnsPath: the spec's network namespace to join (linux.namespaces network with a path); without one
    /// the Sentry gets an empty network namespace of its own (its network is its own loopback), unless hostNetwork
    /// (`--network=host`): then it keeps the one it runs in, whose sockets it makes for the guest.</summary>
    public static unsafe void Enter(string? netnsPath, bool hostNetwork = false)
    {
        int netFd = -1;
        if (netnsPath != null)
        {
            fixed (byte* p = System.Text.Encoding.UTF8.GetBytes(netnsPath + "\0")) netFd = Tmds.Linux.LibC.open(p, Tmds.Linux.LibC.O_RDONLY | Tmds.Linux.LibC.O_CLOEXEC);
            if (netFd < 0) throw new RuntimeException($"linux.namespaces: network namespace {netnsPath}: errno {Tmds.Linux.LibC.errno}");
        }
        try
        {
            var options = new MountJailOptions
            {
                EmptyRoot = true, Proc = true, DevNull = true, ReadOnly = true, Recursive = false,
                ExtraNamespaces = MountJailOptions.NewIpc | MountJailOptions.NewUts | (netFd < 0 && !hostNetwork ? MountJailOptions.NewNet : 0),
                JoinNetFd = netFd,
            };
            if (MountJail.PivotInto("/", options, out var why) != Errno.None) throw new RuntimeException($"confining the sandbox: {why}");
            if (Capabilities.DropAllExcept(out why) != Errno.None) throw new RuntimeException($"confining the sandbox: dropping capabilities: {why}");
        }
        finally
        {
            if (netFd >= 0) Tmds.Linux.LibC.close(netFd);
        }
    }

    /// <summary>The last step, after <see cref="Enter"/> and before the first stub is spawned: the Sentry's seccomp
    /// filter on every thread (threads and stubs started later inherit it). Denials are logged by the kernel.</summary>
    public static void InstallFilter(bool hostNetwork = false)
    {
        if (SentryPolicy.Create(hostNetwork).Install(logDenials: true, out var why) != Errno.None)
            throw new RuntimeException($"confining the sandbox: seccomp: {why}");
    }
}
