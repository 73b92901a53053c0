using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Ipc;

/// <summary>A message queue: messages in arrival order, the byte and count limit (msg_qbytes), who sent and received
/// last, and the tasks waiting to send or receive (each re-checks the queue when woken). Guarded by the registry's lock.</summary>
public sealed class MsgQueue : IpcObject
{
    public readonly List<(long Type, byte[] Text)> Messages = new();
    public ulong Cbytes, Qbytes;
    public long Stime, Rtime;
    public int Lspid, Lrpid;
    public readonly List<IpcWaiter> Waiters = new();

    public MsgQueue(Task t, int key, int flags, ulong qbytes) : base(t, key, flags) => Qbytes = qbytes;

    /// <summary>Wakes every waiter: a message came or went, the limit changed, or the queue is gone.</summary>
    public void WakeAll()
    {
        foreach (var w in Waiters) w.Wake();
        Waiters.Clear();
    }
}

/// <summary>A task waiting on an IPC object: woken by whoever changes it, after which it looks again.</summary>
public sealed class IpcWaiter
{
    bool _woken;

    public void Wake()
    {
        lock (this) { _woken = true; Monitor.PulseAll(this); }
    }

    /// <summary>Sleeps until woken, deadlineMs (Environment.TickCount64, -1: none) passes, or a signal comes.
    /// Returns ETIMEDOUT, EINTR (a signal, or the task's end) or None.</summary>
    public Errno Sleep(Task t, long deadlineMs = -1)
    {
        lock (this)
        {
            while (!_woken)
            {
                long left = deadlineMs < 0 ? Timeout.Infinite : deadlineMs - Environment.TickCount64;
                if (deadlineMs >= 0 && left <= 0) return Errno.ETIMEDOUT;
                if (!t.Sleep(this, (int)Math.Min(left, int.MaxValue))) return _woken ? Errno.None : Errno.EINTR;
            }
            return Errno.None;
        }
    }
}
