using AppKernel.Sentry.Memory;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// One kernel's futex wait queues. A futex is keyed by (address space, address), or — when not FUTEX_PRIVATE and
/// the word is in shared memory — by (shared object, offset), so processes sharing the memory meet on it.
/// Keys hash into buckets, each with its own lock (Linux's futex hash); a waiter sleeps on its own object, so a
/// wake touches only the waiters it wakes and other futexes never see it.
/// Lock order: bucket (lower index first when two are held) → waiter. A memory manager's lock is taken only
/// before, never under, a bucket's.
/// </summary>
public sealed class FutexTable
{
    public sealed class Waiter
    {
        /// <summary>Set under the bucket lock when dequeued by a wake; read by the sleeper under its own lock.</summary>
        public volatile bool Woken;
        // Boxed so a reader outside the bucket locks sees one whole key; changed only under both buckets' locks (requeue).
        volatile object _key = null!;
        public (object, ulong) Key { get => ((object, ulong))_key; set => _key = value; }
        /// <summary>What the sleeper waits on: the waiter itself, or one object for all of futex_waitv's waiters.</summary>
        public object SleepsOn = null!;
        /// <summary>FUTEX_WAIT_BITSET's bits: a wake wakes only waiters sharing one of its own (plain waits have all).</summary>
        public uint Bitset = MatchAny;
    }

    sealed class Bucket
    {
        public readonly Dictionary<(object, ulong), List<Waiter>> Queues = new();
    }

    const int BucketCount = 256;
    readonly Bucket[] _buckets = new Bucket[BucketCount];

    public FutexTable()
    {
        for (int i = 0; i < BucketCount; i++) _buckets[i] = new Bucket();
    }

    /// <summary>FUTEX_BITSET_MATCH_ANY: what FUTEX_WAIT and FUTEX_WAKE use.</summary>
    public const uint MatchAny = uint.MaxValue;
    /// <summary>Linux's FUT_OFF_MMSHARED: a shared futex in private memory is keyed by the address with this bit
    /// (free, as futex words are aligned), so private and shared operations on one word never meet.</summary>
    const ulong SharedInPrivate = 2;

    public static (object, ulong) KeyOf(MemoryManager mm, ulong uaddr, bool priv)
    {
        if (priv) return (mm, uaddr);
        lock (mm)
        {
            var v = mm.Vmas.Find(uaddr);
            return v?.ShareKey is { } shared ? (shared, v.Offset + (uaddr - v.Start)) : (mm, uaddr | SharedInPrivate);
        }
    }

    int IndexOf((object, ulong) key) => (int)((uint)key.GetHashCode() % BucketCount);

    /// <summary>Holds the lock(s) of one or two keys' buckets, in index order.</summary>
    public readonly ref struct Locked
    {
        readonly object _a, _b;
        internal Locked(object a, object b)
        {
            _a = a; _b = b;
            Monitor.Enter(_a);
            if (!ReferenceEquals(_a, _b)) Monitor.Enter(_b);
        }
        public void Dispose()
        {
            if (!ReferenceEquals(_a, _b)) Monitor.Exit(_b);
            Monitor.Exit(_a);
        }
    }

    /// <summary>Locks the buckets of both keys (the value check of a wait, requeue or wake-op happens under it).</summary>
    public Locked Lock((object, ulong) k1, (object, ulong) k2)
    {
        int i = IndexOf(k1), j = IndexOf(k2);
        return i <= j ? new Locked(_buckets[i], _buckets[j]) : new Locked(_buckets[j], _buckets[i]);
    }

    /// <summary>Queues a waiter on key; the caller holds the key's bucket (Lock) and has checked the value.</summary>
    public Waiter Enqueue((object, ulong) key, object? sleepsOn = null, uint bitset = MatchAny)
    {
        var w = new Waiter { Key = key, Bitset = bitset };
        w.SleepsOn = sleepsOn ?? w;
        var q = _buckets[IndexOf(key)].Queues;
        if (!q.TryGetValue(key, out var list)) q[key] = list = new List<Waiter>();
        list.Add(w);
        return w;
    }

