using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Vfs;

/// <summary>Something told when a waitable object's readiness may have changed (a poller, an epoll entry).</summary>
public interface IWaiter
{
    void Notify();
}

/// <summary>
/// The waiters of one waitable object (a pipe, eventfd, timerfd, epoll instance, a signal queue, a host fd):
/// poll, select and epoll register on the queues of the files they watch, so a change wakes only those.
/// </summary>
public sealed class WaitQueue
{
    // Copied on change, so Notify — on every pipe write — takes no lock and allocates nothing.
    IWaiter[] _waiters = Array.Empty<IWaiter>();

    public bool IsEmpty => Volatile.Read(ref _waiters).Length == 0;

    public void Add(IWaiter w)
    {
        lock (this)
        {
            var n = new IWaiter[_waiters.Length + 1];
            _waiters.CopyTo(n, 0);
            n[^1] = w;
            Volatile.Write(ref _waiters, n);
        }
    }

    public void Remove(IWaiter w)
    {
        lock (this)
        {
            int i = Array.IndexOf(_waiters, w);
            if (i < 0) return;
            var n = new IWaiter[_waiters.Length - 1];
            Array.Copy(_waiters, 0, n, 0, i);
            Array.Copy(_waiters, i + 1, n, i, n.Length - i);
            Volatile.Write(ref _waiters, n);
        }
    }

    public void Notify()
    {
        foreach (var w in Volatile.Read(ref _waiters)) w.Notify();
    }
}

/// <summary>
/// One poll, select or epoll_wait call: registers on the wait queue of each file it asks about before asking,
/// so a change between the question and the sleep is not slept through. Dispose unregisters.
/// </summary>
public sealed class Poller : IWaiter, IDisposable
{
    readonly HashSet<WaitQueue> _queues = new();
    bool _woken;

    /// <summary>Registers on q (null: a file whose readiness never changes).</summary>
    public void Watch(WaitQueue? q)
    {
        if (q != null && _queues.Add(q)) q.Add(this);
    }

    public void Notify()
    {
        lock (this)
        {
            _woken = true;
            Monitor.Pulse(this);
        }
    }

    /// <summary>Sleeps until a watched queue is notified or deadlineMs (TickCount64; long.MaxValue: none). False on a signal.</summary>
    public bool Wait(Task t, long deadlineMs)
    {
        lock (this)
        {
            if (!_woken)
            {
                int ms = deadlineMs == long.MaxValue ? Timeout.Infinite
                    : (int)Math.Clamp(deadlineMs - Environment.TickCount64, 0, int.MaxValue);
                if (!t.Sleep(this, ms)) return false;
            }
            _woken = false;
            return !t.SignalPending;
        }
    }

    public void Dispose()
    {
        foreach (var q in _queues) q.Remove(this);
        _queues.Clear();
    }
}
