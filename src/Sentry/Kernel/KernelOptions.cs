namespace AppKernel.Sentry.Kernel;

public sealed class KernelOptions
{
    /// <summary>Host directory shown as the guest's root (what /proc/mounts names as the root's source).</summary>
    public string RootFs { get; set; } = "/";
    /// <summary>Whether the guest's changes to the root reach the host directory (else an in-memory overlay keeps them).</summary>
    public bool RootWritable { get; set; }
    /// <summary>Print each guest syscall like strace(1).</summary>
    public bool Strace { get; set; }
    /// <summary>Where --strace output goes; stderr by default.</summary>
    public TextWriter? StraceWriter { get; set; }
    public string Hostname { get; set; } = "appkernel";
    /// <summary>Most writable private memory one guest address space may commit.</summary>
    public ulong CommitLimit { get; set; } = 16UL << 30;
}
