using System.Runtime.CompilerServices;
using AppKernel.Platform;
using AppKernel.Sentry.Memory;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.Kernel.Aio;

/// <summary>struct io_event (32 bytes): what a completion puts in the ring.</summary>
public struct IoEvent
{
    public const int Size = 32;
    public ulong Data, Obj;
    public long Res, Res2;
}

/// <summary>
/// One io_setup context (Linux's kioctx). Its completion ring lives in the guest's memory as Linux's does: an
/// anonymous shared mapping whose address is the context id, starting with struct aio_ring (id = the table slot,
/// nr, head, tail, magic …) and followed by the io_events, so libaio's user-space reaping reads real events. The
/// guest may move head (it consumes events itself); the tail is the Sentry's, copied to the ring on each change.
/// </summary>
public sealed class AioContext
{
    public const uint AIO_RING_MAGIC = 0xa10a10a1, AIO_RING_COMPAT_FEATURES = 1;
    public const int RingHeaderSize = 32;
    const int IdOff = 0, NrOff = 4, HeadOff = 8, TailOff = 12, MagicOff = 16, CompatOff = 20, IncompatOff = 24, HeaderLenOff = 28;

    /// <summary>What io_setup asked for (counted against aio-max-nr).</summary>
    public readonly uint MaxReqs;
    /// <summary>The ring's entries: the request doubled (and at least 4 per CPU), rounded up to whole pages.</summary>
    public readonly uint NrEvents;
    public readonly ulong RingSize;
    public readonly MemoryManager MM;
    public int Id { get; internal set; }
    public bool Dead { get; private set; }
    uint _tail;
    int _inflight;
    readonly List<AioPoll> _polls = new();

    internal AioContext(MemoryManager mm, uint maxReqs, uint nrEvents, ulong ringSize)
    {
        MM = mm; MaxReqs = maxReqs; NrEvents = nrEvents; RingSize = ringSize;
    }

    /// <summary>Writes the ring's header at addr (a fresh mapping).</summary>
    internal bool InitRing(GuestMemory mem, ulong addr)
    {
        Span<uint> h = [(uint)Id, NrEvents, 0, 0, AIO_RING_MAGIC, AIO_RING_COMPAT_FEATURES, 0, RingHeaderSize];
        return mem.Write(addr, System.Runtime.InteropServices.MemoryMarshal.AsBytes(h));
    }

    /// <summary>Where the ring is now (mremap may have moved it), or 0 once unmapped.</summary>
    public ulong RingAddress()
    {
        foreach (var v in MM.VmaSnapshot())
            if (v.ShareKey == this && v.Offset == 0) return v.Start;
        return 0;
    }

    /// <summary>Events completed but not yet consumed plus requests still running, against the ring's room
    /// (Linux keeps one slot empty). Caller holds the context's lock.</summary>
    bool Full(GuestMemory mem, ulong ring)
    {
        if (!mem.Read(ring + HeadOff, out uint head)) head = _tail;
        uint unread = (_tail + NrEvents - head % NrEvents) % NrEvents;
        return unread + (uint)_inflight >= NrEvents - 1;
    }

    /// <summary>Takes a slot for one request: false when the ring could not hold its completion (EAGAIN).</summary>
    public bool Reserve(GuestMemory mem, ulong ring)
    {
        lock (this)
        {
            if (Dead || Full(mem, ring)) return false;
            _inflight++;
            return true;
        }
    }

    /// <summary>Gives back a slot whose request failed before it started (no event).</summary>
    public void Unreserve()
    {
        lock (this) { _inflight--; Monitor.PulseAll(this); }
    }

