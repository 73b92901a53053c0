namespace AppKernel.Sentry.Kernel;

public sealed class KernelOptions
{
    /// <summary>Host directory shown as the guest's root (read-only in this version).</summary>
    public string RootFs { get; set; } = "/";
    /// <summary>Print each guest syscall like strace(1).</summary>
    public bool Strace { get; set; }
    /// <summary>Where --strace output goes; stderr by default.</summary>
    public TextWriter? StraceWriter { get; set; }
    public string Hostname { get; set; } = "appkernel";
    /// <summary>Most writable private memory one guest address space may commit.</summary>
    public ulong CommitLimit { get; set; } = 16UL << 30;
}
