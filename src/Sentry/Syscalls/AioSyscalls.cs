using System.Runtime.InteropServices;
using AppKernel.Sentry.FileSystems.Anon;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Kernel.Aio;
using AppKernel.Sentry.Memory;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// Linux AIO (io_setup, io_submit, io_getevents, io_pgetevents, io_cancel, io_destroy) with Linux's checks in
/// Linux's order. Reads, writes and syncs run at submit, in the submitter, and queue their completion; a poll that
/// is not ready waits on its file's queue and completes later. A context is found through its ring: the id word
/// at the given address names the slot, and the address must still be the start of that context's ring mapping.
/// </summary>
static class AioSyscalls
{
    const ushort IOCB_CMD_PREAD = 0, IOCB_CMD_PWRITE = 1, IOCB_CMD_FSYNC = 2, IOCB_CMD_FDSYNC = 3, IOCB_CMD_POLL = 5,
        IOCB_CMD_PREADV = 7, IOCB_CMD_PWRITEV = 8;
    const uint IOCB_FLAG_RESFD = 1, IOCB_FLAG_IOPRIO = 2;
    /// <summary>What io_submit writes in each iocb's aio_key (io_cancel checks it).</summary>
    const uint KIOCB_KEY = 0;
    const int IocbSize = 64;
    const short POLLERR = FileDescription.POLLERR, POLLHUP = FileDescription.POLLHUP;

