using System.Buffers;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// Moves data between files and guest buffers for read/write and their vector and positional forms.
/// A failed copy loses nothing: a read asks the file only for as many bytes as the guest buffer can take
/// (its writable prefix, from the VMAs), so a pipe keeps what a bad buffer could not receive, as Linux's does.
/// </summary>
static class GuestIO
{
    const int Chunk = 1 << 20;
    /// <summary>Linux's MAX_RW_COUNT: one read or write moves at most this much.</summary>
    public const long MaxRw = 0x7fff_f000;

    /// <summary>How much of [buf, buf+count) the guest can have written into (read) or read from (write).</summary>
    public static ulong Accessible(Task t, ulong buf, ulong count, bool forWrite)
    {
        lock (t.MM) return t.MM.Vmas.AccessiblePrefix(buf, count, forWrite ? Memory.Prot.Write : Memory.Prot.Read);
    }

    /// <summary>Reads up to count bytes from f into guest memory at buf. offset &lt; 0 uses (and advances) the file offset.</summary>
    public static long ReadInto(Task t, FileDescription f, ulong buf, ulong count, long offset)
    {
        if (count == 0) return f.ReadNothing(t);
        if ((long)count < 0) count = long.MaxValue;
        ulong room = Accessible(t, buf, count, forWrite: true);
        int record = f.ReadRecordSize;
        if (room < count && f.ReadFaultsWithRoom(room)) return SyscallTable.Err(Errno.EFAULT);
        if (room < count && count >= (ulong)record)
        {
            room -= room % (ulong)record;
            if (room == 0) return SyscallTable.Err(Errno.EFAULT);
            count = room;
        }
        if (f.TryReadIntoGuest(t, buf, Math.Min(count, (ulong)MaxRw), offset, out long direct)) return direct;
        var tmp = ArrayPool<byte>.Shared.Rent((int)Math.Min(count, Chunk));
        try
        {
            long total = 0;
            while ((ulong)total < count)
            {
                int want = (int)Math.Min(count - (ulong)total, (ulong)tmp.Length);
                long n = offset >= 0 ? f.ReadAt(t, tmp.AsSpan(0, want), offset + total) : f.Read(t, tmp.AsSpan(0, want));
                if (n < 0) return total > 0 ? total : n;
                if (n == 0) break;
                int copied = t.Mem.WritePartial(buf + (ulong)total, tmp.AsSpan(0, (int)n));
                total += copied;
                if (copied < n)
                {
                    // The guest buffer ended early: give back what did not fit, as the kernel's copy would.
                    if (offset < 0 && f.Seekable) f.Offset -= n - copied;
                    return total > 0 ? total : SyscallTable.Err(Errno.EFAULT);
                }
                if (n < want || !f.Seekable) break; // short read: stop, as the kernel would
            }
            return total;
        }
        finally { ArrayPool<byte>.Shared.Return(tmp); }
    }

    /// <summary>ReadInto's fault rule for a vector read: a file that copies whole or not at all (a pipe) faults
    /// when the iovecs' accessible prefix cannot take what it would give.</summary>
    public static bool ReadFaults(Task t, FileDescription f, IoVec[] iovs)
    {
        ulong room = AccessiblePrefix(t, iovs, forWrite: true, out ulong total);
        return room < total && f.ReadFaultsWithRoom(room);
    }

    /// <summary>How many bytes from the start of the iovecs the guest can have written into (read) or read from
    /// (write): the accessible part up to the first iovec that is cut short. total: the iovecs' whole length.</summary>
    public static ulong AccessiblePrefix(Task t, IoVec[] iovs, bool forWrite, out ulong total)
    {
        ulong prefix = 0;
        bool cut = false;
        total = 0;
        foreach (var v in iovs)
        {
            total += v.Len;
            if (cut) continue;
            ulong ok = Accessible(t, (ulong)v.Base, v.Len, forWrite);
            prefix += ok;
            if (ok < v.Len) cut = true;
        }
        return prefix;
    }

    /// <summary>One guest buffer as an iovec, at most MaxRw long (read, write, sendto, recvfrom on a socket).</summary>
    public static IoVec[] OneIov(ulong buf, ulong count) =>
        new[] { new IoVec { Base = (nint)buf, Len = (nuint)Math.Min(count, (ulong)MaxRw) } };

