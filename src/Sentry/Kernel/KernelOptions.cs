namespace AppKernel.Sentry.Kernel;

public sealed class KernelOptions
{
    /// <summary>Host directory shown as the guest's root (what /proc/mounts names as the root's source).</summary>
    public string RootFs { get; set; } = "/";
    /// <summary>Where the guest's changes to the root go.</summary>
    public RootMode Root { get; set; } = RootMode.Overlay;
    /// <summary>Print each guest syscall like strace(1).</summary>
    public bool Strace { get; set; }
    /// <summary>Where --strace output goes; stderr by default.</summary>
    public TextWriter? StraceWriter { get; set; }
    /// <summary>The UTS names uname shows; sethostname/setdomainname change them for the whole sandbox (its own UTS
    /// namespace).</summary>
    public string Hostname { get; set; } = "appkernel";
    public string Domainname { get; set; } = "(none)";
    /// <summary>Most writable private memory one guest address space may commit.</summary>
    public ulong CommitLimit { get; set; } = 16UL << 30;
    /// <summary>--network=host: AF_INET/AF_INET6 sockets are the host's (else the sandbox's own loopback).</summary>
    public bool HostNetwork { get; set; }
    /// <summary>How guest code runs and traps (`--platform`).</summary>
    public AppKernel.Platform.IPlatform Platform { get; set; } = AppKernel.Platform.Ptrace.PtracePlatform.Instance;
    /// <summary>Whether syscall sites may be patched into jumps to the platform's trampoline (where it has one;
    /// `--systrap-disable-syscall-patching` turns it off, as gVisor's flag of that name).</summary>
    public bool SyscallPatching { get; set; } = true;
    /// <summary>The devpts mount's options (OCI's devpts mount: mode=, gid=, ptmxmode=).</summary>
    public DevPtsOptions DevPts { get; set; } = new();
}

/// <summary>A devpts instance's options: new replica nodes' mode and group (null: the opener's), ptmx's mode.
/// The defaults are runc's spec (mode=0620, gid=5, ptmxmode=0666).</summary>
public sealed record DevPtsOptions(uint Mode = 0x190, uint? Gid = 5, uint PtmxMode = 0x1b6);

/// <summary>How the container's root is mounted.</summary>
public enum RootMode
{
    /// <summary>An in-memory overlay keeps every change; the host directory is never written (`runsc do`).</summary>
    Overlay,
    /// <summary>Changes reach the host directory through the gofer (an OCI bundle's root, as runc).</summary>
    Writable,
    /// <summary>Mounted read-only: every change is EROFS (OCI root.readonly). Mount points missing in it are made in an
    /// in-memory overlay, as runc makes them before it makes the root read-only.</summary>
    ReadOnly,
}
