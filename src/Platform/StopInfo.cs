using System.Runtime.InteropServices;

namespace AppKernel.Platform;

public enum StopKind
{
    /// <summary>The guest executed a syscall instruction; the number is in OrigRax.</summary>
    Syscall,
    /// <summary>A signal arrived for the guest: a fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP) or one sent from outside.</summary>
    Signal,
    /// <summary>The stub is gone (killed from outside): the address space is lost.</summary>
    Exited,
}

public struct StopInfo
{
    public StopKind Kind;
    public int Signal;
    public SigInfo Info;
    public int WaitStatus;
    /// <summary>A syscall that came through a patched site's trampoline (its site needs no patching).</summary>
    public bool Patched;
}