    /// <summary>
    /// RLIMIT_FSIZE for a write of count bytes to a regular file at offset (&lt; 0: the file's offset, or its end
    /// with O_APPEND), as Linux's generic_write_check_limits: at or past the limit SIGXFSZ and EFBIG, else the count
    /// cut to what fits. Other files are not limited.
    /// </summary>
    public static long LimitFileWrite(Task t, FileDescription f, long offset, long count, bool signal = true)
    {
        ulong limit = t.Limits.Values[RLimits.RLIMIT_FSIZE].Cur;
        if (limit == RLimits.Infinity || f.Inode == null || !InodeMode.IsReg(f.Inode.Mode)) return count;
        long pos = offset;
        if (pos < 0) pos = (f.Flags & OpenFlags.O_APPEND) != 0 && f.Stat(out var st) == Errno.None ? st.Size : f.Offset;
        if ((ulong)pos >= limit)
        {
            if (!signal) return 0; // a later iovec of a vector write: Linux checked the whole vector once
            return SyscallTable.Err(FileTooLarge(t));
        }
        return (long)Math.Min((ulong)count, limit - (ulong)pos);
    }

    /// <summary>RLIMIT_FSIZE for a file growing to newSize by truncate or fallocate (Linux's inode_newsize_ok): past the
    /// limit SIGXFSZ and EFBIG.</summary>
    public static Errno LimitNewSize(Task t, long oldSize, long newSize)
    {
        ulong limit = t.Limits.Values[RLimits.RLIMIT_FSIZE].Cur;
        return newSize > oldSize && limit != RLimits.Infinity && (ulong)newSize > limit ? FileTooLarge(t) : Errno.None;
    }

    /// <summary>SIGXFSZ to the caller (as from itself: SI_USER with its pid and uid, Linux's send_sig), and EFBIG.</summary>
    static Errno FileTooLarge(Task t)
    {
        t.SendSignal(Task.SIGXFSZ, Task.UserInfo(Task.SIGXFSZ, Task.SI_USER, t.Tgid, t.Creds.Uid), shared: false);
        return Errno.EFBIG;
    }

    /// <summary>laterIov: a write of a vector's later iovec, which the file size limit cuts to 0 without a signal.</summary>
    public static long WriteFrom(Task t, FileDescription f, ulong buf, ulong count, long offset, bool laterIov = false)
    {
        if (count == 0) return 0;
        if ((long)count < 0) count = long.MaxValue;
        long allowed = LimitFileWrite(t, f, offset, (long)Math.Min(count, (ulong)MaxRw), signal: !laterIov);
        if (allowed <= 0) return allowed;
        count = Math.Min(count, (ulong)allowed);
        if (f.DiscardsWrites) return (long)Math.Min(count, (ulong)MaxRw);
        ulong readable = Accessible(t, buf, count, forWrite: false);
        if (readable < count)
        {
            readable -= readable % (ulong)f.WriteUnit;
            if (readable == 0) return SyscallTable.Err(Errno.EFAULT);
            count = readable;
        }
        var tmp = ArrayPool<byte>.Shared.Rent((int)Math.Min(count, Chunk));
        try
        {
            long total = 0;
            while ((ulong)total < count)
            {
                int want = (int)Math.Min(count - (ulong)total, (ulong)tmp.Length);
                int got = t.Mem.ReadPartial(buf + (ulong)total, tmp.AsSpan(0, want));
                if (got == 0) return total > 0 ? total : SyscallTable.Err(Errno.EFAULT);
                long n = offset >= 0 ? f.WriteAt(t, tmp.AsSpan(0, got), offset + total) : f.Write(t, tmp.AsSpan(0, got));
                if (n < 0) return total > 0 ? total : n;
                total += n;
                if (n < got || got < want) break;
            }
            return total;
        }
        finally { ArrayPool<byte>.Shared.Return(tmp); }
    }

    /// <summary>
    /// Linux's copy_struct_from_user for the extensible structs (clone_args, open_how, sched_attr): the guest's
    /// struct of usize bytes into the Sentry's of kernel.Length. A shorter guest struct leaves the rest zero; a
    /// longer one must have only zeros past the Sentry's (E2BIG), checked first as Linux does; EFAULT if unreadable.
    /// The caller has bounded usize (at most a page).
    /// </summary>
    public static Errno CopyStructFromUser(Task t, ulong addr, ulong usize, Span<byte> kernel)
    {
        kernel.Clear();
        if (usize > (ulong)kernel.Length)
        {
            var rest = new byte[usize - (ulong)kernel.Length];
            if (!t.Mem.Read(addr + (ulong)kernel.Length, rest)) return Errno.EFAULT;
            if (rest.AsSpan().ContainsAnyExcept((byte)0)) return Errno.E2BIG;
        }
        return t.Mem.Read(addr, kernel[..(int)Math.Min(usize, (ulong)kernel.Length)]) ? Errno.None : Errno.EFAULT;
    }
}
