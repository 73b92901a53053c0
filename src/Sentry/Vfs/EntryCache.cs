using System.Runtime;

namespace AppKernel.Sentry.Vfs;

/// <summary>
/// The bound on what a file system keeps of entries it can look up again (the overlay's unchanged lower
/// entries, the nodes of a writable gofer tree), like Linux's and gVisor's dentry LRU.
/// A directory names such entries in its <see cref="CachedNames"/>, which holds them weakly; the cache holds
/// strongly only the <see cref="Capacity"/> most recently used. So an entry stays the same object (same
/// inode, locks, pipe, mount) for as long as anything uses it — an open file, a mapping, a cwd, a mount, a
/// path another entry hangs below — and once nothing does and it has left the recent set, it is dropped and
/// the next lookup makes it again from the lower file system. Entries with state of their own are not put
/// here: their directories hold them strongly.
/// After a burst of drops the cache collects garbage when the lookups have been quiet for
/// <see cref="IdleDelay"/>, so the memory (and the gofer's fids, via <see cref="Reclaimed"/>) goes back; during
/// a long walk it also collects (in the background) after every <see cref="CollectEvery"/> drops, so what it
/// dropped does not wait for the garbage collector's own schedule of full collections.
/// </summary>
public sealed class EntryCache
{
    public const int DefaultCapacity = 4096;
    public static readonly TimeSpan IdleDelay = TimeSpan.FromSeconds(1);
    /// <summary>Drops between two background collections, in capacities. Every dropped entry has lived through many
    /// young collections, so it dies old: left to the collector's own schedule, a walk's garbage grows the heap
    /// into fresh pages (~12 us a fault here) faster than a full collection of the small live set costs.</summary>
    const int CollectEvery = 1;

    sealed record Slot(Inode Node, CachedNames Dir, string Name, WeakReference<Inode> Weak);
    readonly record struct Dropped(WeakReference<CachedNames> Dir, string Name, WeakReference<Inode> Weak);

    readonly object _lock = new();
    readonly LinkedList<Slot> _recent = new(); // least recently used first
    readonly Dictionary<Inode, LinkedListNode<Slot>> _slots = new(ReferenceEqualityComparer.Instance);
    // Left the recent set; their names are removed once the node is gone (a used node keeps its name).
    readonly List<Dropped> _dropped = new();
    int _pruneAt;
    readonly Timer _idle;
    bool _armed;
    long _lastDrop;
    int _dropsSinceCollect;
    int _collecting;

    public EntryCache(int capacity = DefaultCapacity)
    {
        Capacity = Math.Max(1, capacity);
        _pruneAt = Capacity;
        _idle = new Timer(_ => OnIdle());
    }

    /// <summary>How many unused entries are kept at most.</summary>
    public int Capacity { get; }

    /// <summary>Raised after <see cref="Reclaim"/>: dropped entries' finalizers have run (their gofer fids are queued).</summary>
    public event Action? Reclaimed;

    /// <summary>Entries held in the recent set (for tests and diagnostics).</summary>
    public int Held
    {
        get { lock (_lock) return _recent.Count; }
    }

    /// <summary>dir's entry for name, if it is still alive (and marks it recently used).</summary>
    public bool TryGet(CachedNames dir, string name, out Inode? node)
    {
        node = null;
        lock (_lock)
        {
            if (!dir.Map.TryGetValue(name, out var weak)) return false;
            if (!weak.TryGetTarget(out node))
            {
                dir.Map.Remove(name);
                return false;
            }
            if (_slots.TryGetValue(node, out var slot))
            {
                _recent.Remove(slot);
                _recent.AddLast(slot);
            }
            else Hold(new Slot(node, dir, name, weak));
            return true;
        }
    }

