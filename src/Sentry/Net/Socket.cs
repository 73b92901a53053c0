using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.Net;

/// <summary>
/// An open socket: the one interface the socket syscalls see, whatever the family (Unix, loopback TCP/UDP, netlink,
/// host sockets). A family's provider subclasses it. Results are byte counts or negative errnos, as files'; a blocking
/// call waits with <see cref="Block"/>, so signals, SO_RCVTIMEO/SO_SNDTIMEO and exit reach it.
/// </summary>
public abstract class Socket : FileDescription
{
    public int Family { get; }
    /// <summary>SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET or SOCK_RAW (without SOCK_NONBLOCK/SOCK_CLOEXEC).</summary>
    public int Type { get; }
    public int Protocol { get; }
    /// <summary>The Landlock domain of the task that made the socket (Linux reads its file's credentials): what an
    /// abstract Unix address's scope compares against.</summary>
    public Kernel.Landlock.LandlockDomain? Landlock;

    /// <summary>Told on every change of readiness (data, room, a connection, an error, a shutdown).</summary>
    protected readonly WaitQueue Queue = new();
    public override WaitQueue? Waiters => Queue;

    /// <summary>SOL_SOCKET state every family shares.</summary>
    public readonly SocketOptions Options = new();

    protected Socket(int family, int type, int protocol, int flags)
        : base(OpenFlags.O_RDWR | (flags & OpenFlags.O_NONBLOCK), default, new SocketInode())
    {
        Family = family;
        Type = type;
        Protocol = protocol;
    }

    public override bool Seekable => false;
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;
    public override string DisplayName(Task t) => $"socket:[{((SocketInode)Inode!).Ino}]";
    public ulong Ino => ((SocketInode)Inode!).Ino;

    // The operations of each family. Addresses are the guest's sockaddr bytes (at most Sock.MaxAddrLen).
    public abstract Errno Bind(Task t, byte[] addr);
    public virtual Errno Listen(Task t, int backlog) => Errno.EOPNOTSUPP;
    /// <summary>Takes a pending connection (waiting unless nonblock); conn is a new socket with one reference.</summary>
    public virtual Errno Accept(Task t, bool nonblock, out Socket? conn)
    {
        conn = null;
        return Errno.EOPNOTSUPP;
    }
    /// <summary>Connects (a stream waits for the handshake unless nonblock: then EINPROGRESS) or sets a datagram's peer.</summary>
    public abstract Errno Connect(Task t, byte[] addr, bool nonblock);
    public abstract Errno GetSockName(out byte[] addr);
    public abstract Errno GetPeerName(out byte[] addr);
    public abstract Errno Shutdown(Task t, int how);

    /// <summary>Sends data (and msg's control data) to msg.To or the peer. EPIPE raises SIGPIPE unless MSG_NOSIGNAL.</summary>
    public long Send(Task t, ReadOnlySpan<byte> data, SendMessage msg)
    {
        long n = SendCore(t, data, msg);
        if (n == -(long)Errno.EPIPE && (msg.Flags & Sock.MSG_NOSIGNAL) == 0 && RaisesSigPipe)
            t.SendSignal(Task.SIGPIPE, Task.UserInfo(Task.SIGPIPE, Task.SI_USER, t.Tgid, t.Creds.Uid), shared: false);
        return n;
    }

    /// <summary>Whether MSG_TRUNC on a receive discards the bytes instead of copying them (TCP's meaning).</summary>
    public virtual bool DiscardsOnTrunc => false;

    protected abstract long SendCore(Task t, ReadOnlySpan<byte> data, SendMessage msg);

    /// <summary>Whether EPIPE comes with SIGPIPE (Linux: Unix datagram and seqpacket sockets and UDP send none).</summary>
    protected virtual bool RaisesSigPipe => true;

    /// <summary>The largest datagram or record one send takes: larger is EMSGSIZE, before the data is read.</summary>
    public virtual long MaxRecord => 1 << 22;