    /// <summary>aio_complete: the event goes in at the tail, waiters wake, and the eventfd (IOCB_FLAG_RESFD) counts one.</summary>
    public void Complete(IoEvent ev, FileSystems.Anon.EventFd? resfd)
    {
        lock (this)
        {
            _inflight--;
            ulong ring = RingAddress();
            var mem = MM.Memory;
            if (ring != 0)
            {
                var bytes = new byte[IoEvent.Size];
                System.Runtime.InteropServices.MemoryMarshal.Write(bytes, in ev);
                mem.Write(ring + RingHeaderSize + (ulong)_tail * IoEvent.Size, bytes);
                _tail = (_tail + 1) % NrEvents;
                mem.Write(ring + TailOff, _tail);
            }
            Monitor.PulseAll(this);
        }
        resfd?.Signal(1);
    }

    /// <summary>aio_read_events_ring: copies up to nr events from head to the guest's array; the head moves.
    /// Caller holds the context's lock. Returns the count or a negative errno.</summary>
    long ReadRing(GuestMemory mem, ulong ring, ulong events, long nr)
    {
        if (!mem.Read(ring + HeadOff, out uint head)) return -(long)Errno.EFAULT;
        uint tail = _tail;
        if (head == tail) return 0;
        head %= NrEvents;
        long got = 0;
        while (got < nr && head != tail)
        {
            uint avail = (head <= tail ? tail : NrEvents) - head;
            avail = (uint)Math.Min(avail, nr - got);
            var buf = new byte[avail * IoEvent.Size];
            if (!mem.Read(ring + RingHeaderSize + (ulong)head * IoEvent.Size, buf)) return got > 0 ? got : -(long)Errno.EFAULT;
            if (!mem.Write(events + (ulong)got * IoEvent.Size, buf)) return got > 0 ? got : -(long)Errno.EFAULT;
            got += avail;
            head = (head + avail) % NrEvents;
        }
        mem.Write(ring + HeadOff, head);
        Monitor.PulseAll(this); // room for submitters
        return got;
    }

    /// <summary>read_events: at least minNr events (or the deadline, or a signal: EINTR with none read); a
    /// destroyed context ends the wait with EINVAL when nothing was read.</summary>
    public long GetEvents(Task t, ulong ring, long minNr, long nr, ulong events, long deadlineMs, bool poll)
    {
        long got = 0;
        lock (this)
        {
            while (true)
            {
                long r = Dead ? 0 : ReadRing(t.Mem, ring, events + (ulong)got * IoEvent.Size, nr - got);
                if (r > 0) got += r;
                if (Dead) r = -(long)Errno.EINVAL;
                if (got == 0 && r < 0) return r;
                if (r < 0 || got >= minNr || poll) return got;
                long left = deadlineMs == long.MaxValue ? Timeout.Infinite : deadlineMs - Environment.TickCount64;
                if (left is <= 0 and not Timeout.Infinite) return got;
                if (!t.Sleep(this, (int)Math.Min(left, int.MaxValue))) return got > 0 ? got : -(long)Errno.EINTR;
            }
        }
    }

    /// <summary>IOCB_CMD_POLL that was not ready at submit: waits on the file's queue.</summary>
    internal void AddPoll(AioPoll p) { lock (this) _polls.Add(p); }
    internal bool RemovePoll(AioPoll p) { lock (this) return _polls.Remove(p); }

    /// <summary>io_cancel: a waiting poll completes now (res 0) and the call says EINPROGRESS; anything else has
    /// completed already (EINVAL).</summary>
    public long Cancel(ulong iocb)
    {
        AioPoll? p;
        lock (this) p = _polls.Find(x => x.Obj == iocb);
        if (p == null || !p.Finish(0)) return -(long)Errno.EINVAL;
        return -(long)Errno.EINPROGRESS;
    }

    /// <summary>kill_ioctx: dead (waiters wake and see it), waiting polls cancelled, then running requests awaited.
    /// False if another io_destroy came first.</summary>
    public bool Kill(Task t)
    {
        List<AioPoll> polls;
        lock (this)
        {
            if (Dead) return false;
            Dead = true;
            polls = [.. _polls];
            Monitor.PulseAll(this);
        }
        foreach (var p in polls) p.Finish(0);
        // Another thread's read may block for long (a pipe): the wait ends with the caller's own end too.
        lock (this)
            while (_inflight > 0 && !t.Exited) Monitor.Wait(this, 100);
        return true;
    }
}