    /// <summary>Names node as dir's entry for name (replacing any) and holds it as recently used.</summary>
    public void Add(CachedNames dir, string name, Inode node)
    {
        lock (_lock)
        {
            var weak = new WeakReference<Inode>(node);
            dir.Map[name] = weak;
            if (_slots.TryGetValue(node, out var old))
            {
                _recent.Remove(old);
                _slots.Remove(node);
            }
            Hold(new Slot(node, dir, name, weak));
        }
    }

    /// <summary>Forgets dir's entry for name (removed, renamed, or now held by the directory itself).</summary>
    public void Remove(CachedNames dir, string name)
    {
        lock (_lock) dir.Map.Remove(name);
    }

    // Under _lock.
    void Hold(Slot s)
    {
        _slots[s.Node] = _recent.AddLast(s);
        while (_recent.Count > Capacity)
        {
            var first = _recent.First!.Value;
            _recent.RemoveFirst();
            _slots.Remove(first.Node);
            _dropped.Add(new Dropped(first.Dir.Self, first.Name, first.Weak));
            if (++_dropsSinceCollect >= CollectEvery * Capacity && Interlocked.Exchange(ref _collecting, 1) == 0)
            {
                _dropsSinceCollect = 0;
                ThreadPool.UnsafeQueueUserWorkItem(_ => Collect(aggressive: false), null);
            }
        }
        if (_dropped.Count == 0) return;
        if (_dropped.Count >= _pruneAt) Prune();
        _lastDrop = Environment.TickCount64;
        if (!_armed)
        {
            _armed = true;
            _idle.Change(IdleDelay, Timeout.InfiniteTimeSpan);
        }
    }

    // Removes the names of dropped entries that are gone. Under _lock. Entries still in use are looked at
    // again next time; the threshold doubles with them, so pruning stays linear in the lookups.
    void Prune()
    {
        int kept = 0;
        for (int i = 0; i < _dropped.Count; i++)
        {
            var d = _dropped[i];
            if (d.Weak.TryGetTarget(out _)) { _dropped[kept++] = d; continue; }
            if (d.Dir.TryGetTarget(out var dir) && dir.Map.TryGetValue(d.Name, out var w) && w == d.Weak)
                dir.Map.Remove(d.Name);
        }
        _dropped.RemoveRange(kept, _dropped.Count - kept);
        if (_dropped.Capacity > 4 * Math.Max(kept, Capacity)) _dropped.Capacity = Math.Max(kept, Capacity);
        _pruneAt = Math.Max(Capacity, 2 * kept);
    }

    void OnIdle()
    {
        lock (_lock)
        {
            long wait = _lastDrop + (long)IdleDelay.TotalMilliseconds - Environment.TickCount64;
            if (wait > 0)
            {
                _idle.Change(TimeSpan.FromMilliseconds(wait), Timeout.InfiniteTimeSpan);
                return;
            }
            _armed = false;
        }
        Reclaim();
    }

    /// <summary>
    /// Collects the dropped entries now: a full, compacting garbage collection (their finalizers queue the
    /// gofer fids to clunk), their names pruned, then <see cref="Reclaimed"/>. Runs by itself when lookups
    /// have been quiet for <see cref="IdleDelay"/> after entries were dropped.
    /// </summary>
    public void Reclaim()
    {
        Interlocked.Exchange(ref _collecting, 1);
        Collect(aggressive: true);
    }

    // A full collection, the finalizers (which queue the fids), the names pruned, the fids sent; aggressive: a
    // second, compacting collection that also gives the freed memory back to the host.
    void Collect(bool aggressive)
    {
        try
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            lock (_lock) Prune();
            if (aggressive)
            {
                GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
            Reclaimed?.Invoke();
        }
        finally { Volatile.Write(ref _collecting, 0); }
    }
}

/// <summary>A directory's entries that an <see cref="EntryCache"/> keeps: names to weakly held nodes.</summary>
public sealed class CachedNames
{
    internal readonly Dictionary<string, WeakReference<Inode>> Map = new(StringComparer.Ordinal);
    internal readonly WeakReference<CachedNames> Self;

    public CachedNames() => Self = new WeakReference<CachedNames>(this);
}
