using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Vfs;

/// <summary>
/// Advisory locks of one inode: POSIX record locks (owned by a process, released when it closes any fd of
/// the inode), OFD record locks and flock locks (owned by an open file description, released with it).
/// Record ranges are [Start, End) with End = long.MaxValue meaning "to end of file, however it grows".
/// </summary>
public sealed class FileLocks
{

    public static FileLocks Of(Inode i)
    {
        var l = Volatile.Read(ref i.Locks);
        return l ?? Interlocked.CompareExchange(ref i.Locks, new FileLocks(), null) ?? i.Locks!;
    }

    public const short F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;
    public const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

    public readonly record struct Range(object Owner, bool Ofd, bool Write, long Start, long End, int Pid);

    readonly List<Range> _ranges = new();
    readonly List<(object Owner, bool Exclusive)> _flocks = new();

    /// <summary>The first lock of another owner that a lock of this kind would conflict with.</summary>
    public Range? Conflict(object owner, bool write, long start, long end)
    {
        lock (this)
            foreach (var r in _ranges)
                if (!ReferenceEquals(r.Owner, owner) && r.Start < end && start < r.End && (write || r.Write)) return r;
        return null;
    }

    /// <summary>What an interrupted wait returns: restarted after a handler with SA_RESTART, else EINTR (as Linux).</summary>
    static readonly Errno Interrupted = (Errno)(-Task.RestartSys);

    /// <summary>Sets or clears (type F_UNLCK) owner's lock on [start, end); wait: t blocks while another owner
    /// conflicts (a signal interrupts it; a POSIX lock that would close a cycle of waiters is EDEADLK).</summary>
    public Errno Set(Task t, object owner, bool ofd, int pid, short type, long start, long end, bool wait)
    {
        lock (this)
        {
            if (type != F_UNLCK)
                while (Conflict(owner, type == F_WRLCK, start, end) is { } c)
                {
                    if (!wait) return Errno.EAGAIN;
                    if (!ofd && !c.Ofd && !t.Kernel.LockWaits.Block(owner, c.Owner)) return Errno.EDEADLK;
                    bool ok;
                    try { ok = t.Sleep(this); }
                    finally { if (!ofd) t.Kernel.LockWaits.Unblock(owner); }
                    if (!ok) return Interrupted;
                }
            // Cut [start, end) out of the owner's existing ranges, keeping the parts outside it.
            for (int i = _ranges.Count - 1; i >= 0; i--)
            {
                var r = _ranges[i];
                if (!ReferenceEquals(r.Owner, owner) || r.End <= start || end <= r.Start) continue;
                _ranges.RemoveAt(i);
                if (r.Start < start) Insert(r with { End = start });
                if (end < r.End) Insert(r with { Start = end });
            }
            if (type != F_UNLCK)
            {
                var n = new Range(owner, ofd, type == F_WRLCK, start, end, pid);
                // Merge with the owner's touching ranges of the same kind, as Linux does.
                for (int i = _ranges.Count - 1; i >= 0; i--)
                {
                    var r = _ranges[i];
                    if (!ReferenceEquals(r.Owner, owner) || r.Write != n.Write || r.End < n.Start || n.End < r.Start) continue;
                    _ranges.RemoveAt(i);
                    n = n with { Start = Math.Min(r.Start, n.Start), End = Math.Max(r.End, n.End) };
                }
                Insert(n);
            }
            Monitor.PulseAll(this);
            return Errno.None;
        }
    }

    // Kept sorted by start, so GETLK reports the lowest conflicting range.
    void Insert(Range r)
    {
        int i = 0;
        while (i < _ranges.Count && _ranges[i].Start <= r.Start) i++;
        _ranges.Insert(i, r);
    }

    /// <summary>flock(2): op is LOCK_SH, LOCK_EX or LOCK_UN, optionally with LOCK_NB.</summary>
    public Errno Flock(Task t, object owner, int op)
    {
        bool nb = (op & LOCK_NB) != 0;
        op &= ~LOCK_NB;
        if (op is not (LOCK_SH or LOCK_EX or LOCK_UN)) return Errno.EINVAL;
        lock (this)
        {
            // A conversion drops the old lock first, so it is not atomic (as in Linux).
            _flocks.RemoveAll(f => ReferenceEquals(f.Owner, owner));
            Monitor.PulseAll(this);
            if (op == LOCK_UN) return Errno.None;
            bool ex = op == LOCK_EX;
            while (_flocks.Exists(f => ex || f.Exclusive))
            {
                if (nb) return Errno.EAGAIN; // EWOULDBLOCK
                if (!t.Sleep(this)) return Interrupted;
            }
            _flocks.Add((owner, ex));
            return Errno.None;
        }
    }

    /// <summary>Drops every lock of owner (a process closing an fd of the inode, or a description's last close).</summary>
    public static void Release(Inode inode, object owner)
    {
        var l = Volatile.Read(ref inode.Locks);
        if (l == null) return;
        lock (l)
        {
            int n = l._ranges.RemoveAll(r => ReferenceEquals(r.Owner, owner)) + l._flocks.RemoveAll(f => ReferenceEquals(f.Owner, owner));
            if (n > 0) Monitor.PulseAll(l);
        }
    }
}