    /// <summary>struct iocb (64 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    struct Iocb
    {
        public ulong Data;
        public uint Key, RwFlags;
        public ushort Opcode;
        public short ReqPrio;
        public uint Fildes;
        public ulong Buf, Nbytes;
        public long Offset;
        public ulong Reserved2;
        public uint Flags, ResFd;
    }

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.io_setup] = (k, nr, ctxp, _, _, _, _) => Setup(k, (uint)nr, ctxp);
        t[Nr.io_destroy] = (k, ctx, _, _, _, _, _) => Destroy(k, ctx);
        t[Nr.io_submit] = (k, ctx, nr, iocbpp, _, _, _) => Submit(k, ctx, (long)nr, iocbpp);
        t[Nr.io_cancel] = (k, ctx, iocb, _, _, _, _) => Cancel(k, ctx, iocb);
        t[Nr.io_getevents] = (k, ctx, min, nr, ev, ts, _) => GetEvents(k, ctx, (long)min, (long)nr, ev, ts);
        t[Nr.io_pgetevents] = (k, ctx, min, nr, ev, ts, sig) => PGetEvents(k, ctx, (long)min, (long)nr, ev, ts, sig);
    }

    static long Setup(Task t, uint nrEvents, ulong ctxp)
    {
        if (!t.Mem.Read(ctxp, out ulong existing)) return Err(Errno.EFAULT);
        if (existing != 0 || nrEvents == 0) return Err(Errno.EINVAL);
        // ioctx_alloc: the ring is doubled (half may sit in per-CPU caches in Linux) and at least 4 per CPU.
        ulong ringEvents = Math.Max(nrEvents, 4 * (ulong)FileSystems.Proc.SystemInfo.Cpus) * 2;
        if (ringEvents > 0x10000000UL / IoEvent.Size) return Err(Errno.EINVAL);
        if (nrEvents > AioTable.AioMaxNr) return Err(Errno.EAGAIN);
        ulong size = (AioContext.RingHeaderSize + ringEvents * IoEvent.Size + MemoryManager.PageSize - 1) & ~(MemoryManager.PageSize - 1);
        uint entries = (uint)((size - AioContext.RingHeaderSize) / IoEvent.Size);
        var ctx = new AioContext(t.MM, nrEvents, entries, size);
        long addr;
        lock (t.MM)
        {
            t.MM.Space = t.Stub!;
            addr = t.MM.Mmap(0, size, MemoryManager.PROT_READ | MemoryManager.PROT_WRITE, MemoryManager.MAP_SHARED | MemoryManager.MAP_ANONYMOUS, null, 0);
            if (addr < 0) return Err(Errno.EAGAIN);
            var v = t.MM.Vmas.Find((ulong)addr)!;
            v.ShareKey = ctx; // also what finds the ring again after mremap
            v.DontExpand = true;
            v.Name = "/[aio] (deleted)";
        }
        if (!AioTable.Charge(nrEvents)) { Unmap(t, (ulong)addr, size); return Err(Errno.EAGAIN); }
        var table = AioTable.Of(t.MM);
        table.Add(ctx);
        if (!ctx.InitRing(t.Mem, (ulong)addr) || !t.Mem.Write(ctxp, (ulong)addr))
        {
            Kill(t, table, ctx, (ulong)addr);
            return Err(Errno.EFAULT);
        }
        return 0;
    }

    static void Unmap(Task t, ulong addr, ulong size)
    {
        lock (t.MM)
        {
            t.MM.Space = t.Stub!;
            t.MM.Munmap(addr, size);
        }
    }

    /// <summary>lookup_ioctx: the ring's id word names the slot, whose ring must start at ctxId.</summary>
    static AioContext? Lookup(Task t, ulong ctxId, out AioTable? table)
    {
        table = AioTable.Find(t.MM);
        if (table == null || !t.Mem.Read(ctxId, out uint id)) return null;
        var ctx = table.At(id);
        if (ctx == null || ctx.Dead) return null;
        lock (t.MM)
        {
            var v = t.MM.Vmas.Find(ctxId);
            if (v == null || v.ShareKey != ctx || v.Start != ctxId || v.Offset != 0) return null;
        }
        return ctx;
    }

    static long Kill(Task t, AioTable table, AioContext ctx, ulong ring)
    {
        if (!ctx.Kill(t)) return Err(Errno.EINVAL);
        table.Remove(ctx);
        AioTable.Uncharge(ctx.MaxReqs);
        Unmap(t, ring, ctx.RingSize);
        return 0;
    }

    static long Destroy(Task t, ulong ctxId)
    {
        var ctx = Lookup(t, ctxId, out var table);
        return ctx == null ? Err(Errno.EINVAL) : Kill(t, table!, ctx, ctxId);
    }

    static long Submit(Task t, ulong ctxId, long nr, ulong iocbpp)
    {
        if (nr < 0) return Err(Errno.EINVAL);
        var ctx = Lookup(t, ctxId, out _);
        if (ctx == null) return Err(Errno.EINVAL);
        if (nr > ctx.NrEvents) nr = ctx.NrEvents;
        long i = 0, ret = 0;
        for (; i < nr; i++)
        {
            if (!t.Mem.Read(iocbpp + (ulong)i * 8, out ulong user)) { ret = Err(Errno.EFAULT); break; }
            ret = SubmitOne(t, ctx, ctxId, user);
            if (ret != 0) break;
        }
        return i > 0 ? i : ret;
    }

    /// <summary>io_submit_one: 0 when queued (its event will come), else the error and no event.</summary>
    static long SubmitOne(Task t, AioContext ctx, ulong ring, ulong user)
    {
        Iocb cb = default;
        if (!t.Mem.Read(user, MemoryMarshal.AsBytes(new Span<Iocb>(ref cb)))) return Err(Errno.EFAULT);
        if (cb.Reserved2 != 0) return Err(Errno.EINVAL);
        if ((long)cb.Nbytes < 0) return Err(Errno.EINVAL);
        if (!ctx.Reserve(t.Mem, ring)) return Err(Errno.EAGAIN);
        using var fRef = t.Fds.Borrow((int)cb.Fildes);
        var f = fRef.File;
        EventFd? resfd = null;
        long r;
        if (f == null) r = Err(Errno.EBADF);
        else if ((cb.Flags & IOCB_FLAG_RESFD) != 0 && (r = EventFdOf(t, (int)cb.ResFd, out resfd)) < 0) { }
        else if (!t.Mem.Write(user + 8, KIOCB_KEY)) r = Err(Errno.EFAULT);
        else r = Start(t, ctx, f, cb, user, ref resfd);
        if (r < 0) ctx.Unreserve();
        resfd?.DecRef();
        return r;
    }

    static long EventFdOf(Task t, int fd, out EventFd? e)
    {
        e = null;
        using var r = t.Fds.Borrow(fd);
        if (r.File == null) return Err(Errno.EBADF);
        if (r.File is not EventFd ev) return Err(Errno.EINVAL);
        ev.IncRef();
        e = ev;
        return 0;
    }

    /// <summary>The operation: an error here fails the submit (no event); the I/O's own result is the event's res.
    /// resfd is taken over (set to null) by an operation that completes later.</summary>
    static long Start(Task t, AioContext ctx, FileDescription f, Iocb cb, ulong user, ref EventFd? resfd)
    {
        var ev = new IoEvent { Data = cb.Data, Obj = user };
        switch (cb.Opcode)
        {
            case IOCB_CMD_PREAD:
            case IOCB_CMD_PREADV:
            case IOCB_CMD_PWRITE:
            case IOCB_CMD_PWRITEV:
            {
                bool write = cb.Opcode is IOCB_CMD_PWRITE or IOCB_CMD_PWRITEV;
                if ((cb.Flags & IOCB_FLAG_IOPRIO) != 0 && (cb.ReqPrio >> 13) is < 0 or > 3) return Err(Errno.EINVAL);
                if (cb.RwFlags != 0) return Err(Errno.EOPNOTSUPP);
                if (!(write ? OpenFlags.CanWrite(f.Flags) : OpenFlags.CanRead(f.Flags))) return Err(Errno.EBADF);
                if (f.Directory != null) return Err(Errno.EINVAL);
                IoVec[] iovs;
                if (cb.Opcode is IOCB_CMD_PREADV or IOCB_CMD_PWRITEV)
                {
                    var e = t.Mem.ReadIovecs(cb.Buf, cb.Nbytes, out iovs);
                    if (e != Errno.None) return Err(e);
                    // import_iovec: every segment must lie in user space (access_ok).
                    foreach (var v in iovs)
                        if (!InUserSpace((ulong)v.Base, v.Len)) return Err(Errno.EFAULT);
                }
                else
                {
                    if (!InUserSpace(cb.Buf, cb.Nbytes)) return Err(Errno.EFAULT);
                    iovs = GuestIO.OneIov(cb.Buf, cb.Nbytes);
                }
                if (cb.Offset < 0) return Err(Errno.EINVAL);
                ev.Res = Transfer(t, f, iovs, f.Seekable ? cb.Offset : -1, write);
                ctx.Complete(ev, resfd);
                return 0;
            }
            case IOCB_CMD_FSYNC:
            case IOCB_CMD_FDSYNC:
                if (cb.Buf != 0 || cb.Offset != 0 || cb.Nbytes != 0 || cb.RwFlags != 0) return Err(Errno.EINVAL);
                if (!f.Seekable) return Err(Errno.EINVAL); // pipes, sockets, eventfds have no fsync
                ctx.Complete(ev, resfd); // the Sentry's files have nothing to flush: fsync(2) is 0 too
                return 0;
            case IOCB_CMD_POLL:
            {
                if ((ushort)cb.Buf != cb.Buf) return Err(Errno.EINVAL);
                if (cb.Offset != 0 || cb.Nbytes != 0 || cb.RwFlags != 0) return Err(Errno.EINVAL);
                short events = (short)((ushort)cb.Buf | (ushort)POLLERR | (ushort)POLLHUP);
                short ready = f.Readiness(events);
                if (ready != 0 || f.Waiters == null)
                {
                    ev.Res = (ushort)ready;
                    ctx.Complete(ev, resfd);
                    return 0;
                }
                f.IncRef();
                var p = new AioPoll(ctx, f, events, ev, resfd);
                resfd = null; // the poll holds it until it completes
                p.Start();
                return 0;
            }
            default:
                return Err(Errno.EINVAL);
        }
    }

    static bool InUserSpace(ulong addr, ulong len) => addr + len >= addr && addr + len <= MemoryManager.TaskSize;

    /// <summary>The read or write, as preadv/pwritev would do it (offset -1: a stream, which has no position).</summary>
    static long Transfer(Task t, FileDescription f, IoVec[] iovs, long offset, bool write)
    {
        if (f is Net.Socket s) return SocketSyscalls.Transfer(t, s, iovs, write);
        if (!write && !f.Seekable && GuestIO.ReadFaults(t, f, iovs)) return Err(Errno.EFAULT);
        long total = 0;
        foreach (var v in iovs)
        {
            if (v.Len == 0) continue;
            long at = offset >= 0 ? offset + total : -1;
            long n = write ? GuestIO.WriteFrom(t, f, (ulong)v.Base, v.Len, at) : GuestIO.ReadInto(t, f, (ulong)v.Base, v.Len, at);
            if (n < 0) return FileSyscalls.Notify(f, total > 0 ? total : n, write);
            total += n;
            if ((ulong)n < v.Len) break;
        }
        return FileSyscalls.Notify(f, total, write);
    }

    static long Cancel(Task t, ulong ctxId, ulong iocb)
    {
        if (!t.Mem.Read(iocb + 8, out uint key)) return Err(Errno.EFAULT);
        if (key != KIOCB_KEY) return Err(Errno.EINVAL);
        var ctx = Lookup(t, ctxId, out _);
        return ctx == null ? Err(Errno.EINVAL) : ctx.Cancel(iocb);
    }

    static long GetEvents(Task t, ulong ctxId, long minNr, long nr, ulong events, ulong tsAddr)
    {
        long deadline = long.MaxValue;
        bool poll = false;
        if (tsAddr != 0)
        {
            if (!t.Mem.Read(tsAddr, out Timespec ts)) return Err(Errno.EFAULT);
            poll = ts.Sec == 0 && ts.Nsec == 0;
            // A relative timeout; a partial millisecond still waits one (a negative one does not wait).
            long ms = ts.Sec < 0 || (ts.Sec == 0 && ts.Nsec < 0) ? 0
                : ts.Sec > int.MaxValue / 1000 ? int.MaxValue : ts.Sec * 1000 + (ts.Nsec + 999_999) / 1_000_000;
            deadline = Environment.TickCount64 + ms;
        }
        var ctx = Lookup(t, ctxId, out _);
        if (ctx == null || minNr > nr || minNr < 0) return Err(Errno.EINVAL);
        return ctx.GetEvents(t, ctxId, minNr, nr, events, deadline, poll);
    }

    /// <summary>io_pgetevents: the sixth argument points at { const sigset_t *sigmask; size_t sigsetsize; },
    /// in force while waiting as ppoll's.</summary>
    static long PGetEvents(Task t, ulong ctxId, long minNr, long nr, ulong events, ulong tsAddr, ulong sigArg)
    {
        ulong setAddr = 0, size = 8;
        if (sigArg != 0 && (!t.Mem.Read(sigArg, out setAddr) || !t.Mem.Read(sigArg + 8, out size))) return Err(Errno.EFAULT);
        return SelectSyscalls.WithSigmask(t, setAddr, size, () => GetEvents(t, ctxId, minNr, nr, events, tsAddr));
    }
}