    /// <summary>Receives into dst; msg gets the sender's address, control data, flags and the full datagram length.</summary>
    public abstract long Recv(Task t, Span<byte> dst, RecvMessage msg);

    public override long Read(Task t, Span<byte> buf) => Recv(t, buf, new RecvMessage());
    public override long Write(Task t, ReadOnlySpan<byte> buf) => Send(t, buf, new SendMessage());

    /// <summary>setsockopt: SOL_SOCKET's common options here; a family overrides for its own levels and calls this.</summary>
    public virtual Errno SetOption(Task t, int level, int name, byte[] val)
    {
        if (level != Sock.SOL_SOCKET) return Errno.ENOPROTOOPT;
        return Options.Set(t, this, name, val);
    }

    /// <summary>getsockopt: the value's bytes (the syscall copies at most the guest's length of them).</summary>
    public virtual Errno GetOption(Task t, int level, int name, out byte[] val)
    {
        val = Array.Empty<byte>();
        if (level != Sock.SOL_SOCKET) return Errno.ENOPROTOOPT;
        switch (name)
        {
            case Sock.SO_TYPE: val = Int(Type); return Errno.None;
            case Sock.SO_DOMAIN: val = Int(Family); return Errno.None;
            case Sock.SO_PROTOCOL: val = Int(Protocol); return Errno.None;
            case Sock.SO_ERROR: val = Int((int)TakeError()); return Errno.None;
            case Sock.SO_ACCEPTCONN: val = Int(IsListening ? 1 : 0); return Errno.None;
        }
        return Options.Get(name, out val);
    }

    /// <summary>A pending asynchronous error (a refused non-blocking connect, a reset), cleared as SO_ERROR reads it.</summary>
    public virtual Errno TakeError() => Errno.None;
    public virtual bool IsListening => false;

    /// <summary>What no family answers goes to the interface ioctls (Linux's dev_ioctl), else ENOTTY.</summary>
    public override long Ioctl(Task t, uint cmd, ulong arg) => InterfaceIoctls.Handle(t, this, cmd, arg);

    public static byte[] Int(int v) => BitConverter.GetBytes(v);

    public bool NonBlocking => (Flags & OpenFlags.O_NONBLOCK) != 0;

    /// <summary>When a receive (send) started now gives up with EAGAIN: SO_RCVTIMEO (SO_SNDTIMEO), or never.</summary>
    public long Deadline(bool send)
    {
        long ms = send ? Options.SendTimeoutMs : Options.RecvTimeoutMs;
        return ms == 0 ? long.MaxValue : ms == SocketOptions.Immediate ? Environment.TickCount64 : Environment.TickCount64 + ms;
    }

    /// <summary>
    /// One wait of a blocking socket call on gate (whose lock the caller holds): 0 to look again, or what the call
    /// returns — EAGAIN when the deadline has passed, and on a signal RestartSys, or EINTR when a timeout is set
    /// (Linux's sock_intr_errno: a call with a timeout is not restarted).
    /// </summary>
    public static long Block(Task t, object gate, long deadline)
    {
        int ms = Timeout.Infinite;
        if (deadline != long.MaxValue)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0) return -(long)Errno.EAGAIN;
            ms = (int)Math.Min(left, int.MaxValue);
        }
        if (!t.Sleep(gate, ms)) return deadline == long.MaxValue ? Task.RestartSys : -(long)Errno.EINTR;
        return 0;
    }

    /// <summary>Tells pollers of this socket that its readiness may have changed, and the owners of its O_ASYNC
    /// files that it is hung up (SIGIO with POLL_HUP: the peer closed, even with data left) or readable (POLL_IN),
    /// as sk_wake_async does for state changes and data. Called outside the socket's locks.</summary>
    public void NotifyWaiters()
    {
        Queue.Notify();
        if (!_async.HasEntries) return;
        short r = Readiness(POLLIN | POLLHUP);
        if ((r & POLLHUP) != 0) _async.Kill(FileAsync.POLL_HUP);
        else if ((r & POLLIN) != 0) _async.Kill(FileAsync.POLL_IN);
    }

    readonly FasyncList _async = new();

    public override void SetAsync(int fd, Kernel.Kernel k, bool on) => _async.Set(this, fd, k, on);
}

