using System.Text;
using AppKernel.Sentry.FileSystems.Pipe;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>The fd table: close, dup*, fcntl, pipe2, getdents64 and the old getdents.</summary>
static class FdSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.close] = (k, fd, _, _, _, _, _) => Err(k.Fds.Close((int)fd));
        t[Nr.close_range] = (k, first, last, flags, _, _, _) => CloseRange(k, (uint)first, (uint)last, (uint)flags);
        t[Nr.dup] = (k, fd, _, _, _, _, _) => Dup(k, (int)fd, 0, false);
        t[Nr.dup2] = (k, fd, nfd, _, _, _, _) => (int)fd == (int)nfd ? (k.Fds.IsOpen((int)fd) ? (long)(int)fd : Err(Errno.EBADF)) : Dup3(k, (int)fd, (int)nfd, 0);
        t[Nr.dup3] = (k, fd, nfd, flags, _, _, _) => (int)fd == (int)nfd ? Err(Errno.EINVAL) : Dup3(k, (int)fd, (int)nfd, (int)flags);
        t[Nr.fcntl] = (k, fd, cmd, arg, _, _, _) => Fcntl(k, (int)fd, (int)cmd, arg);
        t[Nr.pipe] = (k, fds, _, _, _, _, _) => Pipe2(k, fds, 0);
        t[Nr.pipe2] = (k, fds, flags, _, _, _, _) => Pipe2(k, fds, (int)flags);
        t[Nr.flock] = (k, fd, op, _, _, _, _) => FlockCall(k, (int)fd, (int)op);
        t[Nr.eventfd] = (k, init, _, _, _, _, _) => EventFd(k, (uint)init, 0);
        t[Nr.eventfd2] = (k, init, flags, _, _, _, _) => EventFd(k, (uint)init, (int)flags);
        t[Nr.getdents64] = (k, fd, buf, count, _, _, _) => Getdents(k, (int)fd, buf, (uint)count, old: false);
        t[Nr.getdents] = (k, fd, buf, count, _, _, _) => Getdents(k, (int)fd, buf, (uint)count, old: true);
    }

    static long FlockCall(Task t, int fd, int op)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        return f is { Inode: not null } && (f.Flags & OpenFlags.O_PATH) == 0
            ? Err(FileLocks.Of(f.Inode).Flock(t, f, op)) : Err(Errno.EBADF);
    }

    static long Dup(Task t, int fd, int min, bool cloexec)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null) return Err(Errno.EBADF);
        f.IncRef();
        int r = t.Fds.Install(f, cloexec, min, t.Limits.NoFile);
        if (r < 0) f.DecRef();
        return r;
    }

    static long Dup3(Task t, int fd, int nfd, int flags)
    {
        if ((flags & ~OpenFlags.O_CLOEXEC) != 0) return Err(Errno.EINVAL);
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null) return Err(Errno.EBADF);
        if (nfd < 0 || nfd >= t.Limits.NoFile) return Err(Errno.EBADF);
        f.IncRef();
        t.Fds.InstallAt(nfd, f, (flags & OpenFlags.O_CLOEXEC) != 0);
        return nfd;
    }

    static long CloseRange(Task t, uint first, uint last, uint flags)
    {
        if (first > last || (flags & ~6u) != 0) return Err(Errno.EINVAL);
        foreach (var fd in t.Fds.OpenFds())
        {
            if ((uint)fd < first || (uint)fd > last) continue;
            if ((flags & 4) != 0) t.Fds.SetCloexec(fd, true); // CLOSE_RANGE_CLOEXEC
            else t.Fds.Close(fd);
        }
        return 0;
    }

    internal const int F_SETOWN = 8, F_GETOWN = 9;
    const int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7,
        F_SETSIG = 10, F_GETSIG = 11, F_SETOWN_EX = 15, F_GETOWN_EX = 16,
        F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38, F_NOTIFY = 1026, F_DUPFD_CLOEXEC = 1030, F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032, F_ADD_SEALS = 1033, F_GET_SEALS = 1034;

    /// <summary>fcntl(2); also a socket's FIOSETOWN/FIOGETOWN ioctls, which are F_SETOWN/F_GETOWN.</summary>
    internal static long Fcntl(Task t, int fd, int cmd, ulong arg)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null) return Err(Errno.EBADF);
        bool pathOnly = (f.Flags & OpenFlags.O_PATH) != 0;
        switch (cmd)
        {
            case F_DUPFD:
            case F_DUPFD_CLOEXEC:
                if ((long)arg < 0 || arg >= (ulong)t.Limits.NoFile) return Err(Errno.EINVAL);
                return Dup(t, fd, (int)arg, cmd == F_DUPFD_CLOEXEC);
            case F_GETFD: return t.Fds.GetCloexec(fd) ? 1 : 0;
            case F_SETFD: t.Fds.SetCloexec(fd, (arg & 1) != 0); return 0;
            case F_GETFL: return f.Flags & ~OpenFlags.O_NOCTTY; // open-time only (a file system may have kept it)
            case F_SETFL:
                if (pathOnly) return Err(Errno.EBADF);
                const int changeable = OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK | OpenFlags.O_DIRECT | OpenFlags.O_NOATIME;
                f.Flags = (f.Flags & ~changeable) | ((int)arg & changeable);
                FileAsync.SetFlag(t, f, fd, ((int)arg & OpenFlags.O_ASYNC) != 0);
                return 0;
            case F_GETLK: case F_SETLK: case F_SETLKW: case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
                if (pathOnly || f.Inode == null) return Err(Errno.EBADF);
                return RecordLock(t, f, cmd, arg);
            case F_GETOWN or F_SETOWN or F_GETOWN_EX or F_SETOWN_EX when pathOnly:
                return Err(Errno.EBADF); // an O_PATH file has no owner (Linux's fcntl refuses these on it)
            case F_GETOWN:
                return f.Async is { } owner ? (owner.OwnerType == FileAsync.F_OWNER_PGRP ? -t.PidNs.IdOf(owner.OwnerId) : t.PidNs.IdOf(owner.OwnerId)) : 0;
            case F_SETOWN:
                return (int)arg == int.MinValue ? Err(Errno.EINVAL)
                    : Err(SetOwner(t, f, (int)arg < 0 ? FileAsync.F_OWNER_PGRP : FileAsync.F_OWNER_PID, Math.Abs((int)arg)));
            case F_SETOWN_EX:
            {
                if (!t.Mem.Read(arg, out OwnerEx ex)) return Err(Errno.EFAULT);
                if (ex.Type is < FileAsync.F_OWNER_TID or > FileAsync.F_OWNER_PGRP) return Err(Errno.EINVAL);
                return Err(SetOwner(t, f, ex.Type, ex.Pid));
            }
            case F_GETOWN_EX:
            {
                var ex = new OwnerEx { Type = f.Async?.OwnerType ?? FileAsync.F_OWNER_TID, Pid = t.PidNs.IdOf(f.Async?.OwnerId ?? 0) };
                return t.Mem.Write(arg, ex) ? 0 : Err(Errno.EFAULT);
            }
            case F_GETSIG: return f.Async?.Signal ?? 0;
            case F_SETSIG:
                if (arg > SignalState.NSig) return Err(Errno.EINVAL);
                FileAsync.Of(f).Signal = (int)arg;
                return 0;
            case F_NOTIFY:
                if (pathOnly) return Err(Errno.EBADF);
                return Err(Dnotify.Set(t, f, fd, (uint)arg));
            case F_GETPIPE_SZ: return f is PipeEnd pe ? pe.Pipe.Capacity : Err(Errno.EINVAL);
            case F_SETPIPE_SZ: return f is PipeEnd pe2 ? pe2.Pipe.SetCapacity((long)arg) : Err(Errno.EINVAL);
            case F_GET_SEALS:
                return f.Inode is FileSystems.Tmpfs.TmpfsFile { Seals: { } seals } ? seals : Err(Errno.EINVAL);
            case F_ADD_SEALS:
                if (f.Inode is not FileSystems.Tmpfs.TmpfsFile { Seals: not null } sf) return Err(Errno.EINVAL);
                if (((uint)arg & ~0x1fu) != 0) return Err(Errno.EINVAL);
                if (!OpenFlags.CanWrite(f.Flags)) return Err(Errno.EPERM);
                return Err(sf.AddSeals((int)arg));
            default: return Err(Errno.EINVAL);
        }
    }

    /// <summary>struct f_owner_ex.</summary>
    struct OwnerEx { public int Type; public int Pid; }

    /// <summary>F_SETOWN/F_SETOWN_EX: the owner must exist (ESRCH), 0 clears it; the setter's ids are kept for
    /// the check when a signal is sent.</summary>
    static Errno SetOwner(Task t, FileDescription f, int type, int id)
    {
        if (id != 0)
        {
            // The owner is kept by its global number, so F_GETOWN gives it as the asker's namespace sees it.
            id = t.PidNs.GlobalOf(id);
            int g = id;
            bool exists = g != 0 && (type == FileAsync.F_OWNER_PGRP
                ? t.Kernel.Tasks().Exists(p => !p.Zombie && p.Pgid == g)
                : t.Kernel.FindTask(g) != null);
            if (!exists) return Errno.ESRCH;
        }
        FileAsync.Of(f).SetOwner(type, id, t);
        return Errno.None;
    }

    /// <summary>sizeof the fixed head of struct linux_dirent64: where d_name starts.</summary>
    static readonly int DirentHead = System.Runtime.CompilerServices.Unsafe.SizeOf<Dirent64Head>();

    static long RecordLock(Task t, FileDescription f, int cmd, ulong arg)
    {
        if (!t.Mem.Read(arg, out Flock fl)) return Err(Errno.EFAULT);
        bool ofd = cmd is F_OFD_GETLK or F_OFD_SETLK or F_OFD_SETLKW;
        if (fl.Type is < FileLocks.F_RDLCK or > FileLocks.F_UNLCK) return Err(Errno.EINVAL);
        if (ofd && fl.Pid != 0) return Err(Errno.EINVAL);
        long origin;
        switch (fl.Whence)
        {
            case 0: origin = 0; break;
            case 1: origin = f.Offset; break;
            case 2:
                if (f.Stat(out var st) != Errno.None) return Err(Errno.EBADF);
                origin = st.Size;
                break;
            default: return Err(Errno.EINVAL);
        }
        long start = origin + fl.Start, end;
        if (fl.Len > 0) end = start + fl.Len < start ? long.MaxValue : start + fl.Len;
        else if (fl.Len == 0) end = long.MaxValue;
        else { end = start; start += fl.Len; }
        if (start < 0) return Err(Errno.EINVAL);
        var locks = FileLocks.Of(f.Inode!);
        object owner = ofd ? f : t.Fds.LockOwner;
        if (cmd is F_GETLK or F_OFD_GETLK)
        {
            if (fl.Type == FileLocks.F_UNLCK) return Err(Errno.EINVAL);
            var c = locks.Conflict(owner, fl.Type == FileLocks.F_WRLCK, start, end);
            if (c is { } r)
            {
                fl.Type = r.Write ? FileLocks.F_WRLCK : FileLocks.F_RDLCK;
                fl.Whence = 0;
                fl.Start = r.Start;
                fl.Len = r.End == long.MaxValue ? 0 : r.End - r.Start;
                fl.Pid = r.Ofd ? -1 : t.PidNs.IdOf(r.Pid); // as the asker's PID namespace sees the holder (0: not at all)
            }
            else fl.Type = FileLocks.F_UNLCK;
            return t.Mem.Write(arg, fl) ? 0 : Err(Errno.EFAULT);
        }
        if (fl.Type == FileLocks.F_RDLCK && !OpenFlags.CanRead(f.Flags)) return Err(Errno.EBADF);
        if (fl.Type == FileLocks.F_WRLCK && !OpenFlags.CanWrite(f.Flags)) return Err(Errno.EBADF);
        return Err(locks.Set(t, owner, ofd, t.Tgid, fl.Type, start, end, cmd is F_SETLKW or F_OFD_SETLKW));
    }

    static long EventFd(Task t, uint initial, int flags)
    {
        const int EFD_SEMAPHORE = 1;
        if ((flags & ~(OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK | EFD_SEMAPHORE)) != 0) return Err(Errno.EINVAL);
        var f = new FileSystems.Anon.EventFd(initial, flags & OpenFlags.O_NONBLOCK, (flags & EFD_SEMAPHORE) != 0);
        int fd = t.Fds.Install(f, (flags & OpenFlags.O_CLOEXEC) != 0, 0, t.Limits.NoFile);
        if (fd < 0) f.DecRef();
        return fd;
    }

    static long Pipe2(Task t, ulong fdsAddr, int flags)
    {
        if ((flags & ~(OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK | OpenFlags.O_DIRECT)) != 0) return Err(Errno.EINVAL);
        var (r, w) = PipeBuffer.Create(flags & (OpenFlags.O_NONBLOCK | OpenFlags.O_DIRECT), t.Creds.Fsuid, t.Creds.Fsgid);
        bool cloexec = (flags & OpenFlags.O_CLOEXEC) != 0;
        int rfd = t.Fds.Install(r, cloexec, 0, t.Limits.NoFile);
        if (rfd < 0) { r.DecRef(); w.DecRef(); return rfd; }
        int wfd = t.Fds.Install(w, cloexec, 0, t.Limits.NoFile);
        if (wfd < 0) { t.Fds.Close(rfd); w.DecRef(); return wfd; }
        Span<int> pair = stackalloc int[2] { rfd, wfd };
        if (!t.Mem.Write(fdsAddr, System.Runtime.InteropServices.MemoryMarshal.AsBytes(pair)))
        {
            t.Fds.Close(rfd); t.Fds.Close(wfd);
            return Err(Errno.EFAULT);
        }
        return 0;
    }

    /// <summary>struct linux_dirent's fixed part (d_ino, d_off, d_reclen); d_type is the record's last byte.</summary>
    const int OldDirentHead = 18;
    /// <summary>Where d_reclen sits, in linux_dirent and linux_dirent64 alike (after two 8-byte fields).</summary>
    const int RecLenOffset = 16;

    /// <summary>getdents64, or the old getdents (old: linux_dirent records, which end with a pad and d_type).</summary>
    static long Getdents(Task t, int fd, ulong buf, uint count, bool old)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err(Errno.EBADF);
        long n = ReadEntries(t, f, buf, count, old);
        if (n >= 0 && f.Path.IsValid)
        {
            f.Inode?.Accessed(f.Path.Mount);
            Fsnotify.OnFile(f.Path, InotifyMask.IN_ACCESS); // every listing, even at the end (Linux's iterate_dir)
        }
        return n;
    }

    static long ReadEntries(Task t, FileDescription f, ulong buf, uint count, bool old)
    {
        var cur = f.Directory;
        if (cur == null) return Err(Errno.ENOTDIR);
        if (f.Inode!.IsDeleted) return Err(Errno.ENOENT);
        if (cur.Entries == null || f.Offset == 0)
        {
            var list = new List<DirEntry>();
            f.Stat(out var self);
            list.Add(new DirEntry(".", self.Ino, 4));
            list.Add(new DirEntry("..", self.Ino, 4));
            var e = f.Inode!.ReadDir(t, list);
            if (e != Errno.None) return Err(e);
            cur.Entries = list;
        }
        var entries = cur.Entries;
        // Linux keeps the room in an int: a count past INT_MAX is negative there, so no entry fits (EINVAL).
        int room = count > int.MaxValue ? 0 : (int)Math.Min(count, 1u << 20);
        // From the pool: a program's 32 KiB request for a directory of ten entries must not make 32 KiB of garbage.
        var outBuf = System.Buffers.ArrayPool<byte>.Shared.Rent(room);
        try
        {
            int pos = 0;
            long idx = f.Offset;
            while (idx < entries.Count)
            {
                var d = entries[(int)idx];
                int reclen = RecordLength(d.Name, old);
                if (pos + reclen > room)
                {
                    if (pos == 0) return Err(Errno.EINVAL);
                    break;
                }
                var s = outBuf.AsSpan(pos, reclen);
                s.Clear();
                if (old)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(s, d.Ino);
                    System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(s[8..], idx + 1);
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(s[RecLenOffset..], (ushort)reclen);
                    LinuxText.Encode(d.Name, s[OldDirentHead..]);
                    s[reclen - 1] = d.Type;
                }
                else
                {
                    var head = new Dirent64Head { Ino = d.Ino, Off = idx + 1, Reclen = (ushort)reclen, Type = d.Type };
                    System.Runtime.InteropServices.MemoryMarshal.Write(s, in head);
                    LinuxText.Encode(d.Name, s[DirentHead..]);
                }
                pos += reclen;
                idx++;
            }
            // Entries go out one by one in Linux (filldir): a fault after some whole entries returns those, found by
            // the record lengths in the buffer.
            int written = pos == 0 ? 0 : t.Mem.WritePartial(buf, outBuf.AsSpan(0, pos));
            if (written < pos)
            {
                int whole = 0, records = 0;
                while (whole < pos)
                {
                    int reclen = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(outBuf.AsSpan(whole + RecLenOffset));
                    if (whole + reclen > written) break;
                    whole += reclen;
                    records++;
                }
                if (records == 0) return Err(Errno.EFAULT);
                idx = f.Offset + records;
                pos = whole;
            }
            f.Offset = idx;
            return pos;
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(outBuf); }
    }

    /// <summary>Bytes one entry's linux_dirent64 (or, old, linux_dirent) record takes, padded to 8.</summary>
    static int RecordLength(string name, bool old)
    {
        int nameLen = LinuxText.ByteCount(name);
        return old ? (OldDirentHead + nameLen + 2 + 7) & ~7 : (DirentHead + nameLen + 1 + 7) & ~7;
    }
}
