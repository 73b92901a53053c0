namespace AppKernel.Platform.Ptrace;

/// <summary>The ptrace platform: each guest thread is a thread of a stub process run under PTRACE_SYSEMU by the
/// OS thread that seized it (<see cref="PtraceStub"/>).</summary>
public sealed class PtracePlatform : IPlatform
{
    public static readonly PtracePlatform Instance = new();
    PtracePlatform() { }

    public string Name => "ptrace";
    public ulong ReservedBase => StubImage.Base;
    public ulong ReservedSize => StubImage.ReservedSize;
    public bool OneThreadPerContext => true;
    public IGuestContext NewProcess() => PtraceStub.Create();
    /// <summary>Nothing: a ptrace stub belongs to the OS thread that seizes it, the task's, which does not exist yet.</summary>
    public void Prespawn() => HostVdso.Warm();
    public IGuestContext Adopt(long handle) => PtraceStub.Adopt((int)handle);
    public IGuestContext AdoptThread(long handle, int hostTgid) => PtraceStub.AdoptThread((int)handle, hostTgid);
}
