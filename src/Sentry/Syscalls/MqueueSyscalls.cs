using System.Buffers.Binary;
using AppKernel.Sentry.FileSystems.Mqueue;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Net.Netlink;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// POSIX message queues: mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify, mq_getsetattr, on the
/// kernel's <see cref="MqueueFs"/> (names come without glibc's leading '/'). Checks run in Linux's order.
/// </summary>
static class MqueueSyscalls
{
    /// <summary>struct mq_attr: mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs and four reserved longs.</summary>
    const int MqAttrSize = 64;
    /// <summary>struct sigevent: sigev_value (0), sigev_signo (8), sigev_notify (12), the rest a union.</summary>
    const int SigEventSize = 64, SigevSignoOff = 8, SigevNotifyOff = 12;
    const int MayRead = 4, MayWrite = 2;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.mq_open] = (k, name, oflag, mode, attr, _, _) => Open(k, name, (int)oflag, (ushort)mode, attr);
        t[Nr.mq_unlink] = (k, name, _, _, _, _, _) => Unlink(k, name);
        t[Nr.mq_timedsend] = (k, fd, msg, len, prio, timeout, _) => Send(k, (int)fd, msg, len, (uint)prio, timeout);
        t[Nr.mq_timedreceive] = (k, fd, msg, len, prio, timeout, _) => Receive(k, (int)fd, msg, len, prio, timeout);
        t[Nr.mq_notify] = (k, fd, sev, _, _, _, _) => Notify(k, (int)fd, sev);
        t[Nr.mq_getsetattr] = (k, fd, attr, old, _, _, _) => GetSetAttr(k, (int)fd, attr, old);
    }

    /// <summary>A queue name as Linux's getname and lookup_one_len take it: EFAULT, ENAMETOOLONG (path or name),
    /// ENOENT when empty, EACCES for '/', "." and "..".</summary>
    static Errno ReadName(Task t, ulong addr, out string name)
    {
        var e = t.Mem.ReadString(addr, PathWalker.PathMax - 1, out name);
        if (e != Errno.None) return e;
        if (name.Length == 0) return Errno.ENOENT;
        if (name.Contains('/') || name is "." or "..") return Errno.EACCES;
        return LinuxText.ByteCount(name) > PathWalker.NameMax ? Errno.ENAMETOOLONG : Errno.None;
    }

    static long Open(Task t, ulong nameAddr, int oflag, uint mode, ulong attrAddr)
    {
        long maxMsg = 0, msgSize = 0;
        if (attrAddr != 0)
        {
            Span<byte> a = stackalloc byte[MqAttrSize];
            if (!t.Mem.Read(attrAddr, a)) return Err(Errno.EFAULT);
            maxMsg = BinaryPrimitives.ReadInt64LittleEndian(a[8..]);
            msgSize = BinaryPrimitives.ReadInt64LittleEndian(a[16..]);
        }
        var e = ReadName(t, nameAddr, out var name);
        if (e != Errno.None) return Err(e);
        var fs = t.Mqueue;
        int acc = oflag & OpenFlags.O_ACCMODE;
        MqueueInode? q;
        while (true)
        {
            q = fs.Root.Find(name);
            if (q != null)
            {
                if ((oflag & (OpenFlags.O_CREAT | OpenFlags.O_EXCL)) == (OpenFlags.O_CREAT | OpenFlags.O_EXCL)) return Err(Errno.EEXIST);
                if (acc == OpenFlags.O_ACCMODE) return Err(Errno.EINVAL);
                e = Permissions.Check(t, q, acc switch { OpenFlags.O_RDONLY => MayRead, OpenFlags.O_WRONLY => MayWrite, _ => MayRead | MayWrite });
                if (e != Errno.None) return Err(e);
                break;
            }
            if ((oflag & OpenFlags.O_CREAT) == 0) return Err(Errno.ENOENT);
            if (attrAddr == 0) (maxMsg, msgSize) = fs.Defaults();
            // Linux's vfs_mkobj: the umask, then only the permission bits, and a regular file whatever the type bits.
            e = fs.Root.CreateQueue(t, name, mode & ~(uint)t.Fs.Umask & 0xfff, maxMsg, msgSize, out q);
            if (e == Errno.None) break;
            if (e != Errno.EEXIST) return Err(e);
            // Another task made it meanwhile: open that one.
        }
        int flags = oflag & ~(OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOCTTY | OpenFlags.O_TRUNC);
        q!.Open(t, fs.PathOf(name, q), flags, out var fd);
        // Linux's mq_open installs every queue fd close-on-exec.
        int n = t.Fds.Install(fd!, cloexec: true, 0, t.Limits.NoFile);
        if (n < 0) fd!.DecRef();
        return n;
    }

    static long Unlink(Task t, ulong nameAddr)
    {
        var e = ReadName(t, nameAddr, out var name);
        if (e != Errno.None) return Err(e);
        var root = t.Mqueue.Root;
        var q = root.Find(name);
        if (q == null) return Err(Errno.ENOENT);
        e = Permissions.CheckSticky(t, root, q);
        if (e != Errno.None) return Err(e);
        return Err(root.Unlink(t, name, false));
    }

    /// <summary>An absolute CLOCK_REALTIME timeout in ns (null: none): EFAULT, EINVAL as Linux's prepare_timeout.</summary>
    static Errno ReadDeadline(Task t, ulong addr, out long? deadlineNs)
    {
        deadlineNs = null;
        if (addr == 0) return Errno.None;
        if (!t.Mem.Read(addr, out Timespec ts)) return Errno.EFAULT;
        if (ts.Sec < 0 || (ulong)ts.Nsec >= 1_000_000_000) return Errno.EINVAL;
        deadlineNs = ts.Sec > long.MaxValue / 1_000_000_000 - 1 ? long.MaxValue : ts.Sec * 1_000_000_000 + ts.Nsec;
        return Errno.None;
    }

    static bool Readable(int flags) => (flags & OpenFlags.O_ACCMODE) is OpenFlags.O_RDONLY or OpenFlags.O_RDWR;
    static bool Writable(int flags) => (flags & OpenFlags.O_ACCMODE) is OpenFlags.O_WRONLY or OpenFlags.O_RDWR;

    static long Send(Task t, int fd, ulong msgAddr, ulong len, uint prio, ulong timeoutAddr)
    {
        var e = ReadDeadline(t, timeoutAddr, out var deadline);
        if (e != Errno.None) return Err(e);
        if (prio >= MqueueFs.MqPrioMax) return Err(Errno.EINVAL);
        using var fRef = t.Fds.Borrow(fd);
        if (fRef.File is not MqueueFile f || !Writable(f.Flags)) return Err(Errno.EBADF);
        var q = f.Queue;
        if (len > (ulong)q.MsgSize) return Err(Errno.EMSGSIZE);
        var msg = new byte[len];
        if (!t.Mem.Read(msgAddr, msg)) return Err(Errno.EFAULT);
        return q.Send(t, msg, prio, (f.Flags & OpenFlags.O_NONBLOCK) != 0, deadline);
    }

    static long Receive(Task t, int fd, ulong msgAddr, ulong len, ulong prioAddr, ulong timeoutAddr)
    {
        var e = ReadDeadline(t, timeoutAddr, out var deadline);
        if (e != Errno.None) return Err(e);
        using var fRef = t.Fds.Borrow(fd);
        if (fRef.File is not MqueueFile f || !Readable(f.Flags)) return Err(Errno.EBADF);
        var q = f.Queue;
        if (len < (ulong)q.MsgSize) return Err(Errno.EMSGSIZE);
        long r = q.Receive(t, (f.Flags & OpenFlags.O_NONBLOCK) != 0, deadline, out var msg, out uint prio);
        if (r < 0) return r;
        // The message is taken either way: a bad buffer loses it, as on Linux.
        if ((prioAddr != 0 && !t.Mem.Write(prioAddr, prio)) || !t.Mem.Write(msgAddr, msg!)) return Err(Errno.EFAULT);
        return msg!.Length;
    }

    static long Notify(Task t, int fd, ulong sevAddr)
    {
        int kind = 0, signo = 0;
        ulong value = 0;
        byte[]? cookie = null;
        NetlinkSocket? sock = null;
        FileRef sockRef = default;
        try
        {
            if (sevAddr != 0)
            {
                var sev = new byte[SigEventSize];
                if (!t.Mem.Read(sevAddr, sev)) return Err(Errno.EFAULT);
                value = BinaryPrimitives.ReadUInt64LittleEndian(sev);
                signo = BinaryPrimitives.ReadInt32LittleEndian(sev.AsSpan(SigevSignoOff));
                kind = BinaryPrimitives.ReadInt32LittleEndian(sev.AsSpan(SigevNotifyOff));
                if (kind is not (MessageQueue.SIGEV_NONE or MessageQueue.SIGEV_SIGNAL or MessageQueue.SIGEV_THREAD)) return Err(Errno.EINVAL);
                if (kind == MessageQueue.SIGEV_SIGNAL && (uint)signo > SignalState.NSig) return Err(Errno.EINVAL);
                if (kind == MessageQueue.SIGEV_THREAD)
                {
                    // glibc's SIGEV_THREAD: the cookie goes to its netlink socket (sigev_signo), whose helper thread
                    // starts the notify function.
                    cookie = new byte[MessageQueue.NotifyCookieLen];
                    if (!t.Mem.Read(value, cookie)) return Err(Errno.EFAULT);
                    sockRef = t.Fds.Borrow(signo);
                    if (sockRef.File == null) return Err(Errno.EBADF);
                    if (sockRef.File is not Net.Socket) return Err(Errno.ENOTSOCK);
                    sock = sockRef.File as NetlinkSocket;
                    if (sock == null) return Err(Errno.EINVAL);
                }
            }
            using var fRef = t.Fds.Borrow(fd);
            if (fRef.File is not MqueueFile f) return Err(Errno.EBADF);
            if (sevAddr == 0)
            {
                f.Queue.Unregister(t);
                return 0;
            }
            return Err(f.Queue.Register(t, kind, kind == MessageQueue.SIGEV_SIGNAL ? signo : 0, value, sock, cookie));
        }
        finally { sockRef.Dispose(); }
    }

    static long GetSetAttr(Task t, int fd, ulong newAddr, ulong oldAddr)
    {
        long? newFlags = null;
        if (newAddr != 0)
        {
            Span<byte> a = stackalloc byte[MqAttrSize];
            if (!t.Mem.Read(newAddr, a)) return Err(Errno.EFAULT);
            newFlags = BinaryPrimitives.ReadInt64LittleEndian(a);
            if ((newFlags & ~(long)OpenFlags.O_NONBLOCK) != 0) return Err(Errno.EINVAL);
        }
        using var fRef = t.Fds.Borrow(fd);
        if (fRef.File is not MqueueFile f) return Err(Errno.EBADF);
        var q = f.Queue;
        Span<byte> old = stackalloc byte[MqAttrSize];
        old.Clear();
        BinaryPrimitives.WriteInt64LittleEndian(old, f.Flags & OpenFlags.O_NONBLOCK);
        BinaryPrimitives.WriteInt64LittleEndian(old[8..], q.MaxMsg);
        BinaryPrimitives.WriteInt64LittleEndian(old[16..], q.MsgSize);
        BinaryPrimitives.WriteInt64LittleEndian(old[24..], q.CurMsgs);
        if (newFlags is { } nf)
        {
            if ((nf & OpenFlags.O_NONBLOCK) != 0) f.Flags |= OpenFlags.O_NONBLOCK;
            else f.Flags &= ~OpenFlags.O_NONBLOCK;
        }
        if (oldAddr != 0 && !t.Mem.Write(oldAddr, old)) return Err(Errno.EFAULT);
        return 0;
    }
}
