using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>Data syscalls on open files: read, write and their positional and vector forms, lseek, ioctl.</summary>
static class FileSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.read] = (k, fd, buf, n, _, _, _) => Read(k, (int)fd, buf, n, -1, false);
        t[Nr.write] = (k, fd, buf, n, _, _, _) => Write(k, (int)fd, buf, n, -1, false);
        t[Nr.pread64] = (k, fd, buf, n, off, _, _) => Read(k, (int)fd, buf, n, (long)off, true);
        t[Nr.pwrite64] = (k, fd, buf, n, off, _, _) => Write(k, (int)fd, buf, n, (long)off, true);
        t[Nr.readv] = (k, fd, iov, cnt, _, _, _) => Vector(k, (int)fd, iov, cnt, -1, false, false);
        t[Nr.writev] = (k, fd, iov, cnt, _, _, _) => Vector(k, (int)fd, iov, cnt, -1, false, true);
        t[Nr.preadv] = (k, fd, iov, cnt, off, _, _) => Vector(k, (int)fd, iov, cnt, (long)off, true, false);
        t[Nr.pwritev] = (k, fd, iov, cnt, off, _, _) => Vector(k, (int)fd, iov, cnt, (long)off, true, true);
        t[Nr.preadv2] = (k, fd, iov, cnt, off, _, _) => Vector(k, (int)fd, iov, cnt, (long)off, (long)off != -1, false);
        t[Nr.pwritev2] = (k, fd, iov, cnt, off, _, _) => Vector(k, (int)fd, iov, cnt, (long)off, (long)off != -1, true);
        t[Nr.lseek] = (k, fd, off, whence, _, _, _) => Lseek(k, (int)fd, (long)off, (int)whence);
        t[Nr.ioctl] = (k, fd, cmd, arg, _, _, _) => Ioctl(k, (int)fd, (uint)cmd, arg);
        t[Nr.fadvise64] = (k, fd, _, len, advice, _, _) => Fadvise(k, (int)fd, (long)len, (int)advice);
        t[Nr.fsync] = (k, fd, _, _, _, _, _) => k.Fds.IsOpen((int)fd) ? 0 : Err(Errno.EBADF);
        t[Nr.fdatasync] = (k, fd, _, _, _, _, _) => k.Fds.IsOpen((int)fd) ? 0 : Err(Errno.EBADF);
    }

    static long Read(Task t, int fd, ulong buf, ulong count, long offset, bool positional)
    {
        if (positional && offset < 0) return Err(Errno.EINVAL);
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        var e = CheckRw(f, offset, count, positional, write: false);
        if (e != Errno.None) return Err(e);
        if (f is Net.Socket s) return t.Io.Count(SocketSyscalls.Transfer(t, s, GuestIO.OneIov(buf, count), write: false), write: false);
        return t.Io.Count(Notify(f!, GuestIO.ReadInto(t, f!, buf, count, positional ? offset : -1), write: false), write: false);
    }

    static long Write(Task t, int fd, ulong buf, ulong count, long offset, bool positional)
    {
        if (positional && offset < 0) return Err(Errno.EINVAL);
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        var e = CheckRw(f, offset, count, positional, write: true);
        if (e != Errno.None) return Err(e);
        if (f is Net.Socket s) return t.Io.Count(SocketSyscalls.Transfer(t, s, GuestIO.OneIov(buf, count), write: true), write: true);
        return t.Io.Count(Notify(f!, GuestIO.WriteFrom(t, f!, buf, count, positional ? offset : -1), write: true), write: true);
    }

    static long Vector(Task t, int fd, ulong iovAddr, ulong cnt, long offset, bool positional, bool write)
    {
        if (positional && offset < 0) return Err(Errno.EINVAL);
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        // The file first, then the vector (do_readv: fdget, then import_iovec), then the range it covers.
        var e = CheckRw(f, offset, 0, positional, write);
        if (e != Errno.None) return Err(e);
        e = t.Mem.ReadIovecs(iovAddr, cnt, out var iovs);
        if (e == Errno.None) e = CheckRange(offset, IoVec.Total(iovs), positional);
        if (e != Errno.None) return Err(e);
        if (f is Net.Socket s) return t.Io.Count(SocketSyscalls.Transfer(t, s, iovs, write), write); // one message across the iovecs
        return t.Io.Count(VectorFile(t, f!, iovs, offset, positional, write), write);
    }

    /// <summary>What Linux checks of a read or write before anything moves, in its order (the caller has refused a
    /// negative offset before looking up the fd): the fd (an O_PATH fd is none), a position on a file without
    /// positions (ESPIPE), the access mode, a directory read, then the range (rw_verify_area).</summary>
    static Errno CheckRw(FileDescription? f, long offset, ulong count, bool positional, bool write)
    {
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Errno.EBADF;
        if (positional && (!f.Seekable || (write && !f.PositionalWrites))) return Errno.ESPIPE;
        if (!(write ? OpenFlags.CanWrite(f.Flags) : OpenFlags.CanRead(f.Flags))) return Errno.EBADF;
        if (!write && f.Directory != null) return Errno.EISDIR;
        return CheckRange(offset, count, positional);
    }

    /// <summary>rw_verify_area: a count that is negative as a signed size, or a range whose end is past the largest
    /// offset, is EINVAL.</summary>
    static Errno CheckRange(long offset, ulong count, bool positional) =>
        (long)count < 0 || (positional && offset > long.MaxValue - (long)count) ? Errno.EINVAL : Errno.None;

    static long VectorFile(Task t, FileDescription f, IoVec[] iovs, long offset, bool positional, bool write)
    {
        if (!write && !f.Seekable && GuestIO.ReadFaults(t, f, iovs)) return Err(Errno.EFAULT);
        long total = 0;
        foreach (var v in iovs)
        {
            if (v.Len == 0) continue;
            long at = positional ? offset + total : -1;
            long n = write
                ? GuestIO.WriteFrom(t, f, (ulong)v.Base, v.Len, at, laterIov: total > 0)
                : GuestIO.ReadInto(t, f, (ulong)v.Base, v.Len, at);
            if (n < 0) return Notify(f, total > 0 ? total : n, write);
            total += n;
            if ((ulong)n < v.Len) break;
        }
        return Notify(f, total, write);
    }

    /// <summary>fadvise64 (generic_fadvise): an O_PATH fd is no fd, a pipe ESPIPE, a negative length or unknown advice
    /// EINVAL; the advice itself changes nothing here (no page cache to prime or drop).</summary>
    static long Fadvise(Task t, int fd, long len, int advice)
    {
        const int POSIX_FADV_NOREUSE = 5;
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err(Errno.EBADF);
        if (f is FileSystems.Pipe.PipeEnd || (f.Inode != null && (f.Inode.Mode & InodeMode.S_IFMT) == InodeMode.S_IFIFO)) return Err(Errno.ESPIPE);
        if (len < 0 || advice is < 0 or > POSIX_FADV_NOREUSE) return Err(Errno.EINVAL);
        return 0;
    }

    /// <summary>inotify's IN_ACCESS or IN_MODIFY for a read or write that moved bytes; the count unchanged.</summary>
    public static long Notify(FileDescription f, long n, bool write)
    {
        if (n > 0) Fsnotify.OnFile(f.Path, write ? InotifyMask.IN_MODIFY : InotifyMask.IN_ACCESS);
        return n;
    }

    static long Lseek(Task t, int fd, long off, int whence)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err(Errno.EBADF);
        if (f.Directory != null)
        {
            // Directory offsets index the getdents snapshot.
            if (whence == 0 && off >= 0) { f.Offset = off; if (off == 0) f.Directory.Entries = null; return off; }
            if (whence == 1 && f.Offset + off >= 0) { f.Offset += off; return f.Offset; }
            // proc and sysfs directories seek from their size, 0 (generic_file_llseek); others refuse SEEK_END.
            if (whence == 2 && off >= 0 && f.Path.IsValid && f.Path.Mount.FsType is "proc" or "sysfs") { f.Offset = off; return off; }
            return Err(Errno.EINVAL);
        }
        // A /proc file outside /proc/sys is a seq_file: only SEEK_SET and SEEK_CUR (seq_lseek).
        if (whence >= 2 && f.Path.IsValid && f.Path.Mount.FsType == "proc" && !MountNamespace.PathOf(f.Path, new VfsPath(f.Path.Mount, f.Path.Mount.Root)).StartsWith("/sys/"))
            return Err(Errno.EINVAL);
        return f.Seek(off, whence);
    }

    const uint FIONBIO = 0x5421, FIOCLEX = 0x5451, FIONCLEX = 0x5450, FIOASYNC = 0x5452;
    // sock_ioctl's owner requests, answered for every socket before its family's ioctls.
    const uint FIOSETOWN = 0x8901, SIOCSPGRP = 0x8902, FIOGETOWN = 0x8903, SIOCGPGRP = 0x8904;

    static long Ioctl(Task t, int fd, uint cmd, ulong arg)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err(Errno.EBADF);
        var e = Kernel.Landlock.LandlockChecks.Ioctl(f, cmd);
        if (e != Errno.None) return Err(e);
        switch (cmd)
        {
            case FIOCLEX: t.Fds.SetCloexec(fd, true); return 0;
            case FIONCLEX: t.Fds.SetCloexec(fd, false); return 0;
            case FIONBIO:
                if (!t.Mem.Read(arg, out int on)) return Err(Errno.EFAULT);
                f.Flags = on != 0 ? f.Flags | OpenFlags.O_NONBLOCK : f.Flags & ~OpenFlags.O_NONBLOCK;
                return 0;
            case FIOASYNC:
                if (!t.Mem.Read(arg, out int async)) return Err(Errno.EFAULT);
                FileAsync.SetFlag(t, f, fd, async != 0);
                return 0;
            case FIOSETOWN or SIOCSPGRP when f is Net.Socket:
                // f_setown: a negative id is a process group, as fcntl's F_SETOWN
                if (!t.Mem.Read(arg, out int owner)) return Err(Errno.EFAULT);
                return FdSyscalls.Fcntl(t, fd, FdSyscalls.F_SETOWN, (ulong)(long)owner);
            case FIOGETOWN or SIOCGPGRP when f is Net.Socket:
                return t.Mem.Write(arg, (int)FdSyscalls.Fcntl(t, fd, FdSyscalls.F_GETOWN, 0)) ? 0 : Err(Errno.EFAULT);
            default:
                return f.Ioctl(t, cmd, arg);
        }
    }
}
