using System.Buffers;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Kernel.Landlock;
using AppKernel.Sentry.Net;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// The socket syscalls: guest addresses, iovecs and control messages in and out; the family's socket does the rest.
/// Copies lose nothing the guest could have had: a receive asks for at most the accessible part of its buffers.
/// </summary>
static class SocketSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.socket] = (k, dom, type, proto, _, _, _) => Socket(k, (int)dom, (int)type, (int)proto);
        t[Nr.socketpair] = (k, dom, type, proto, sv, _, _) => SocketPair(k, (int)dom, (int)type, (int)proto, sv);
        t[Nr.bind] = (k, fd, addr, len, _, _, _) => Bind(k, (int)fd, addr, (int)len);
        t[Nr.listen] = (k, fd, backlog, _, _, _, _) => Listen(k, (int)fd, (int)backlog);
        t[Nr.accept] = (k, fd, addr, lenp, _, _, _) => Accept(k, (int)fd, addr, lenp, 0);
        t[Nr.accept4] = (k, fd, addr, lenp, flags, _, _) => Accept(k, (int)fd, addr, lenp, (int)flags);
        t[Nr.connect] = (k, fd, addr, len, _, _, _) => Connect(k, (int)fd, addr, (int)len);
        t[Nr.getsockname] = (k, fd, addr, lenp, _, _, _) => Name(k, (int)fd, addr, lenp, peer: false);
        t[Nr.getpeername] = (k, fd, addr, lenp, _, _, _) => Name(k, (int)fd, addr, lenp, peer: true);
        t[Nr.sendto] = (k, fd, buf, len, flags, addr, alen) => SendTo(k, (int)fd, buf, len, (int)flags, addr, (int)alen);
        t[Nr.recvfrom] = (k, fd, buf, len, flags, addr, alenp) => RecvFrom(k, (int)fd, buf, len, (int)flags, addr, alenp);
        t[Nr.sendmsg] = (k, fd, msg, flags, _, _, _) => SendMsg(k, (int)fd, msg, (int)flags);
        t[Nr.recvmsg] = (k, fd, msg, flags, _, _, _) => RecvMsg(k, (int)fd, msg, (int)flags);
        t[Nr.sendmmsg] = (k, fd, vec, n, flags, _, _) => SendMmsg(k, (int)fd, vec, (uint)n, (int)flags);
        t[Nr.recvmmsg] = (k, fd, vec, n, flags, ts, _) => RecvMmsg(k, (int)fd, vec, (uint)n, (int)flags, ts);
        t[Nr.shutdown] = (k, fd, how, _, _, _, _) => Shutdown(k, (int)fd, (int)how);
        t[Nr.setsockopt] = (k, fd, level, name, val, len, _) => SetSockOpt(k, (int)fd, (int)level, (int)name, val, (int)len);
        t[Nr.getsockopt] = (k, fd, level, name, val, lenp, _) => GetSockOpt(k, (int)fd, (int)level, (int)name, val, lenp);
    }

    /// <summary>Linux's somaxconn: listen's backlog is capped here.</summary>
    const int SoMaxConn = 4096;
    /// <summary>sysctl_optmem_max: the most control data one sendmsg may carry.</summary>
    const int OptMemMax = 20480;
    /// <summary>UIO_MAXIOV: the most messages one sendmmsg/recvmmsg moves.</summary>
    const uint UioMaxIov = 1024;
    /// <summary>The most a stream socket moves per call into the family (larger sends and receives loop).</summary>
    const int StreamChunk = 1 << 20;
    /// <summary>The largest message a datagram send gathers (Linux's limit is the socket buffer, far below).</summary>
    const int MaxMessage = 1 << 22;
    const int MsgHdrSize = 56, MmsgHdrSize = 64, CmsgHdrSize = 16;

    readonly struct SocketRef : IDisposable
    {
        public readonly FileRef File;
        public readonly Net.Socket? Socket;
        public SocketRef(FileRef f) { File = f; Socket = f.File as Net.Socket; }
        public Errno Error => File.File == null ? Errno.EBADF : Socket == null ? Errno.ENOTSOCK : Errno.None;
        public void Dispose() => File.Dispose();
    }

    static SocketRef Get(Task t, int fd) => new(t.Fds.Borrow(fd));

    static long Socket(Task t, int domain, int type, int protocol)
    {
        int kind = type & Sock.SOCK_TYPE_MASK;
        if ((type & ~(Sock.SOCK_TYPE_MASK | Sock.SOCK_NONBLOCK | Sock.SOCK_CLOEXEC)) != 0) return Err(Errno.EINVAL);
        var e = t.Kernel.Net.Create(t, domain, kind, protocol, type & Sock.SOCK_NONBLOCK, out var s);
        if (e != Errno.None) return Err(e);
        s!.Landlock = t.Landlock;
        int fd = t.Fds.Install(s!, (type & Sock.SOCK_CLOEXEC) != 0, 0, t.Limits.NoFile);
        if (fd < 0) s!.DecRef();
        return fd;
    }

    static long SocketPair(Task t, int domain, int type, int protocol, ulong sv)
    {
        int kind = type & Sock.SOCK_TYPE_MASK;
        if ((type & ~(Sock.SOCK_TYPE_MASK | Sock.SOCK_NONBLOCK | Sock.SOCK_CLOEXEC)) != 0) return Err(Errno.EINVAL);
        var e = t.Kernel.Net.Pair(t, domain, kind, protocol, type & Sock.SOCK_NONBLOCK, out var a, out var b);
        if (e != Errno.None) return Err(e);
        a!.Landlock = b!.Landlock = t.Landlock;
        bool cloexec = (type & Sock.SOCK_CLOEXEC) != 0;
        int fa = t.Fds.Install(a!, cloexec, 0, t.Limits.NoFile);
        if (fa < 0) { a!.DecRef(); b!.DecRef(); return fa; }
        int fb = t.Fds.Install(b!, cloexec, 0, t.Limits.NoFile);
        if (fb < 0) { t.Fds.Close(fa); b!.DecRef(); return fb; }
        Span<int> pair = stackalloc int[2] { fa, fb };
        if (!t.Mem.Write(sv, System.Runtime.InteropServices.MemoryMarshal.AsBytes(pair)))
        {
            t.Fds.Close(fa);
            t.Fds.Close(fb);
            return Err(Errno.EFAULT);
        }
        return 0;
    }

    /// <summary>Copies a sockaddr in: at most sockaddr_storage's 128 bytes.</summary>
    static Errno ReadAddress(Task t, ulong addr, int len, out byte[] bytes)
    {
        bytes = Array.Empty<byte>();
        if (len < 0 || len > Sock.MaxAddrLen) return Errno.EINVAL;
        bytes = new byte[len];
        return len == 0 || t.Mem.Read(addr, bytes) ? Errno.None : Errno.EFAULT;
    }

    /// <summary>Copies a sockaddr out: as much as the guest's *lenp allows, and the full length back to *lenp.</summary>
    static Errno WriteAddress(Task t, byte[] bytes, ulong addr, ulong lenp)
    {
        if (lenp == 0) return Errno.None;
        if (!t.Mem.Read(lenp, out int len)) return Errno.EFAULT;
        if (len < 0) return Errno.EINVAL;
        int n = Math.Min(len, bytes.Length);
        if (n > 0 && !t.Mem.Write(addr, bytes.AsSpan(0, n))) return Errno.EFAULT;
        return t.Mem.Write(lenp, bytes.Length) ? Errno.None : Errno.EFAULT;
    }

    static long Bind(Task t, int fd, ulong addr, int len)
    {
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        var e = ReadAddress(t, addr, len, out var bytes);
        if (e == Errno.None) e = LandlockChecks.Net(t, r.Socket!, bytes, LandlockAccess.NET_BIND_TCP);
        return Err(e != Errno.None ? e : r.Socket!.Bind(t, bytes));
    }

    static long Listen(Task t, int fd, int backlog)
    {
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        if ((uint)backlog > SoMaxConn) backlog = SoMaxConn;
        return Err(r.Socket!.Listen(t, backlog));
    }

    static long Accept(Task t, int fd, ulong addr, ulong lenp, int flags)
    {
        if ((flags & ~(Sock.SOCK_NONBLOCK | Sock.SOCK_CLOEXEC)) != 0) return Err(Errno.EINVAL);
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        var e = r.Socket!.Accept(t, r.Socket.NonBlocking, out var conn);
        if (e != Errno.None) return Err(e);
        conn!.Flags = (conn.Flags & ~OpenFlags.O_NONBLOCK) | (flags & Sock.SOCK_NONBLOCK);
        if (addr != 0)
        {
            conn.GetPeerName(out var peer);
            e = WriteAddress(t, peer, addr, lenp);
            if (e != Errno.None) { conn.DecRef(); return Err(e); } // as Linux: the connection is dropped
        }
        int nfd = t.Fds.Install(conn, (flags & Sock.SOCK_CLOEXEC) != 0, 0, t.Limits.NoFile);
        if (nfd < 0) conn.DecRef();
        return nfd;
    }

    static long Connect(Task t, int fd, ulong addr, int len)
    {
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        var e = ReadAddress(t, addr, len, out var bytes);
        if (e == Errno.None) e = LandlockChecks.Net(t, r.Socket!, bytes, LandlockAccess.NET_CONNECT_TCP);
        return Err(e != Errno.None ? e : r.Socket!.Connect(t, bytes, r.Socket.NonBlocking));
    }

    static long Name(Task t, int fd, ulong addr, ulong lenp, bool peer)
    {
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        var e = peer ? r.Socket!.GetPeerName(out var bytes) : r.Socket!.GetSockName(out bytes);
        if (e != Errno.None) return Err(e);
        if (!t.Mem.Read(lenp, out int _)) return Err(Errno.EFAULT);
        return Err(WriteAddress(t, bytes, addr, lenp));
    }

    static long Shutdown(Task t, int fd, int how)
    {
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        if (how is < Sock.SHUT_RD or > Sock.SHUT_RDWR) return Err(Errno.EINVAL);
        return Err(r.Socket!.Shutdown(t, how));
    }

    static long SetSockOpt(Task t, int fd, int level, int name, ulong val, int len)
    {
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        if (len < 0) return Err(Errno.EINVAL);
        var bytes = new byte[Math.Min(len, 1 << 16)];
        if (bytes.Length > 0 && !t.Mem.Read(val, bytes)) return Err(Errno.EFAULT);
        return Err(r.Socket!.SetOption(t, level, name, bytes));
    }

    static long GetSockOpt(Task t, int fd, int level, int name, ulong val, ulong lenp)
    {
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        if (!t.Mem.Read(lenp, out int len)) return Err(Errno.EFAULT);
        if (len < 0) return Err(Errno.EINVAL);
        var e = r.Socket!.GetOption(t, level, name, out var bytes);
        if (e != Errno.None) return Err(e);
        int n = Math.Min(len, bytes.Length);
        if (n > 0 && !t.Mem.Write(val, bytes.AsSpan(0, n))) return Err(Errno.EFAULT);
        return t.Mem.Write(lenp, n) ? 0 : Err(Errno.EFAULT);
    }

    // ---- data ----

    static long SendTo(Task t, int fd, ulong buf, ulong len, int flags, ulong addr, int alen)
    {
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        var msg = new SendMessage { Flags = flags };
        if (addr != 0)
        {
            var e = ReadAddress(t, addr, alen, out var to);
            if (e != Errno.None) return Err(e);
            msg.To = to;
        }
        var iov = GuestIO.OneIov(buf, len);
        return SendData(t, r.Socket!, iov, msg);
    }

    static long RecvFrom(Task t, int fd, ulong buf, ulong len, int flags, ulong addr, ulong alenp)
    {
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        var msg = new RecvMessage { Flags = flags };
        var iov = GuestIO.OneIov(buf, len);
        long n = RecvData(t, r.Socket!, iov, msg);
        if (n < 0) return n;
        if (addr != 0 && msg.From != null)
        {
            var e = WriteAddress(t, msg.From, addr, alenp);
            if (e != Errno.None) return Err(e);
        }
        else if (addr != 0 && alenp != 0 && !t.Mem.Write(alenp, 0)) return Err(Errno.EFAULT);
        return n;
    }

    static long SendMsg(Task t, int fd, ulong msgAddr, int flags)
    {
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        return SendOne(t, r.Socket!, msgAddr, flags);
    }

    static long RecvMsg(Task t, int fd, ulong msgAddr, int flags)
    {
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        return RecvOne(t, r.Socket!, msgAddr, flags);
    }

    static long SendMmsg(Task t, int fd, ulong vec, uint n, int flags)
    {
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        n = Math.Min(n, UioMaxIov);
        uint i = 0;
        for (; i < n; i++)
        {
            ulong hdr = vec + i * MmsgHdrSize;
            long sent = SendOne(t, r.Socket!, hdr, flags);
            if (sent < 0) return i > 0 ? i : sent;
            if (!t.Mem.Write(hdr + MsgHdrSize, (uint)sent)) return i > 0 ? i : Err(Errno.EFAULT);
        }
        return i;
    }

    static long RecvMmsg(Task t, int fd, ulong vec, uint n, int flags, ulong tsAddr)
    {
        using var r = Get(t, fd);
        if (r.Error != Errno.None) return Err(r.Error);
        long deadline = long.MaxValue;
        if (tsAddr != 0)
        {
            if (!t.Mem.Read(tsAddr, out Timespec ts)) return Err(Errno.EFAULT);
            if (ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1_000_000_000) return Err(Errno.EINVAL);
            deadline = Environment.TickCount64 + ts.Sec * 1000 + ts.Nsec / 1_000_000;
        }
        n = Math.Min(n, UioMaxIov);
        uint i = 0;
        for (; i < n; i++)
        {
            ulong hdr = vec + i * MmsgHdrSize;
            int f = flags & ~Sock.MSG_WAITFORONE;
            if (i > 0 && (flags & Sock.MSG_WAITFORONE) != 0) f |= Sock.MSG_DONTWAIT;
            long got = RecvOne(t, r.Socket!, hdr, f);
            if (got < 0) return i > 0 ? i : got;
            if (!t.Mem.Write(hdr + MsgHdrSize, (uint)got)) return i > 0 ? i : Err(Errno.EFAULT);
            if (Environment.TickCount64 >= deadline) { i++; break; }
        }
        return i;
    }

    /// <summary>struct msghdr's fields.</summary>
    struct MsgHdr
    {
        public ulong Name; public int NameLen; public ulong Iov; public ulong IovLen; public ulong Control; public ulong ControlLen;
    }

    static Errno ReadMsgHdr(Task t, ulong addr, out MsgHdr h)
    {
        h = default;
        Span<byte> b = stackalloc byte[MsgHdrSize];
        if (!t.Mem.Read(addr, b)) return Errno.EFAULT;
        h.Name = BitConverter.ToUInt64(b[0..]);
        h.NameLen = BitConverter.ToInt32(b[8..]);
        h.Iov = BitConverter.ToUInt64(b[16..]);
        h.IovLen = BitConverter.ToUInt64(b[24..]);
        h.Control = BitConverter.ToUInt64(b[32..]);
        h.ControlLen = BitConverter.ToUInt64(b[40..]);
        return Errno.None;
    }

    static long SendOne(Task t, Net.Socket s, ulong msgAddr, int flags)
    {
        var e = ReadMsgHdr(t, msgAddr, out var h);
        if (e != Errno.None) return Err(e);
        var msg = new SendMessage { Flags = flags };
        try
        {
            if (h.Name != 0 && h.NameLen != 0)
            {
                e = ReadAddress(t, h.Name, h.NameLen, out var to);
                if (e != Errno.None) return Err(e);
                msg.To = to;
            }
            e = t.Mem.ReadIovecs(h.Iov, h.IovLen, out var iovs);
            if (e != Errno.None) return Err(e);
            if (h.ControlLen > 0)
            {
                e = ParseControl(t, s, h.Control, h.ControlLen, msg);
                if (e != Errno.None) return Err(e);
            }
            return SendData(t, s, iovs, msg);
        }
        finally { DropFds(msg.Fds); }
    }

    static void DropFds(List<FileDescription>? fds)
    {
        if (fds == null) return;
        foreach (var f in fds) f.DecRef();
        fds.Clear();
    }

    /// <summary>sendmsg's control data: SCM_RIGHTS (references taken on each file) and SCM_CREDENTIALS (checked).</summary>
    static Errno ParseControl(Task t, Net.Socket s, ulong addr, ulong len, SendMessage msg)
    {
        if (len > OptMemMax) return Errno.ENOBUFS;
        if (len < CmsgHdrSize) return Errno.None; // as Linux: too short to hold a header is no control data
        var buf = new byte[len];
        if (!t.Mem.Read(addr, buf)) return Errno.EFAULT;
        int off = 0;
        while (off + CmsgHdrSize <= buf.Length)
        {
            ulong clen = BitConverter.ToUInt64(buf, off);
            int level = BitConverter.ToInt32(buf, off + 8), type = BitConverter.ToInt32(buf, off + 12);
            if (clen < CmsgHdrSize || clen > (ulong)(buf.Length - off)) return Errno.EINVAL;
            int dataLen = (int)clen - CmsgHdrSize;
            if (level == Sock.SOL_SOCKET)
            {
                switch (type)
                {
                    case Sock.SCM_RIGHTS:
                    {
                        int n = dataLen / 4;
                        msg.Fds ??= new List<FileDescription>();
                        if (msg.Fds.Count + n > Sock.SCM_MAX_FD) return Errno.EINVAL;
                        for (int i = 0; i < n; i++)
                        {
                            int fd = BitConverter.ToInt32(buf, off + CmsgHdrSize + 4 * i);
                            var fr = t.Fds.Borrow(fd);
                            if (fr.File == null) return Errno.EBADF;
                            fr.File.IncRef();
                            msg.Fds.Add(fr.File);
                            fr.Dispose();
                        }
                        break;
                    }
                    case Sock.SCM_CREDENTIALS:
                    {
                        if (dataLen != 12) return Errno.EINVAL;
                        var me = t.Creds;
                        // The ids are the sender's namespace's (Linux's scm_check_creds): kernel ids, EINVAL unmapped.
                        var c = new UCred(BitConverter.ToInt32(buf, off + 16), me.UserNs.UidFromUser(BitConverter.ToUInt32(buf, off + 20)),
                            me.UserNs.GidFromUser(BitConverter.ToUInt32(buf, off + 24)));
                        if (c.Uid == IdMap.Invalid || c.Gid == IdMap.Invalid) return Errno.EINVAL;
                        if (c.Pid != t.OwnTgid && !me.Has(Credentials.CAP_SYS_ADMIN)) return Errno.EPERM;
                        c = c with { Pid = t.PidNs.GlobalOf(c.Pid) }; // kept global, received in the receiver's namespace
                        if (c.Uid != me.Uid && c.Uid != me.Euid && c.Uid != me.Suid && !me.HasIn(me.UserNs, Credentials.CAP_SETUID)) return Errno.EPERM;
                        if (c.Gid != me.Gid && c.Gid != me.Egid && c.Gid != me.Sgid && !me.HasIn(me.UserNs, Credentials.CAP_SETGID)) return Errno.EPERM;
                        msg.Creds = c;
                        break;
                    }
                    default:
                        return Errno.EINVAL;
                }
            }
            else (msg.Control ??= new List<ControlMessage>()).Add(new ControlMessage(level, type, buf[(off + CmsgHdrSize)..(off + (int)clen)]));
            off += (int)((clen + 7) & ~7UL);
        }
        return Errno.None;
    }

    static long RecvOne(Task t, Net.Socket s, ulong msgAddr, int flags)
    {
        var e = ReadMsgHdr(t, msgAddr, out var h);
        if (e != Errno.None) return Err(e);
        e = t.Mem.ReadIovecs(h.Iov, h.IovLen, out var iovs);
        if (e != Errno.None) return Err(e);
        if (h.NameLen < 0) return Err(Errno.EINVAL);
        var msg = new RecvMessage { Flags = flags, WantCreds = s.Options.PassCred };
        long n = RecvData(t, s, iovs, msg);
        if (n < 0) { DropFds(msg.Fds); return n; }
        int nameLen = 0;
        if (h.Name != 0 && msg.From != null)
        {
            nameLen = msg.From.Length;
            int copy = Math.Min(nameLen, h.NameLen);
            if (copy > 0 && !t.Mem.Write(h.Name, msg.From.AsSpan(0, copy))) { DropFds(msg.Fds); return Err(Errno.EFAULT); }
        }
        ulong controlLen = WriteControl(t, h.Control, h.ControlLen, msg);
        int outFlags = msg.OutFlags | (flags & Sock.MSG_CMSG_CLOEXEC); // Linux echoes MSG_CMSG_CLOEXEC in msg_flags
        if (!t.Mem.Write(msgAddr + 8, nameLen) || !t.Mem.Write(msgAddr + 40, controlLen) || !t.Mem.Write(msgAddr + 48, outFlags))
            return Err(Errno.EFAULT);
        return n;
    }

    /// <summary>Writes the received control messages that fit into the guest's control buffer (the files of
    /// SCM_RIGHTS installed as fds; those that do not fit are closed and MSG_CTRUNC set). Returns the length used.</summary>
    static ulong WriteControl(Task t, ulong addr, ulong room, RecvMessage msg)
    {
        ulong used = 0;
        if (msg.Control != null)
            foreach (var cm in msg.Control) used += PutCmsg(t, addr + used, room - used, cm, msg);
        if (msg.Creds?.SeenBy(t) is { } c)
        {
            const int len = CmsgHdrSize + 12, space = CmsgHdrSize + 16;
            if (addr == 0 || room < len) msg.OutFlags |= Sock.MSG_CTRUNC;
            else
            {
                var b = new byte[len];
                BitConverter.TryWriteBytes(b.AsSpan(0), (ulong)len);
                BitConverter.TryWriteBytes(b.AsSpan(8), Sock.SOL_SOCKET);
                BitConverter.TryWriteBytes(b.AsSpan(12), Sock.SCM_CREDENTIALS);
                c.ToBytes().CopyTo(b, CmsgHdrSize); // SeenBy: pid and ids in the receiver's namespaces
                if (t.Mem.Write(addr, b)) used = Math.Min((ulong)space, room);
            }
        }
        if (msg.Fds is { Count: > 0 } fds)
        {
            int fit = addr == 0 || room < used + CmsgHdrSize + 4 ? 0 : (int)Math.Min((ulong)fds.Count, (room - used - CmsgHdrSize) / 4);
            bool cloexec = (msg.Flags & Sock.MSG_CMSG_CLOEXEC) != 0;
            var installed = new List<int>(fit);
            for (int i = 0; i < fit; i++)
            {
                int fd = t.Fds.Install(fds[i], cloexec, 0, t.Limits.NoFile);
                if (fd < 0) break;
                installed.Add(fd);
            }
            for (int i = installed.Count; i < fds.Count; i++) fds[i].DecRef();
            if (installed.Count < fds.Count) msg.OutFlags |= Sock.MSG_CTRUNC;
            fds.Clear();
            if (installed.Count > 0)
            {
                int len = CmsgHdrSize + 4 * installed.Count;
                var b = new byte[len];
                BitConverter.TryWriteBytes(b.AsSpan(0), (ulong)len);
                BitConverter.TryWriteBytes(b.AsSpan(8), Sock.SOL_SOCKET);
                BitConverter.TryWriteBytes(b.AsSpan(12), Sock.SCM_RIGHTS);
                for (int i = 0; i < installed.Count; i++) BitConverter.TryWriteBytes(b.AsSpan(CmsgHdrSize + 4 * i), installed[i]);
                t.Mem.Write(addr + used, b);
                used += (ulong)((len + 7) & ~7);
                used = Math.Min(used, room);
            }
        }
        return used;
    }

    /// <summary>Linux's put_cmsg: no room for a header sets MSG_CTRUNC and writes nothing; too little for the data
    /// writes a truncated message (its cmsg_len says so) and sets MSG_CTRUNC. Returns the room used.</summary>
    static ulong PutCmsg(Task t, ulong addr, ulong room, ControlMessage cm, RecvMessage msg)
    {
        if (addr == 0 || room < CmsgHdrSize)
        {
            msg.OutFlags |= Sock.MSG_CTRUNC;
            return 0;
        }
        ulong len = (ulong)(CmsgHdrSize + cm.Data.Length);
        if (room < len)
        {
            msg.OutFlags |= Sock.MSG_CTRUNC;
            len = room;
        }
        var b = new byte[len];
        BitConverter.TryWriteBytes(b.AsSpan(0), len);
        BitConverter.TryWriteBytes(b.AsSpan(8), cm.Level);
        BitConverter.TryWriteBytes(b.AsSpan(12), cm.Type);
        cm.Data.AsSpan(0, (int)len - CmsgHdrSize).CopyTo(b.AsSpan(CmsgHdrSize));
        if (!t.Mem.Write(addr, b)) return 0;
        return Math.Min((ulong)((CmsgHdrSize + cm.Data.Length + 7) & ~7), room);
    }

    static bool IsStream(Net.Socket s) => s.Type == Sock.SOCK_STREAM;

    /// <summary>Gathers the guest's iovecs and sends them: a stream in chunks (control data with the first), a
    /// message whole. A partly unreadable buffer sends its readable prefix, or fails with EFAULT.</summary>
    static long SendData(Task t, Net.Socket s, IoVec[] iovs, SendMessage msg)
    {
        ulong readable = GuestIO.AccessiblePrefix(t, iovs, forWrite: false, out ulong total);
        if (total > (ulong)GuestIO.MaxRw) total = (ulong)GuestIO.MaxRw;
        if (readable > total) readable = total;
        // The size is judged before the data is read (EMSGSIZE, not EFAULT, for a huge bad buffer).
        if (!IsStream(s) && total > (ulong)Math.Min(s.MaxRecord, MaxMessage)) return Err(Errno.EMSGSIZE);
        if (readable < total)
        {
            // A partly unreadable buffer sends the family's whole units before the fault (a record: none).
            readable -= readable % (ulong)s.WriteUnit;
            if (readable == 0) return Err(Errno.EFAULT);
        }
        int chunk = IsStream(s) ? (int)Math.Min(readable, StreamChunk) : (int)readable;
        var buf = ArrayPool<byte>.Shared.Rent(Math.Max(chunk, 1));
        try
        {
            ulong done = 0;
            int iov = 0;
            ulong inIov = 0;
            do
            {
                int want = (int)Math.Min((ulong)chunk, readable - done);
                Gather(t, iovs, ref iov, ref inIov, buf.AsSpan(0, want));
                long n = s.Send(t, buf.AsSpan(0, want), msg);
                if (n < 0) return done > 0 ? (long)done : n;
                done += (ulong)n;
                if (n < want) break;
                DropFds(msg.Fds); // the first chunk carried them (the family took what it keeps)
                msg.Fds = null;
                msg.Creds = null;
            } while (done < readable);
            return (long)done;
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    static void Gather(Task t, IoVec[] iovs, ref int iov, ref ulong inIov, Span<byte> dst)
    {
        int filled = 0;
        while (filled < dst.Length && iov < iovs.Length)
        {
            ulong left = iovs[iov].Len - inIov;
            if (left == 0) { iov++; inIov = 0; continue; }
            int n = (int)Math.Min(left, (ulong)(dst.Length - filled));
            t.Mem.ReadPartial((ulong)iovs[iov].Base + inIov, dst.Slice(filled, n));
            filled += n;
            inIov += (ulong)n;
        }
    }

    /// <summary>Receives into the guest's iovecs, asking for no more than their writable prefix can take.</summary>
    static long RecvData(Task t, Net.Socket s, IoVec[] iovs, RecvMessage msg)
    {
        ulong room = GuestIO.AccessiblePrefix(t, iovs, forWrite: true, out ulong total);
        if (total > (ulong)GuestIO.MaxRw) total = (ulong)GuestIO.MaxRw;
        if (room > total) room = total;
        // TCP's MSG_TRUNC discards what it counts: the buffer is never written, so it need not be there.
        bool discard = s.DiscardsOnTrunc && (msg.Flags & Sock.MSG_TRUNC) != 0;
        if (discard) room = total;
        bool stream = IsStream(s);
        if (room < total)
        {
            // Linux copies a stream's queued segment whole or not at all: data a bad buffer cannot take stays
            // queued (EFAULT); a record is taken and lost (EFAULT) when it does not fit the good part.
            if (stream && !StreamFits(t, s, room, msg.Flags)) return Err(Errno.EFAULT);
            if (!stream) return RecvRecordFaulting(t, s, iovs, room, total, msg);
        }
        int chunk = (int)Math.Min(room, (ulong)(stream ? StreamChunk : MaxMessage));
        var buf = ArrayPool<byte>.Shared.Rent(Math.Max(chunk, 1));
        try
        {
            ulong done = 0;
            int iov = 0;
            ulong inIov = 0;
            while (true)
            {
                int want = (int)Math.Min((ulong)chunk, room - done);
                long n = s.Recv(t, buf.AsSpan(0, want), msg);
                if (n < 0) return done > 0 ? (long)done : n;
                int copied = (int)Math.Min(n, want);
                if (!discard) Scatter(t, iovs, ref iov, ref inIov, buf.AsSpan(0, copied));
                done += (ulong)copied;
                if (!stream) return msg.FullLength >= 0 && (msg.Flags & Sock.MSG_TRUNC) != 0 ? msg.FullLength : copied;
                if ((msg.Flags & Sock.MSG_TRUNC) != 0 && n > copied) return n; // TCP's MSG_TRUNC: discarded, counted
                if (n == 0 || n < want || done >= room || (msg.Flags & Sock.MSG_WAITALL) == 0 || msg.Fds != null) return (long)done;
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>Whether a stream receive into room good bytes takes nothing the buffer cannot hold: it peeks (waiting as
    /// the receive would) at up to one byte more than room.</summary>
    static bool StreamFits(Task t, Net.Socket s, ulong room, int flags)
    {
        int want = (int)Math.Min(room + 1, (ulong)StreamChunk);
        var peek = new RecvMessage { Flags = (flags | Sock.MSG_PEEK) & ~Sock.MSG_WAITALL };
        var buf = ArrayPool<byte>.Shared.Rent(Math.Max(want, 1));
        try
        {
            long n = s.Recv(t, buf.AsSpan(0, want), peek);
            DropFds(peek.Fds);
            return n < 0 || (ulong)n <= room; // an error is the real receive's to report
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>A record received into partly bad buffers: taken whole; EFAULT unless it fits the good part.</summary>
    static long RecvRecordFaulting(Task t, Net.Socket s, IoVec[] iovs, ulong room, ulong total, RecvMessage msg)
    {
        int want = (int)Math.Min(total, MaxMessage);
        var buf = ArrayPool<byte>.Shared.Rent(Math.Max(want, 1));
        try
        {
            long n = s.Recv(t, buf.AsSpan(0, want), msg);
            if (n < 0) return n;
            int copied = (int)Math.Min(n, want);
            if ((ulong)copied > room)
            {
                DropFds(msg.Fds);
                msg.Fds = null;
                return Err(Errno.EFAULT);
            }
            int iov = 0;
            ulong inIov = 0;
            Scatter(t, iovs, ref iov, ref inIov, buf.AsSpan(0, copied));
            return msg.FullLength >= 0 && (msg.Flags & Sock.MSG_TRUNC) != 0 ? msg.FullLength : copied;
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>read/write/readv/writev on a socket: recv/send without flags, so records and faults follow the
    /// socket's rules (a readv takes one datagram across its iovecs). A read of nothing takes nothing (Linux's
    /// sock_read_iter); a write of nothing still sends an empty record.</summary>
    public static long Transfer(Task t, Net.Socket s, IoVec[] iovs, bool write)
    {
        if (write) return SendData(t, s, iovs, new SendMessage());
        ulong total = 0;
        foreach (var v in iovs) total += v.Len;
        return total == 0 ? 0 : RecvData(t, s, iovs, new RecvMessage());
    }

    static void Scatter(Task t, IoVec[] iovs, ref int iov, ref ulong inIov, ReadOnlySpan<byte> src)
    {
        int done = 0;
        while (done < src.Length && iov < iovs.Length)
        {
            ulong left = iovs[iov].Len - inIov;
            if (left == 0) { iov++; inIov = 0; continue; }
            int n = (int)Math.Min(left, (ulong)(src.Length - done));
            t.Mem.WritePartial((ulong)iovs[iov].Base + inIov, src.Slice(done, n));
            done += n;
            inIov += (ulong)n;
        }
    }
}