    /// <summary>
    /// Sleeps until woken, the deadline or a signal. 0, or ETIMEDOUT/EINTR after taking the waiter off whichever
    /// queue a requeue has moved it to.
    /// </summary>
    public Errno Sleep(Task t, Waiter w, Deadline deadline)
    {
        bool interrupted = false;
        lock (w)
        {
            while (!w.Woken && !deadline.Passed)
                if (!t.Sleep(w, deadline.WaitMs)) { interrupted = true; break; }
        }
        if (w.Woken || !Unqueue(w)) return Errno.None;
        return interrupted ? Errno.EINTR : Errno.ETIMEDOUT;
    }

    /// <summary>Takes a waiter off whichever queue a requeue has moved it to; false if a wake took it first (and
    /// counted it).</summary>
    bool Unqueue(Waiter w)
    {
        while (true)
        {
            var key = w.Key;
            var b = _buckets[IndexOf(key)];
            lock (b)
            {
                if (w.Key != key) continue; // requeued meanwhile: look again
                if (w.Woken) return false;
                if (b.Queues.TryGetValue(key, out var q)) { q.Remove(w); if (q.Count == 0) b.Queues.Remove(key); }
                return true;
            }
        }
    }

    /// <summary>
    /// futex_waitv: sleeps on every waiter (all enqueued with one sleepsOn object) until one is woken, the deadline
    /// or a signal; takes the others off their queues. The index of a woken waiter (the last, as Linux), else
    /// ETIMEDOUT/EINTR as a negative errno.
    /// </summary>
    public long SleepAny(Task t, Waiter[] ws, object sleepsOn, Deadline deadline)
    {
        bool interrupted = false;
        lock (sleepsOn)
        {
            while (!Array.Exists(ws, w => w.Woken) && !deadline.Passed)
                if (!t.Sleep(sleepsOn, deadline.WaitMs)) { interrupted = true; break; }
        }
        return UnqueueAll(ws) is int i and >= 0 ? i : -(long)(interrupted ? Errno.EINTR : Errno.ETIMEDOUT);
    }

    /// <summary>Takes every waiter off its queue; the index of the last one a wake had already taken, or -1.</summary>
    public int UnqueueAll(Waiter[] ws)
    {
        int woken = -1;
        for (int i = 0; i < ws.Length; i++)
            if (ws[i] != null && (ws[i].Woken || !Unqueue(ws[i]))) woken = i;
        return woken;
    }

    /// <summary>Wakes up to n waiters of key whose bitset shares a bit with bitset.</summary>
    public int Wake((object, ulong) key, int n, uint bitset = MatchAny)
    {
        using (Lock(key, key)) return WakeLocked(key, n, bitset);
    }

    /// <summary>Wakes up to n waiters of key (those sharing a bit with bitset), in queue order; the caller holds its bucket.</summary>
    public int WakeLocked((object, ulong) key, int n, uint bitset = MatchAny)
    {
        var b = _buckets[IndexOf(key)];
        if (n <= 0 || !b.Queues.TryGetValue(key, out var q)) return 0;
        int woken = 0;
        for (int i = 0; woken < n && i < q.Count;)
        {
            var w = q[i];
            if ((w.Bitset & bitset) == 0) { i++; continue; }
            q.RemoveAt(i);
            w.Woken = true;
            lock (w.SleepsOn) Monitor.Pulse(w.SleepsOn);
            woken++;
        }
        if (q.Count == 0) b.Queues.Remove(key);
        return woken;
    }

    /// <summary>Moves up to n waiters of from to to; the caller holds both buckets.</summary>
    public int RequeueLocked((object, ulong) from, (object, ulong) to, int n)
    {
        var fb = _buckets[IndexOf(from)];
        if (n <= 0 || from.Equals(to) || !fb.Queues.TryGetValue(from, out var fq)) return 0;
        var tb = _buckets[IndexOf(to)];
        if (!tb.Queues.TryGetValue(to, out var tq)) tb.Queues[to] = tq = new List<Waiter>();
        int moved = 0;
        while (moved < n && fq.Count > 0)
        {
            var w = fq[0];
            fq.RemoveAt(0);
            w.Key = to;
            tq.Add(w);
            moved++;
        }
        if (fq.Count == 0) fb.Queues.Remove(from);
        if (tq.Count == 0) tb.Queues.Remove(to);
        return moved;
    }
}
