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
    // Under the queue's lock, also while notifying: a poll of a thousand fds adds and removes a waiter on each,
    // which must not allocate (copy-on-write arrays did, twice per fd per call). Notify calls out under the lock:
    // waiters only set a flag and pulse their own lock, or notify another queue (an epoll instance's, never
    // in a cycle: nesting is checked at EPOLL_CTL_ADD).
    readonly List<IWaiter> _waiters = new();

    public void Add(IWaiter w)
    {
        lock (_waiters) _waiters.Add(w);
    }

    public void Remove(IWaiter w)
    {
        lock (_waiters) _waiters.Remove(w);
    }

    public void Notify()
    {
        lock (_waiters)
            for (int i = 0; i < _waiters.Count; i++) _waiters[i].Notify();
    }
}

/// <summary>
/// One poll, select or epoll_wait call: registers on the wait queue of each file it asks about before asking,
/// so a change between the question and the sleep is not slept through. Only the first pass registers (as
/// Linux's poll, whose later passes find their queues joined): a queue asked about twice is joined twice,
/// which costs a second notification, not a lookup per fd per pass. Dispose unregisters.
/// </summary>
public sealed class Poller : IWaiter, IDisposable
{
    readonly List<WaitQueue> _queues;
    bool _woken, _slept;

    /// <summary>capacity: how many queues it will likely watch (a poll's fd count), so watching does not regrow.</summary>
    public Poller(int capacity = 0) => _queues = new List<WaitQueue>(capacity);

    /// <summary>Registers on q (null: a file whose readiness never changes), unless this poller has slept already.</summary>
    public void Watch(WaitQueue? q)
    {
        if (q == null || _slept) return;
        _queues.Add(q);
        q.Add(this);
    }

    public void Notify()
    {
        lock (this)
        {
            _woken = true;
            Monitor.Pulse(this);
        }
    }

    /// <summary>Sleeps until a watched queue is notified or the deadline. False on a signal.</summary>
    public bool Wait(Task t, Deadline deadline)
    {
        _slept = true;
        lock (this)
        {
            if (!_woken)
            {
                if (!t.Sleep(this, deadline.WaitMs)) return false;
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
