using System.Runtime.InteropServices;

namespace AppKernel.Sentry.Kernel;

/// <summary>The kernel's struct sigaction for rt_sigaction (handler, flags, restorer, mask).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SigAction
{
    public ulong Handler;
    public ulong Flags;
    public ulong Restorer;
    public ulong Mask;
}

[StructLayout(LayoutKind.Sequential)]
public struct SigAltStack
{
    public ulong Sp;
    public int Flags;
    int _pad;
    public ulong Size;
}

/// <summary>Signal dispositions, mask, alternate stack and the pending queue of one task.</summary>
public sealed class SignalState
{
    /// <summary>Pending signals with their siginfo (128 bytes each). Shared: sent to the process (kill) rather than
    /// the thread (tgkill); Linux keeps the two apart, so a standard signal may be pending once in each.</summary>
    public readonly List<(int Sig, byte[] Info, bool Shared)> Queue = new();

    public ulong PendingMask()
    {
        lock (Queue)
        {
            ulong m = 0;
            foreach (var (sig, _, _) in Queue) m |= Bit(sig);
            return m;
        }
    }

    public static ulong Bit(int sig) => 1UL << (sig - 1);

    /// <summary>Drops pending instances of sig (its disposition became "ignore").</summary>
    public void Discard(int sig)
    {
        lock (Queue) Queue.RemoveAll(q => q.Sig == sig);
    }

    public const int NSig = 64;
    public readonly SigAction[] Actions;

    public SignalState() => Actions = new SigAction[NSig + 1];
    SignalState(SigAction[] shared) => Actions = shared;

    /// <summary>A new thread's state: the same dispositions (CLONE_SIGHAND), its own mask copy and queue.</summary>
    public SignalState ShareActions() => new(Actions) { Mask = Mask };
    public ulong Mask;
    public SigAltStack AltStack = new() { Flags = 2 /* SS_DISABLE */ };

    public const int SIGKILL = 9, SIGSTOP = 19;

    /// <summary>fork: the child inherits dispositions, mask and alternate stack.</summary>
    public SignalState Fork()
    {
        var s = new SignalState { Mask = Mask, AltStack = AltStack };
        Array.Copy(Actions, s.Actions, Actions.Length);
        return s;
    }
    public static readonly ulong Unblockable = (1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1));
}
