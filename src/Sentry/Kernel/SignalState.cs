using System.Runtime.InteropServices;

namespace AppKernel.Sentry.Kernel;

/// <summary>Signal dispositions, mask, alternate stack and the pending signals of one task.</summary>
public sealed class SignalState
{
    /// <summary>Pending signals with their siginfo (128 bytes each), one list for all threads of a process (its lock
    /// guards them all). Target is the thread's own state for a thread-directed signal (tgkill), null for one sent to
    /// the process (kill), which any thread not blocking it may take. A standard signal is pending at most once per
    /// target.</summary>
    public readonly List<(int Sig, byte[] Info, SignalState? Target)> Queue;
    /// <summary>Pollers of a signalfd on this queue (shared by the threads that share the queue).</summary>
    public readonly Vfs.WaitQueue Waiters;

    /// <summary>The signals pending for this thread: its own and the process's.</summary>
    public ulong PendingMask()
    {
        lock (Queue)
        {
            ulong m = 0;
            foreach (var (sig, _, target) in Queue) if (target == null || target == this) m |= Bit(sig);
            return m;
        }
    }

    /// <summary>A thread ends or is replaced: the signals sent to it alone go with it.</summary>
    public void DropOwn()
    {
        lock (Queue) Queue.RemoveAll(q => q.Target == this);
    }

    public static ulong Bit(int sig) => 1UL << (sig - 1);

    /// <summary>Drops pending instances of sig (its disposition became "ignore").</summary>
    public void Discard(int sig)
    {
        lock (Queue) Queue.RemoveAll(q => q.Sig == sig);
    }

    public const int NSig = 64;
    /// <summary>The dispositions: shared by the threads of a process and by processes made with CLONE_SIGHAND.</summary>
    public SigAction[] Actions { get; private set; }

    public SignalState() { Actions = new SigAction[NSig + 1]; Queue = new(); Waiters = new(); }
    SignalState(SigAction[] shared, List<(int, byte[], SignalState?)> queue, Vfs.WaitQueue waiters)
    {
        Actions = shared; Queue = queue; Waiters = waiters;
    }

    /// <summary>A new thread's state: the same dispositions (CLONE_SIGHAND) and pending list, its own mask copy.</summary>
    public SignalState ShareActions() => new(Actions, Queue, Waiters) { Mask = Mask };
    public ulong Mask;
    public SigAltStack AltStack = new() { Flags = 2 /* SS_DISABLE */ };

    public const int SIGKILL = 9, SIGSTOP = 19;

    /// <summary>fork: the child inherits dispositions (a copy, or the same table with CLONE_SIGHAND), mask and
    /// alternate stack; its pending list is its own.</summary>
    public SignalState Fork(bool shareActions)
    {
        var s = shareActions ? new SignalState(Actions, new(), new()) : new SignalState();
        s.Mask = Mask;
        s.AltStack = AltStack;
        if (!shareActions) Array.Copy(Actions, s.Actions, Actions.Length);
        return s;
    }

    /// <summary>Linux's flush_signal_handlers: every handler becomes SIG_DFL, an ignored signal stays ignored, and
    /// flags and masks are cleared (exec, and clone3's CLONE_CLEAR_SIGHAND).</summary>
    public void ResetHandlers()
    {
        const ulong SIG_IGN = 1;
        for (int s = 1; s <= NSig; s++)
            Actions[s] = new SigAction { Handler = Actions[s].Handler == SIG_IGN ? SIG_IGN : 0 };
    }

    /// <summary>exec: the dispositions become this process's own before exec resets them (Linux's unshare_sighand),
    /// so a process that shares them through CLONE_SIGHAND keeps its handlers.</summary>
    public void UnshareActions() => Actions = (SigAction[])Actions.Clone();
    public static readonly ulong Unblockable = (1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1));
}
