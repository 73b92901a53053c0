using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>Copies between files inside the Sentry: sendfile, copy_file_range, splice, tee, vmsplice, plus the sync
/// family.</summary>
static class TransferSyscalls
{
    const int Chunk = 1 << 16;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.sendfile] = (k, outFd, inFd, off, count, _, _) => Sendfile(k, (int)outFd, (int)inFd, off, (long)count);
        t[Nr.copy_file_range] = (k, inFd, inOff, outFd, outOff, len, flags) =>
            CopyFileRange(k, (int)inFd, inOff, (int)outFd, outOff, (long)len, (uint)flags);
        t[Nr.splice] = (k, inFd, inOff, outFd, outOff, len, flags) =>
            Splice(k, (int)inFd, inOff, (int)outFd, outOff, (long)Math.Min(len, long.MaxValue), (uint)flags);
        t[Nr.tee] = (k, inFd, outFd, len, flags, _, _) => Tee(k, (int)inFd, (int)outFd, len, (uint)flags);
        t[Nr.vmsplice] = (k, fd, iov, nrSegs, flags, _, _) => Vmsplice(k, (int)fd, iov, nrSegs, (uint)flags);
        t[Nr.sync] = (k, _, _, _, _, _, _) => 0;
        // Nothing here waits on a disk: the sync calls check what Linux checks and return.
        t[Nr.syncfs] = (k, fd, _, _, _, _, _) => { using var f = k.Fds.Borrow((int)fd); return IsFd(f.File) ? 0 : Err(Errno.EBADF); };
        t[Nr.sync_file_range] = (k, fd, off, n, flags, _, _) => SyncFileRange(k, (int)fd, (long)off, (long)n, (uint)flags);
        t[Nr.readahead] = (k, fd, _, _, _, _, _) => Readahead(k, (int)fd);
    }

    /// <summary>An fd that fdget finds: open, and not O_PATH.</summary>
    static bool IsFd(FileDescription? f) => f != null && (f.Flags & OpenFlags.O_PATH) == 0;

    /// <summary>sync_file_range(2)'s checks, in Linux's order: the fd, the flags, the range (no negative start or
    /// end, no overflow), then a file with pages (ESPIPE for a pipe or socket).</summary>
    static long SyncFileRange(Task t, int fd, long off, long n, uint flags)
    {
        const uint ValidFlags = 7; // WAIT_BEFORE | WRITE | WAIT_AFTER
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (!IsFd(f)) return Err(Errno.EBADF);
        long end = unchecked(off + n);
        if ((flags & ~ValidFlags) != 0 || off < 0 || end < 0 || end < off) return Err(Errno.EINVAL);
        uint type = f!.Inode?.Mode & InodeMode.S_IFMT ?? 0;
        return type is InodeMode.S_IFREG or InodeMode.S_IFBLK or InodeMode.S_IFDIR or InodeMode.S_IFLNK ? 0 : Err(Errno.ESPIPE);
    }

    /// <summary>readahead(2): a readable fd of a regular file (there is no page cache to fill).</summary>
    static long Readahead(Task t, int fd)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (!IsFd(f) || !OpenFlags.CanRead(f!.Flags)) return Err(Errno.EBADF);
        return f.Inode is { } i && (InodeMode.IsReg(i.Mode) || (i.Mode & InodeMode.S_IFMT) == InodeMode.S_IFBLK) ? 0 : Err(Errno.EINVAL);
    }

    /// <summary>Moves up to count bytes; inOff/outOff null means "the description's offset".</summary>
    static long Copy(Task t, FileDescription src, long? inOff, FileDescription dst, long? outOff, long count, out long inEnd, out long outEnd)
    {
        inEnd = inOff ?? 0;
        outEnd = outOff ?? 0;
        count = Math.Min(count, GuestIO.MaxRw);
        // A regular file's short read is only where its end was then: the loop reads on (a file copied onto its own
        // end keeps growing, as with Linux's splice_direct_to_actor); another source's short read is all it has now.
        bool regular = src.Inode is { } si && InodeMode.IsReg(si.Mode);
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            long done = 0;
            while (done < count)
            {
                long allowed = GuestIO.LimitFileWrite(t, dst, outOff != null ? outEnd : -1, Math.Min(Chunk, count - done));
                if (allowed <= 0) return done > 0 ? done : allowed;
                var span = buf.AsSpan(0, (int)allowed);
                long n = inOff != null ? src.ReadAt(t, span, inEnd) : src.Read(t, span);
                if (n < 0) return done > 0 ? done : n;
                if (n == 0) break;
                if (inOff != null) inEnd += n;
                long w = outOff != null ? dst.WriteAt(t, span[..(int)n], outEnd) : dst.Write(t, span[..(int)n]);
                if (w < 0) return done > 0 ? done : w;
                if (outOff != null) outEnd += w;
                done += w;
                if (w < n || (n < span.Length && !regular)) break;
                // Between chunks a signal (SIGKILL above all) ends the copy with what was moved, as Linux's splice loop.
                if (t.Exited || t.SignalPending) break;
            }
            return done;
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buf); }
    }

    static long Sendfile(Task t, int outFd, int inFd, ulong offAddr, long count)
    {
        using var dstRef = t.Fds.Borrow(outFd); var dst = dstRef.File;
        using var srcRef = t.Fds.Borrow(inFd); var src = srcRef.File;
        if (dst == null || src == null || !OpenFlags.CanRead(src.Flags) || !OpenFlags.CanWrite(dst.Flags)) return Err(Errno.EBADF);
        if (src.Directory != null || !src.Seekable) return Err(Errno.EINVAL);
        if ((dst.Flags & OpenFlags.O_APPEND) != 0) return Err(Errno.EINVAL);
        if (count < 0) return Err(Errno.EINVAL);
        long? off = null;
        if (offAddr != 0)
        {
            if (!t.Mem.Read(offAddr, out long o)) return Err(Errno.EFAULT);
            if (o < 0 || o > long.MaxValue - Math.Min(count, GuestIO.MaxRw)) return Err(Errno.EINVAL); // rw_verify_area
            off = o;
        }
        long r = Copy(t, src, off, dst, null, count, out var inEnd, out _);
        if (off != null && r >= 0 && !t.Mem.Write(offAddr, inEnd)) return Err(Errno.EFAULT);
        return Notified(src, dst, r);
    }

    /// <summary>inotify's IN_ACCESS on the source and IN_MODIFY on the destination for bytes moved between two
    /// files (sendfile, splice, copy_file_range); the count unchanged.</summary>
    static long Notified(FileDescription src, FileDescription dst, long n)
    {
        FileSyscalls.Notify(src, n, write: false);
        return FileSyscalls.Notify(dst, n, write: true);
    }

    const uint SPLICE_F_NONBLOCK = 2, SpliceFlags = 0xf; // MOVE, NONBLOCK, MORE, GIFT

    /// <summary>splice(2): one side is a pipe. At most one pipe's worth moves per call, through a Sentry buffer
    /// (no page moving); a pipe side blocks as a read or write of it would, unless SPLICE_F_NONBLOCK.</summary>
    static long Splice(Task t, int inFd, ulong inOffAddr, int outFd, ulong outOffAddr, long len, uint flags)
    {
        if ((flags & ~SpliceFlags) != 0) return Err(Errno.EINVAL);
        using var srcRef = t.Fds.Borrow(inFd);
        using var dstRef = t.Fds.Borrow(outFd);
        var src = srcRef.File;
        var dst = dstRef.File;
        if (src == null || dst == null || !OpenFlags.CanRead(src.Flags) || !OpenFlags.CanWrite(dst.Flags)) return Err(Errno.EBADF);
        var inPipe = src as FileSystems.Pipe.PipeEnd;
        var outPipe = dst as FileSystems.Pipe.PipeEnd;
        if (inPipe == null && outPipe == null) return Err(Errno.EINVAL);
        if (inPipe != null && outPipe != null && inPipe.Pipe == outPipe.Pipe) return Err(Errno.EINVAL);
        if ((dst.Flags & OpenFlags.O_APPEND) != 0) return Err(Errno.EINVAL);
        long? inOff = null, outOff = null;
        if (inOffAddr != 0)
        {
            if (inPipe != null || !src.Seekable) return Err(Errno.ESPIPE);
            if (!t.Mem.Read(inOffAddr, out long o)) return Err(Errno.EFAULT);
            if (o < 0 || o > long.MaxValue - Math.Min(len, GuestIO.MaxRw)) return Err(Errno.EINVAL); // rw_verify_area
            inOff = o;
        }
        if (outOffAddr != 0)
        {
            if (outPipe != null || !dst.Seekable) return Err(Errno.ESPIPE);
            if (!t.Mem.Read(outOffAddr, out long o)) return Err(Errno.EFAULT);
            if (o < 0 || o > long.MaxValue - Math.Min(len, GuestIO.MaxRw)) return Err(Errno.EINVAL);
            outOff = o;
        }
        if (len == 0) return 0;
        bool nonblock = (flags & SPLICE_F_NONBLOCK) != 0;
        int max = (int)Math.Min(len, Chunk);
        if (outPipe != null)
        {
            // Into a pipe: no more than its free page slots take, waited for before the source is read.
            long room = outPipe.Pipe.WaitSpliceRoom(t, nonblock || (dst.Flags & OpenFlags.O_NONBLOCK) != 0);
            if (room < 0) return room;
            max = (int)Math.Min(max, room);
        }
        if (outPipe == null)
        {
            // A file's size limit is checked before anything is taken from the pipe, so EFBIG loses nothing.
            long allowed = GuestIO.LimitFileWrite(t, dst, outOff ?? -1, max);
            if (allowed < 0) return allowed;
            max = (int)allowed;
        }
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var span = buf.AsSpan(0, max);
            long n = inPipe != null ? inPipe.Pipe.Read(t, span, nonblock || (src.Flags & OpenFlags.O_NONBLOCK) != 0)
                : inOff != null ? src.ReadAt(t, span, inOff.Value) : src.Read(t, span);
            if (n <= 0) return n;
            long w = outPipe != null ? outPipe.Pipe.Write(t, span[..(int)n], (dst.Flags & OpenFlags.O_NONBLOCK) != 0)
                : outOff != null ? dst.WriteAt(t, span[..(int)n], outOff.Value) : dst.Write(t, span[..(int)n]);
            if (w < 0) return w;
            if (inOff != null && !t.Mem.Write(inOffAddr, inOff.Value + n)) return Err(Errno.EFAULT);
            if (outOff != null && !t.Mem.Write(outOffAddr, outOff.Value + w)) return Err(Errno.EFAULT);
            return Notified(src, dst, w);
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buf); }
    }

    const int Page = 4096;

    /// <summary>
    /// tee(2): copies what one pipe holds into another without taking it (Linux's link_pipe, here a copy). Both must
    /// be pipes, and different ones; it waits for data in the input (0 once it has no writers) and then for a free
    /// slot in the output, unless SPLICE_F_NONBLOCK or either file is O_NONBLOCK; no more than the output's free
    /// slots take moves.
    /// </summary>
    static long Tee(Task t, int inFd, int outFd, ulong len, uint flags)
    {
        if ((flags & ~SpliceFlags) != 0) return Err(Errno.EINVAL);
        if (len == 0) return 0;
        using var srcRef = t.Fds.Borrow(inFd);
        if (srcRef.File is not { } src) return Err(Errno.EBADF);
        using var dstRef = t.Fds.Borrow(outFd);
        if (dstRef.File is not { } dst) return Err(Errno.EBADF);
        if (!OpenFlags.CanRead(src.Flags) || !OpenFlags.CanWrite(dst.Flags)) return Err(Errno.EBADF);
        if (src is not FileSystems.Pipe.PipeEnd inPipe || dst is not FileSystems.Pipe.PipeEnd outPipe || inPipe.Pipe == outPipe.Pipe)
            return Err(Errno.EINVAL);
        bool nonblock = (flags & SPLICE_F_NONBLOCK) != 0 || ((src.Flags | dst.Flags) & OpenFlags.O_NONBLOCK) != 0;
        long r = inPipe.Pipe.WaitReadable(t, nonblock);
        if (r <= 0) return r;
        long slots = outPipe.Pipe.WaitSlots(t, nonblock);
        if (slots < 0) return slots;
        int max = (int)Math.Min(Math.Min(len, (ulong)(slots * Page)), (ulong)inPipe.Pipe.Capacity);
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent(max);
        try
        {
            int n = inPipe.Pipe.Peek(buf.AsSpan(0, max));
            return n == 0 ? 0 : outPipe.Pipe.Write(t, buf.AsSpan(0, n), nonblock: true);
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>
    /// vmsplice(2): a file open for writing takes the guest's iovecs into its pipe (each page-bounded piece a slot,
    /// as many as are free; a piece that cannot be read ends it, EFAULT if it is the first); one open only for
    /// reading gives its pipe's bytes to the iovecs (no more than they can take: a bad buffer takes nothing from the
    /// pipe). Only SPLICE_F_NONBLOCK keeps it from waiting, as Linux's (the file's O_NONBLOCK does not).
    /// </summary>
    static long Vmsplice(Task t, int fd, ulong iovAddr, ulong nrSegs, uint flags)
    {
        if ((flags & ~SpliceFlags) != 0) return Err(Errno.EINVAL);
        using var fRef = t.Fds.Borrow(fd);
        if (fRef.File is not { } f) return Err(Errno.EBADF);
        bool toPipe = OpenFlags.CanWrite(f.Flags);
        if (!toPipe && !OpenFlags.CanRead(f.Flags)) return Err(Errno.EBADF);
        var e = t.Mem.ReadIovecs(iovAddr, nrSegs, out var iovs);
        if (e != Errno.None) return Err(e);
        ulong total = 0;
        foreach (var v in iovs) total += v.Len;
        if (total == 0) return 0;
        if (f is not FileSystems.Pipe.PipeEnd p) return Err(Errno.EBADF);
        bool nonblock = (flags & SPLICE_F_NONBLOCK) != 0;
        return toPipe ? VmspliceToPipe(t, p.Pipe, iovs, nonblock) : VmspliceToUser(t, p.Pipe, iovs, nonblock);
    }

    static long VmspliceToPipe(Task t, FileSystems.Pipe.PipeBuffer pipe, IoVec[] iovs, bool nonblock)
    {
        long slots = pipe.WaitSlots(t, nonblock);
        if (slots < 0) return slots;
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent((int)slots * Page);
        try
        {
            int filled = 0, used = 0;
            foreach (var v in iovs)
            {
                ulong addr = (ulong)v.Base, left = v.Len;
                while (left > 0 && used < slots)
                {
                    int piece = (int)Math.Min(left, Page - addr % Page);
                    if (t.Mem.ReadPartial(addr, buf.AsSpan(filled, piece)) < piece) goto done;
                    filled += piece;
                    used++;
                    addr += (ulong)piece;
                    left -= (ulong)piece;
                }
                if (used == slots) break;
            }
        done:
            if (filled == 0) return Err(Errno.EFAULT);
            return pipe.Write(t, buf.AsSpan(0, filled), nonblock: true);
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buf); }
    }

    static long VmspliceToUser(Task t, FileSystems.Pipe.PipeBuffer pipe, IoVec[] iovs, bool nonblock)
    {
        long r = pipe.WaitReadable(t, nonblock);
        if (r <= 0) return r;
        ulong room = GuestIO.AccessiblePrefix(t, iovs, forWrite: true, out ulong total);
        if (room == 0) return Err(Errno.EFAULT);
        int max = (int)Math.Min(Math.Min(room, total), (ulong)pipe.Capacity);
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent(max);
        try
        {
            long n = pipe.Read(t, buf.AsSpan(0, max), nonblock: true);
            if (n <= 0) return n;
            int done = 0;
            foreach (var v in iovs)
            {
                if (done == n) break;
                int part = (int)Math.Min(v.Len, (ulong)(n - done));
                if (!t.Mem.Write((ulong)v.Base, buf.AsSpan(done, part))) break; // the prefix was checked writable
                done += part;
            }
            return n;
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buf); }
    }

    static long CopyFileRange(Task t, int inFd, ulong inOffAddr, int outFd, ulong outOffAddr, long len, uint flags)
    {
        if (flags != 0) return Err(Errno.EINVAL);
        using var srcRef = t.Fds.Borrow(inFd); var src = srcRef.File;
        using var dstRef = t.Fds.Borrow(outFd); var dst = dstRef.File;
        if (src == null || dst == null || !OpenFlags.CanRead(src.Flags) || !OpenFlags.CanWrite(dst.Flags)) return Err(Errno.EBADF);
        if ((dst.Flags & OpenFlags.O_APPEND) != 0) return Err(Errno.EBADF);
        if (src.Inode == null || dst.Inode == null) return Err(Errno.EINVAL);
        if (src.Inode.IsDir || dst.Inode.IsDir) return Err(Errno.EISDIR);
        if (!InodeMode.IsReg(src.Inode.Mode) || !InodeMode.IsReg(dst.Inode.Mode)) return Err(Errno.EINVAL);
        if (len < 0) return Err(Errno.EINVAL);
        long? inOff = null, outOff = null;
        if (inOffAddr != 0)
        {
            if (!t.Mem.Read(inOffAddr, out long o)) return Err(Errno.EFAULT);
            if (o < 0) return Err(Errno.EINVAL);
            inOff = o;
        }
        if (outOffAddr != 0)
        {
            if (!t.Mem.Read(outOffAddr, out long o)) return Err(Errno.EFAULT);
            if (o < 0) return Err(Errno.EINVAL);
            outOff = o;
        }
        // The same file with overlapping ranges is EINVAL.
        if (src.Inode == dst.Inode)
        {
            long a = inOff ?? src.Offset, b = outOff ?? dst.Offset;
            if (a < b + len && b < a + len) return Err(Errno.EINVAL);
        }
        long r = Copy(t, src, inOff, dst, outOff, len, out var inEnd, out var outEnd);
        if (r > 0)
        {
            if (inOff != null && !t.Mem.Write(inOffAddr, inEnd)) return Err(Errno.EFAULT);
            if (outOff != null && !t.Mem.Write(outOffAddr, outEnd)) return Err(Errno.EFAULT);
        }
        return Notified(src, dst, r);
    }
}
