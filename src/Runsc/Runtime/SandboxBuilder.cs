using AppKernel.Gofer;
using AppKernel.Platform;
using AppKernel.Platform.Native;
using AppKernel.Sentry.FileSystems.Gofer;
using AppKernel.Sentry.Kernel;
using Microsoft.Extensions.Logging;

namespace AppKernel.Runsc.Runtime;

/// <summary>What a sandbox is built from: `runsc do`'s flags or an OCI bundle's config.json (SpecConfig).</summary>
public sealed class SandboxConfig
{
    public required string RootFs { get; init; }
    public RootMode Root { get; init; } = RootMode.Overlay;
    public string Hostname { get; init; } = Environment.MachineName;
    public bool Strace { get; init; }
    public TextWriter? StraceWriter { get; init; }
    /// <summary>Host directories and files shown at a path inside (OCI bind mounts), served by the same gofer.</summary>
    public IReadOnlyList<BindMount> Binds { get; init; } = [];
    /// <summary>--network=host: the guest's TCP/UDP sockets are the host's (the Sentry keeps its network namespace).</summary>
    public bool HostNetwork { get; init; }
    public DevPtsOptions DevPts { get; init; } = new();
    /// <summary>`--platform`: how guest code is trapped.</summary>
    public string Platform { get; init; } = AppKernel.Platform.Platforms.DefaultName;
    /// <summary>Whether guest syscall sites may be patched (`--systrap-disable-syscall-patching` clears it).</summary>
    public bool SyscallPatching { get; set; } = true;
}

/// <summary>A started gofer: its connection for the root and one per bind mount, and the host's memory size.</summary>
public sealed record SandboxGofer(GoferClient Root, List<GoferClient> Binds, ulong HostMemory);

/// <summary>A host directory or file (Source) shown at Destination; changes reach it only when Writable.</summary>
public sealed record BindMount(string Source, string Destination, bool Writable);

/// <summary>
/// Builds a sandbox's kernel: starts the gofer that serves the root (the Sentry never opens the container's files
/// by path) and the Sentry's kernel over it. The one path `runsc do` and `runsc boot` (OCI create) share.
/// </summary>
public static class SandboxBuilder
{
    /// <summary>The host-facing half, done before the Sentry confines itself: the fd limit raised and the gofer started
    /// on the host paths (the Sentry's jail has none of them).</summary>
    public static SandboxGofer StartGofer(SandboxConfig config)
    {
        if (!Directory.Exists(config.RootFs)) throw new RuntimeException($"root file system {config.RootFs}: not a directory");
        RaiseFdLimit();
        var exe = Environment.ProcessPath ?? "/proc/self/exe";
        try
        {
            GoferProcess.Start(exe, Path.GetFullPath(config.RootFs), config.Root == RootMode.Writable,
                config.Binds.Select(b => (b.Source, b.Writable)).ToList(), out var gofer, out var bindClients);
            return new SandboxGofer(gofer, bindClients, HostMemory());
        }
        catch (IOException e) { throw new RuntimeException($"cannot start the gofer for {config.RootFs}: {e.Message}"); }
    }

    /// <summary>
    /// Once the Sentry is in its jail (<see cref="SentryJail.Enter"/>): the platform the config names (probed first:
    /// the filter refuses the probe), the Sentry's last confinement step (its seccomp filter on every thread), and
    /// the init's stub made now (it inherits the filter), while the gofer may still be starting: the kernel cannot be
    /// built before the gofer answers.
    /// </summary>
    public static IPlatform Confine(SandboxConfig config, ILogger log)
    {
        var platform = AppKernel.Platform.Platforms.Get(config.Platform, out var why, out var fallback) ?? throw new RuntimeException(why!);
        if (fallback != null) log.LogWarning("{Fallback}", fallback);
        log.LogDebug("platform {Platform}", platform.Name);
        SentryJail.InstallFilter(config.HostNetwork);
        platform.Prespawn();
        return platform;
    }

    /// <summary>The kernel over a started gofer and a platform (<see cref="Confine"/>): needs nothing of the host's
    /// file tree.</summary>
    public static Kernel Build(SandboxConfig config, SandboxGofer g, IPlatform platform, ILogger log)
    {
        bool writable = config.Root == RootMode.Writable;
        var ge = GoferFs.Attach(g.Root, writable, overlaid: !writable, out var rootInode);
        if (ge != Errno.None) throw new RuntimeException($"the gofer cannot serve {config.RootFs}: {ge}");
        var options = new KernelOptions
        {
            RootFs = config.RootFs,
            Root = config.Root,
            Strace = config.Strace,
            StraceWriter = config.StraceWriter,
            Hostname = config.Hostname,
            CommitLimit = g.HostMemory,
            HostNetwork = config.HostNetwork,
            DevPts = config.DevPts,
            Platform = platform,
            SyscallPatching = config.SyscallPatching,
        };
        Kernel kernel;
        try { kernel = new Kernel(options, log, rootInode!); }
        catch (IOException e) { throw new RuntimeException(e.Message); }
        for (int i = 0; i < config.Binds.Count; i++)
        {
            var b = config.Binds[i];
            var e = GoferFs.Attach(g.Binds[i], b.Writable, overlaid: false, out var bindRoot);
            if (e == Errno.None) e = kernel.MountAt(b.Destination, bindRoot!, "9p", b.Source, !b.Writable);
            if (e != Errno.None) throw new RuntimeException($"cannot bind-mount {b.Source} on {b.Destination}: {e}");
        }
        return kernel;
    }

    /// <summary>The Sentry holds an fd per cached file: as root raise the limit to the system's maximum, else to the hard limit.</summary>
    static unsafe void RaiseFdLimit()
    {
        RLimit r;
        if (Host.getrlimit(RLimits.RLIMIT_NOFILE, &r) != 0) return;
        ulong nrOpen = 1 << 20;
        try { nrOpen = ulong.Parse(File.ReadAllText("/proc/sys/fs/nr_open").Trim()); } catch (Exception e) when (e is IOException or FormatException) { }
        var want = new RLimit { Cur = Math.Max(nrOpen, r.Max), Max = Math.Max(nrOpen, r.Max) };
        if (Host.setrlimit(RLimits.RLIMIT_NOFILE, &want) == 0) return;
        r.Cur = r.Max;
        Host.setrlimit(RLimits.RLIMIT_NOFILE, &r);
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