/// <summary>A waiting IOCB_CMD_POLL: told by the file's wait queue, it looks again off the notifier's thread (a
/// queue's notify must not do work) and completes with the ready events.</summary>
sealed class AioPoll(AioContext ctx, FileDescription file, short events, IoEvent ev, FileSystems.Anon.EventFd? resfd) : IWaiter
{
    public ulong Obj => ev.Obj;
    int _done;

    public void Start()
    {
        ctx.AddPoll(this);
        file.Waiters?.Add(this);
        Check(); // a change between the first look and joining the queue
    }

    public void Notify() => ThreadPool.UnsafeQueueUserWorkItem(_ => Check(), null);

    void Check()
    {
        if (Volatile.Read(ref _done) != 0) return;
        short ready = file.Readiness(events);
        // Linux completes a waiting poll with the waker's key, not filtered by the events asked for: a pipe's
        // reader is woken with POLLIN|POLLRDNORM, its writer with POLLOUT|POLLWRNORM.
        if ((ready & FileDescription.POLLIN) != 0) ready |= FileDescription.POLLRDNORM;
        if ((ready & FileDescription.POLLOUT) != 0) ready |= FileDescription.POLLWRNORM;
        if (ready != 0) Finish(ready);
    }

    /// <summary>Completes once (the first of readiness, cancel and destroy wins).</summary>
    public bool Finish(short ready)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0) return false;
        file.Waiters?.Remove(this);
        ctx.RemovePoll(this);
        var e = ev;
        e.Res = (ushort)ready;
        ctx.Complete(e, resfd);
        file.DecRef();
        resfd?.DecRef();
        return true;
    }
}

/// <summary>A process's contexts (Linux keeps them in the mm): found by the memory manager, so fork and exec start
/// with none and a CLONE_VM child shares them; aio-nr counts the requested events of every live context.</summary>
public sealed class AioTable
{
    /// <summary>fs.aio-max-nr's default.</summary>
    public const long AioMaxNr = 65536;
    static long s_aioNr;
    public static long AioNr => Interlocked.Read(ref s_aioNr);

    static readonly ConditionalWeakTable<MemoryManager, AioTable> Tables = new();
    readonly List<AioContext?> _slots = new();

    public static AioTable Of(MemoryManager mm) => Tables.GetValue(mm, _ => new AioTable());
    public static AioTable? Find(MemoryManager mm) => Tables.TryGetValue(mm, out var t) ? t : null;

    /// <summary>Counts maxReqs against aio-max-nr (false: EAGAIN).</summary>
    public static bool Charge(uint maxReqs)
    {
        while (true)
        {
            long cur = Interlocked.Read(ref s_aioNr);
            if (cur + maxReqs > AioMaxNr) return false;
            if (Interlocked.CompareExchange(ref s_aioNr, cur + maxReqs, cur) == cur) return true;
        }
    }

    public static void Uncharge(uint maxReqs) => Interlocked.Add(ref s_aioNr, -maxReqs);

    /// <summary>ioctx_add_table: the first free slot; the slot number is the ring's id.</summary>
    public void Add(AioContext ctx)
    {
        lock (_slots)
        {
            int i = _slots.IndexOf(null);
            if (i < 0) { i = _slots.Count; _slots.Add(null); }
            _slots[i] = ctx;
            ctx.Id = i;
        }
    }

    public AioContext? At(uint id)
    {
        lock (_slots) return id < _slots.Count ? _slots[(int)id] : null;
    }

    public void Remove(AioContext ctx)
    {
        lock (_slots) if (ctx.Id < _slots.Count && _slots[ctx.Id] == ctx) _slots[ctx.Id] = null;
    }

    // The memory manager is gone (exit, exec): its contexts no longer count against aio-max-nr.
    ~AioTable()
    {
        foreach (var c in _slots) if (c != null && !c.Dead) Uncharge(c.MaxReqs);
    }
}
