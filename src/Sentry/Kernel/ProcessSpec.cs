namespace AppKernel.Sentry.Kernel;

/// <summary>A process to start from outside the sandbox (the container's init, or `runsc exec`): what an OCI spec's
/// `process` says, in the kernel's terms.</summary>
public sealed record ProcessSpec
{
    public required IReadOnlyList<string> Argv { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    /// <summary>Working directory inside the sandbox; null: the root.</summary>
    public string? Cwd { get; init; }
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public IReadOnlyList<uint> Groups { get; init; } = [];
    /// <summary>null: Linux's default 022.</summary>
    public uint? Umask { get; init; }
    /// <summary>Limits that replace the kernel's defaults: (resource number, soft, hard).</summary>
    public IReadOnlyList<(int Resource, ulong Soft, ulong Hard)> Limits { get; init; } = [];
    public bool NoNewPrivileges { get; init; }
    /// <summary>Its capability sets before its first exec (which moves them as capabilities(7) says); null: root's all.</summary>
    public CapabilitySets? Capabilities { get; init; }
    /// <summary>Whether the process's stdio that is a host terminal becomes a Sentry terminal bridged to it
    /// (<see cref="FileSystems.Host.HostConsole"/>), its controlling terminal; the container's init and `runsc do`.</summary>
    public bool Console { get; init; }
    /// <summary>The seccomp profile the process runs under (after its first exec, as runc installs it).</summary>
    public SyscallFilter? Filter { get; init; }
}

/// <summary>A process's capability sets, bit n for capability n.</summary>
public readonly record struct CapabilitySets(ulong Effective, ulong Permitted, ulong Inheritable, ulong Bounding, ulong Ambient);