/// <summary>What a send carries besides its bytes.</summary>
public sealed class SendMessage
{
    public int Flags;
    /// <summary>sendto's or msg_name's address; null for the connected peer.</summary>
    public byte[]? To;
    /// <summary>SCM_RIGHTS: files passed (each holds a reference the message owns until received or dropped).</summary>
    public List<FileDescription>? Fds;
    /// <summary>SCM_CREDENTIALS, checked against the sender's own ids.</summary>
    public UCred? Creds;
    /// <summary>Control messages of other levels (IP_TTL, IPV6_HOPLIMIT …), for the family to use or refuse.</summary>
    public List<ControlMessage>? Control;
}

/// <summary>What a receive gives back besides its bytes.</summary>
public sealed class RecvMessage
{
    public int Flags;
    /// <summary>The sender's address (datagrams, recvfrom); null when the family has none to give.</summary>
    public byte[]? From;
    /// <summary>SCM_RIGHTS received (references to install); the syscall drops what the guest's buffer cannot take.</summary>
    public List<FileDescription>? Fds;
    public UCred? Creds;
    /// <summary>Flags out: MSG_TRUNC, MSG_CTRUNC, MSG_EOR …</summary>
    public int OutFlags;
    /// <summary>A datagram's whole length (MSG_TRUNC returns it); -1 when the count is what was copied.</summary>
    public long FullLength = -1;
    /// <summary>Whether the receiver wants SCM_CREDENTIALS (SO_PASSCRED), so the family fills Creds.</summary>
    public bool WantCreds;
    /// <summary>Other control messages, in order (IP_PKTINFO, IP_TTL, SCM_TIMESTAMP …): each written as put_cmsg does.</summary>
    public List<ControlMessage>? Control;
}

/// <summary>One control message a receive gives back: its level, type and data (without the cmsghdr).</summary>
public readonly record struct ControlMessage(int Level, int Type, byte[] Data);

/// <summary>struct ucred: the sandbox's pid and ids.</summary>
public readonly record struct UCred(int Pid, uint Uid, uint Gid)
{
    /// <summary>What Linux reports when no credentials were sent: no pid, the overflow ids.</summary>
    public static readonly UCred Unknown = new(0, 65534, 65534);
    /// <summary>SO_PEERCRED of a socket that has no peer: no pid, Linux's invalid ids (-1).</summary>
    public static readonly UCred NoPeer = new(0, uint.MaxValue, uint.MaxValue);
    public static UCred Of(Task t) => new(t.Tgid, t.Creds.Euid, t.Creds.Egid);

    /// <summary>The kernel ids as t's user namespace sees them (the no-peer and unknown forms stay as they are).</summary>
    public UCred SeenBy(Task t) => this == NoPeer || this == Unknown ? this
        : this with { Pid = t.PidNs.IdOf(Pid), Uid = t.Creds.UserNs.UidToUser(Uid), Gid = t.Creds.UserNs.GidToUser(Gid) };

    public byte[] ToBytes()
    {
        var b = new byte[12];
        BitConverter.TryWriteBytes(b.AsSpan(0), Pid);
        BitConverter.TryWriteBytes(b.AsSpan(4), Uid);
        BitConverter.TryWriteBytes(b.AsSpan(8), Gid);
        return b;
    }
}

/// <summary>A socket's inode (sockfs): fstat shows S_IFSOCK, /proc/pid/fd shows socket:[ino].</summary>
public sealed class SocketInode : SynthInode
{
    public SocketInode() { Perm = 0x1ff; Dev = 0x8; }
    protected override uint TypeBits => InodeMode.S_IFSOCK;
    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        return Errno.ENXIO;
    }
}
