using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Syscalls;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.Net.Unix;

/// <summary>
/// An AF_UNIX socket: stream, seqpacket or datagram, entirely inside the sandbox. Each socket has a receive queue
/// (<see cref="UnixQueue"/>) that its peers write into; a connected pair writes into each other's. Files passed with
/// SCM_RIGHTS ride in the messages with a reference each, dropped if the queue is released unread.
/// Lock order: a socket's _state, then one receive queue (Rx) — never two queues at once.
/// </summary>
public sealed class UnixSocket : Socket
{
    /// <summary>net.unix.max_dgram_qlen: a datagram receiver not connected back to the sender takes this many (+1).</summary>
    const int MaxDgramQueue = 10;

    readonly UnixNamespace _ns;
    internal readonly UnixQueue Rx = new();
    readonly object _state = new();
    readonly Relay _roomRelay;

    UnixAddress _local = UnixAddress.Unnamed;
    Inode? _boundNode;
    UnixSocket? _peer;
    bool _connected, _listening;
    readonly LinkedList<UnixSocket> _backlog = new();
    int _backlogMax;
    UCred _peerCred = UCred.NoPeer, _listenCred;
    volatile bool _recvShut, _sendShut, _closed;
    Errno _error;
    /// <summary>Bytes this socket has sent that no receiver has read yet (datagrams): bounded by SO_SNDBUF.</summary>
    int _inFlight;

    public UnixSocket(UnixNamespace ns, int type, int flags) : base(Sock.AF_UNIX, type, 0, flags)
    {
        _ns = ns;
        _roomRelay = new Relay(Queue);
        ns.Track(this);
    }

    /// <summary>What /proc/net/unix shows of a socket: a read-only snapshot.</summary>
    public readonly record struct Info(int Type, bool Listening, bool Connected, ulong Inode, byte[]? Name, bool Abstract);

    public Info Snapshot()
    {
        lock (_state) return new Info(Type, _listening, _connected, Ino, _local.Name, _local.Abstract);
    }

    bool ConnectionBased => Type != Sock.SOCK_DGRAM;
    public override bool IsListening => _listening;

    /// <summary>Makes a and b each other's peer (socketpair, and a connection the listener will accept).</summary>
    internal static void Join(UnixSocket a, UnixSocket b, UCred aCred, UCred bCred)
    {
        a._peer = b; b._peer = a;
        a._connected = b._connected = true;
        a._peerCred = bCred; b._peerCred = aCred;
        b.Rx.Room.Add(a._roomRelay);
        a.Rx.Room.Add(b._roomRelay);
    }

    // ---- names ----

    public override Errno Bind(Task t, byte[] addr)
    {
        lock (_state)
        {
            if (addr.Length == 2 && BitConverter.ToUInt16(addr) == Sock.AF_UNIX)
                return _local.IsUnnamed ? AutoBindLocked() : Errno.None; // Linux's unix_autobind: bound already is fine
            var e = UnixAddress.Parse(addr, out var a);
            if (e != Errno.None) return e;
            // A path is made before Linux looks at the socket: an existing file is EADDRINUSE even then.
            if (!_local.IsUnnamed) return a.Abstract ? Errno.EINVAL : PathInUse(t, a) ?? Errno.EINVAL;
            e = a.Abstract ? _ns.Bind(a, this) : BindPath(t, a);
            if (e == Errno.None) _local = a;
            return e;
        }
    }

    Errno AutoBindLocked()
    {
        var e = _ns.AutoBind(this, out var a);
        if (e == Errno.None) _local = a;
        return e;
    }

    /// <summary>Binds to a path: a socket node made in the sandbox's file system (mode 0777 less the umask, or met with a default ACL).</summary>
    Errno BindPath(Task t, UnixAddress a)
    {
        string path = a.Path;
        var e = t.StartDir(PathSyscalls.AT_FDCWD, path, out var start);
        if (e == Errno.None) e = PathWalker.ResolveParent(t, start, path, out var parent, out var name) switch
        {
            Errno.None => MakeNode(t, parent, name, path),
            var err => err,
        };
        return e;
    }

    /// <summary>Why binding a path would fail before the socket's own state is looked at, or null.</summary>
    static Errno? PathInUse(Task t, UnixAddress a)
    {
        string path = a.Path;
        var e = t.StartDir(PathSyscalls.AT_FDCWD, path, out var start);
        if (e != Errno.None) return e;
        e = PathWalker.ResolveParent(t, start, path, out var parent, out var name);
        if (e != Errno.None) return e;
        if (name is "" or "." or ".." || PathWalker.Child(t, parent, name, out _) == Errno.None) return Errno.EADDRINUSE;
        return path.EndsWith('/') ? Errno.ENOENT : null;
    }

    Errno MakeNode(Task t, VfsPath parent, string name, string path)
    {
        // As Linux's mknod path: ".", ".." or the root name something that exists; a trailing slash is
        // EADDRINUSE on an existing name and ENOENT on a new one.
        if (name is "" or "." or "..") return Errno.EADDRINUSE;
        if (PathWalker.Child(t, parent, name, out _) == Errno.None) return Errno.EADDRINUSE;
        if (path.EndsWith('/')) return Errno.ENOENT;
        var e = parent.Mount.ReadOnly ? Errno.None : Kernel.Landlock.LandlockChecks.Make(t, parent, InodeMode.S_IFSOCK);
        if (e == Errno.None) e = ChangeSyscalls.CheckWritableDir(t, parent);
        if (e != Errno.None) return e;
        e = parent.Inode.Create(t, name, InodeMode.S_IFSOCK | Permissions.CreationMode(t, parent.Inode, 0x1ffu), out _);
        if (e == Errno.EEXIST) return Errno.EADDRINUSE;
        if (e != Errno.None) return e;
        e = PathWalker.Child(t, parent, name, out var node);
        if (e != Errno.None) return e;
        node.Inode.BoundSocket = this;
        _boundNode = node.Inode; // held, so the node stays the object connect will find
        return Errno.None;
    }

    /// <summary>The socket bound at a name, as connect and sendto find it.</summary>
    Errno Find(Task t, UnixAddress a, out UnixSocket? s)
    {
        s = null;
        if (a.Abstract)
        {
            s = _ns.Lookup(a, Type);
            if (s == null || s._closed) return Errno.ECONNREFUSED;
            return Kernel.Landlock.LandlockChecks.MayReachAbstract(t, s.Landlock) ? Errno.None : Errno.EPERM;
        }
        string path = a.Path;
        var e = t.StartDir(PathSyscalls.AT_FDCWD, path, out var start);
        if (e != Errno.None) return e;
        e = PathWalker.Resolve(t, start, path, true, out var node);
        if (e != Errno.None) return e;
        e = Permissions.Check(t, node.Inode, 2);
        if (e != Errno.None) return e;
        // A socket file with no sandbox socket bound (one a host process made in the rootfs) is never connected to.
        if ((node.Inode.Mode & InodeMode.S_IFMT) != InodeMode.S_IFSOCK) return Errno.ECONNREFUSED;
        s = node.Inode.BoundSocket;
        return s == null || s._closed ? Errno.ECONNREFUSED : Errno.None;
    }

    public override Errno GetSockName(out byte[] addr)
    {
        lock (_state) addr = _local.ToSockaddr();
        return Errno.None;
    }

    public override Errno GetPeerName(out byte[] addr)
    {
        addr = Array.Empty<byte>();
        lock (_state)
        {
            if (_peer == null || !_connected) return Errno.ENOTCONN;
            addr = _peer.LocalName().ToSockaddr();
        }
        return Errno.None;
    }

    UnixAddress LocalName()
    {
        lock (_state) return _local;
    }

    // ---- connections ----

    public override Errno Listen(Task t, int backlog)
    {
        lock (_state)
        {
            if (!ConnectionBased) return Errno.EOPNOTSUPP;
            if (_connected || _local.IsUnnamed) return Errno.EINVAL;
            _listenCred = UCred.Of(t);
            _peerCred = _listenCred; // as Linux's listen: a listener's SO_PEERCRED is its own
            lock (Rx)
            {
                _listening = true;
                _backlogMax = backlog;
                Monitor.PulseAll(Rx);
            }
        }
        NotifyWaiters();
        return Errno.None;
    }

    public override Errno Connect(Task t, byte[] addr, bool nonblock)
    {
        if (!ConnectionBased) return ConnectDatagram(t, addr);
        var e = UnixAddress.Parse(addr, out var a);
        if (e != Errno.None) return e;
        lock (_state)
        {
            // Linux's order: autobind, the target and its backlog, and only then this socket's own state.
            if (_local.IsUnnamed && Options.PassCred) AutoBindLocked();
            e = Find(t, a, out var target);
            if (e != Errno.None) return e;
            if (target!.Type != Type) return Errno.EPROTOTYPE;
            var server = new UnixSocket(_ns, Type, 0);
            server._local = target.LocalName();
            server.Options.PassCred = target.Options.PassCred;
            long deadline = Deadline(send: true);
            lock (target.Rx)
            {
                while (true)
                {
                    // A listener shut for reading takes no more connections (Linux: ECONNREFUSED).
                    if (target._closed || !target._listening || target._recvShut) { server.DecRef(); return Errno.ECONNREFUSED; }
                    if (target._backlog.Count <= target._backlogMax) break;
                    if (nonblock) { server.DecRef(); return Errno.EAGAIN; }
                    long r = Block(t, target.Rx, deadline);
                    if (r != 0) { server.DecRef(); return (Errno)(-r); }
                }
                if (_connected || _listening) { server.DecRef(); return _connected ? Errno.EISCONN : Errno.EINVAL; }
                // Each end's SO_PEERCRED is the other's: the connecting task's, the listener's (from listen).
                Join(this, server, UCred.Of(t), target._listenCred);
                target._backlog.AddLast(server);
                Monitor.PulseAll(target.Rx);
            }
            target.NotifyWaiters();
        }
        NotifyWaiters();
        return Errno.None;
    }

    Errno ConnectDatagram(Task t, byte[] addr)
    {
        if (addr.Length >= 2 && BitConverter.ToUInt16(addr) == Sock.AF_UNSPEC)
        {
            lock (_state) Disconnect();
            return Errno.None;
        }
        var e = UnixAddress.Parse(addr, out var a);
        if (e != Errno.None) return e;
        lock (_state)
        {
            if (_local.IsUnnamed && Options.PassCred) AutoBindLocked(); // before the lookup, as Linux
            e = Find(t, a, out var target);
            if (e != Errno.None) return e;
            if (target!.Type != Type) return Errno.EPROTOTYPE;
            if (target != this && target._peer != null && target._peer != this) return Errno.EPERM;
            Disconnect();
            _peer = target;
            _connected = true;
            target.Rx.Room.Add(_roomRelay);
        }
        NotifyWaiters();
        return Errno.None;
    }

    void Disconnect()
    {
        _peer?.Rx.Room.Remove(_roomRelay);
        _peer = null;
        _connected = false;
    }

    public override Errno Accept(Task t, bool nonblock, out Socket? conn)
    {
        conn = null;
        if (!ConnectionBased) return Errno.EOPNOTSUPP;
        long deadline = Deadline(send: false);
        lock (Rx)
        {
            while (_backlog.Count == 0)
            {
                if (!_listening || _closed) return Errno.EINVAL;
                if (nonblock) return Errno.EAGAIN;
                if (_recvShut) return Errno.EINVAL; // a shut listener's blocking accept ends, as Linux's

                long r = Block(t, Rx, deadline);
                if (r != 0) return (Errno)(-r);
            }
            conn = _backlog.First!.Value;
            _backlog.RemoveFirst();
            Monitor.PulseAll(Rx);
        }
        return Errno.None;
    }

    public override Errno Shutdown(Task t, int how)
    {
        bool rd = how != Sock.SHUT_WR, wr = how != Sock.SHUT_RD;
        UnixSocket? peer;
        lock (_state) peer = ConnectionBased ? _peer : null;
        lock (Rx)
        {
            if (rd) _recvShut = true;
            if (wr) _sendShut = true;
            Monitor.PulseAll(Rx);
        }
        if (peer != null)
        {
            lock (peer.Rx)
            {
                if (rd) peer._sendShut = true;
                if (wr) peer._recvShut = true;
                Monitor.PulseAll(peer.Rx);
            }
            peer.NotifyWaiters();
        }
        NotifyWaiters();
        return Errno.None;
    }

    // ---- data ----

    bool DontWait(int flags) => NonBlocking || (flags & Sock.MSG_DONTWAIT) != 0;

    protected override long SendCore(Task t, ReadOnlySpan<byte> data, SendMessage msg)
    {
        if ((msg.Flags & Sock.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        return Type switch
        {
            Sock.SOCK_STREAM => SendStream(t, data, msg),
            _ => SendRecord(t, data, msg),
        };
    }

    long SendStream(Task t, ReadOnlySpan<byte> data, SendMessage msg)
    {
        UnixSocket? peer;
        lock (_state)
        {
            if (msg.To != null) return -(long)(_connected ? Errno.EISCONN : Errno.EOPNOTSUPP);
            peer = _connected ? _peer : null;
        }
        if (peer == null) return -(long)Errno.ENOTCONN;
        if (_sendShut) return -(long)Errno.EPIPE;
        if (data.Length == 0) return 0;
        var creds = CredsFor(t, peer, msg);
        bool nonblock = DontWait(msg.Flags);
        long deadline = Deadline(send: true);
        int done = 0;
        bool waited = false, broken = false;
        lock (peer.Rx)
        {
            while (done < data.Length)
            {
                if (peer._recvShut || _sendShut) { broken = true; break; }
                int free = Options.SendBuffer - peer.Rx.Bytes;
                if (free <= 0)
                {
                    if (nonblock) return done > 0 ? done : -(long)Errno.EAGAIN;
                    long r = Block(t, peer.Rx, deadline);
                    if (r != 0) return done > 0 ? done : r;
                    waited = true;
                    continue;
                }
                int n = Math.Min(free, data.Length - done);
                peer.Rx.Add(new UnixMessage { Data = data.Slice(done, n).ToArray(), Fds = msg.Fds, Creds = creds, Sender = this });
                msg.Fds = null; // the first segment carries them; the queue owns the references now
                done += n;
                Monitor.PulseAll(peer.Rx);
                peer.NotifyWaiters();
            }
        }
        if (broken && done == 0) return -(long)BrokenError(waited);
        return done;
    }

    /// <summary>The error of a send that found the connection gone: EPIPE, or — when it had waited for room and the
    /// peer's close dropped unread data — the ECONNRESET that close left, taken (Linux's sock_alloc_send_pskb looks
    /// at sk_err before the shutdown).</summary>
    Errno BrokenError(bool waited)
    {
        var e = waited ? TakeError() : Errno.None;
        return e != Errno.None ? e : Errno.EPIPE;
    }

    /// <summary>What a message carries as SCM_CREDENTIALS: those sent explicitly, else the sender's when either end
    /// has SO_PASSCRED at send time (Linux's unix_maybe_add_creds), else none (the receiver sees pid 0, overflow ids).</summary>
    UCred CredsFor(Task t, UnixSocket receiver, SendMessage msg) =>
        msg.Creds ?? (Options.PassCred || receiver.Options.PassCred ? UCred.Of(t) : UCred.Unknown);

    protected override bool RaisesSigPipe => Type == Sock.SOCK_STREAM;

    /// <summary>Linux's unix_dgram_sendmsg: a record may use all of SO_SNDBUF but 32 bytes.</summary>
    public override long MaxRecord => Options.SendBuffer - 32;

    /// <summary>A stream send copies whole segments of (SO_SNDBUF / 2 - 64) bytes, each all or nothing (a partly
    /// unreadable buffer sends the whole segments before the fault); a record is whole or nothing.</summary>
    public override int WriteUnit => Type == Sock.SOCK_STREAM ? Math.Max(Options.SendBuffer / 2 - 64, 1) : int.MaxValue;

    /// <summary>A datagram or seqpacket record: queued whole at its receiver, or not at all.</summary>
    long SendRecord(Task t, ReadOnlySpan<byte> data, SendMessage msg)
    {
        UnixSocket? target;
        lock (_state)
        {
            // Autobound before the lookup, as Linux: the receiver sees a name even when the send fails.
            if (_local.IsUnnamed && Options.PassCred && Type == Sock.SOCK_DGRAM) AutoBindLocked();
            if (Type == Sock.SOCK_SEQPACKET)
            {
                if (!_connected) return -(long)Errno.ENOTCONN; // a seqpacket send ignores any address
                target = _peer;
            }
            else if (msg.To != null)
            {
                var e = UnixAddress.Parse(msg.To, out var a);
                if (e != Errno.None) return -(long)e;
                e = Find(t, a, out target);
                if (e != Errno.None) return -(long)e;
                if (target!.Type != Type) return -(long)Errno.EPROTOTYPE;
            }
            else
            {
                target = _peer;
                if (target == null) return -(long)Errno.ENOTCONN;
                if (target._closed)
                {
                    Disconnect(); // as Linux: refused once, then not connected
                    return -(long)Errno.ECONNREFUSED;
                }
            }
        }
        // A seqpacket send looks at a pending reset before the shutdown, as Linux's (sock_alloc_send_pskb).
        if (_sendShut) return -(long)BrokenError(Type == Sock.SOCK_SEQPACKET);
        if (data.Length > Options.SendBuffer - 32) return -(long)Errno.EMSGSIZE;
        if (Type == Sock.SOCK_DGRAM && target != this && target!._peer != null && target._peer != this)
            return -(long)Errno.EPERM; // Linux's unix_may_send: it is connected to another
        var m = new UnixMessage
        {
            Data = data.ToArray(), Fds = msg.Fds, Creds = CredsFor(t, target!, msg), Sender = this,
            // An unnamed sender gives no address at all (recvfrom's length 0), as Linux's unix_copy_addr.
            From = Type == Sock.SOCK_DGRAM && !LocalName().IsUnnamed ? LocalName() : null,
        };
        bool nonblock = DontWait(msg.Flags);
        long deadline = Deadline(send: true);
        bool waited = false;
        lock (target!.Rx)
        {
            while (true)
            {
                if (target._closed && Type == Sock.SOCK_SEQPACKET) break;
                if (target._closed) return -(long)Errno.ECONNREFUSED;
                if (target._recvShut || (Type == Sock.SOCK_SEQPACKET && _sendShut)) return -(long)Errno.EPIPE;
                bool queueFull = Type == Sock.SOCK_DGRAM && target != this && target._peer != this
                    && target.Rx.Messages.Count > MaxDgramQueue;
                // sock_alloc_send_pskb: a send waits while what is in flight has reached SO_SNDBUF.
                bool noRoom = Volatile.Read(ref _inFlight) >= Options.SendBuffer;
                if (!queueFull && !noRoom) break;
                if (nonblock) return -(long)Errno.EAGAIN;
                long r = Block(t, target.Rx, deadline);
                if (r != 0) return r;
                waited = true;
            }
            if (target._closed) goto Broken;
            msg.Fds = null;
            Interlocked.Add(ref _inFlight, data.Length);
            target.Rx.Add(m);
            Monitor.PulseAll(target.Rx);
        }
        target.NotifyWaiters();
        return data.Length;
    Broken:
        return -(long)BrokenError(waited || Type == Sock.SOCK_SEQPACKET);
    }

    public override long Recv(Task t, Span<byte> dst, RecvMessage msg)
    {
        if ((msg.Flags & Sock.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        if (Type == Sock.SOCK_STREAM) return _listening ? -(long)Errno.EINVAL : RecvStream(t, dst, msg);
        if (Type == Sock.SOCK_SEQPACKET && !_connected) return -(long)Errno.ENOTCONN;
        return RecvRecord(t, dst, msg);
    }

    long RecvStream(Task t, Span<byte> dst, RecvMessage msg)
    {
        if (!_connected) return -(long)Errno.EINVAL;
        bool peek = (msg.Flags & Sock.MSG_PEEK) != 0, waitAll = (msg.Flags & Sock.MSG_WAITALL) != 0 && !peek;
        // Linux's sock_rcvlowat: a blocking read returns once SO_RCVLOWAT bytes (or all asked, or MSG_WAITALL's) came.
        int target = waitAll ? dst.Length : peek ? 1 : Math.Clamp(Options.RecvLowat, 1, Math.Max(dst.Length, 1));
        bool nonblock = DontWait(msg.Flags);
        long deadline = Deadline(send: false);
        int copied = 0;
        bool tookFds = false, sawCreds = false;
        var senders = new HashSet<UnixSocket>();
        try
        {
            lock (Rx)
            {
                while (true)
                {
                    var node = Rx.Messages.First;
                    while (node != null && copied < dst.Length && !tookFds)
                    {
                        var m = node.Value;
                        if (msg.WantCreds && sawCreds && m.Creds != msg.Creds) break; // never glue different writers
                        int n = Math.Min(m.Left, dst.Length - copied);
                        m.Data.AsSpan(m.Offset, n).CopyTo(dst[copied..]);
                        copied += n;
                        if (msg.WantCreds && !sawCreds) { msg.Creds = m.Creds; sawCreds = true; }
                        // recvfrom on a stream names the sender when it is bound (Linux's unix_copy_addr).
                        // (The sender's name is read without its lock: a reference read is atomic, and its _state lock
                        // comes before our queue's in the lock order.)
                        if (copied == n && Volatile.Read(ref m.Sender!._local) is { IsUnnamed: false } from) msg.From = from.ToSockaddr();
                        if (m.Fds != null)
                        {
                            msg.Fds = TakeFds(m, peek);
                            tookFds = true;
                        }
                        var next = node.Next;
                        if (!peek)
                        {
                            m.Offset += n;
                            Rx.Bytes -= n;
                            if (m.Sender != null) senders.Add(m.Sender);
                            if (m.Left == 0) Rx.Messages.Remove(node);
                            else break;
                        }
                        node = next;
                    }
                    if (copied > 0 && (copied >= target || tookFds)) break;
                    if (dst.Length == 0) break;
                    if (_error != Errno.None && copied == 0)
                    {
                        var e = _error;
                        _error = Errno.None;
                        return -(long)e;
                    }
                    if (_recvShut) break;
                    if (nonblock) return copied > 0 ? copied : -(long)Errno.EAGAIN;
                    long r = Block(t, Rx, deadline);
                    if (r != 0) return copied > 0 ? copied : r;
                }
                if (!peek && copied > 0) Monitor.PulseAll(Rx);
            }
            if (msg.WantCreds && !sawCreds) msg.Creds = UCred.Unknown;
            return copied;
        }
        finally
        {
            if (!peek && copied > 0) Rx.Room.Notify();
        }
    }

    long RecvRecord(Task t, Span<byte> dst, RecvMessage msg)
    {
        bool peek = (msg.Flags & Sock.MSG_PEEK) != 0;
        bool nonblock = DontWait(msg.Flags);
        long deadline = Deadline(send: false);
        UnixMessage m;
        lock (Rx)
        {
            // A pending error (a seqpacket peer closed with data unread) comes before queued records, as Linux.
            if (_error != Errno.None)
            {
                var e = _error;
                _error = Errno.None;
                return -(long)e;
            }
            while (Rx.Messages.Count == 0)
            {
                // EOF is seqpacket's; a datagram socket shut for reading just has nothing (EAGAIN non-blocking).
                if (_recvShut && (Type == Sock.SOCK_SEQPACKET || !nonblock)) return 0;
                if (nonblock) return -(long)Errno.EAGAIN;
                long r = Block(t, Rx, deadline);
                if (r != 0) return r;
            }
            m = Rx.Messages.First!.Value;
            if (!peek)
            {
                Rx.Messages.RemoveFirst();
                Rx.Bytes -= m.Left;
                Monitor.PulseAll(Rx);
            }
            if (m.Fds != null) msg.Fds = TakeFds(m, peek);
        }
        if (!peek)
        {
            if (m.Sender != null) Interlocked.Add(ref m.Sender._inFlight, -m.Data.Length);
            Rx.Room.Notify();
        }
        int n = Math.Min(m.Left, dst.Length);
        m.Data.AsSpan(m.Offset, n).CopyTo(dst);
        if (m.Left > dst.Length) msg.OutFlags |= Sock.MSG_TRUNC;
        msg.FullLength = m.Left;
        msg.From = m.From?.ToSockaddr();
        if (msg.WantCreds) msg.Creds = m.Creds;
        return n;
    }

    /// <summary>The files a message carries: taken from it, or with MSG_PEEK a new reference to each.</summary>
    static List<FileDescription> TakeFds(UnixMessage m, bool peek)
    {
        var fds = m.Fds!;
        if (!peek)
        {
            m.Fds = null;
            return fds;
        }
        foreach (var f in fds) f.IncRef();
        return new List<FileDescription>(fds);
    }

    // ---- readiness, options, ioctls ----

    public override short Readiness(short events)
    {
        int r = 0;
        UnixSocket? peer = _peer;
        lock (Rx)
        {
            if (_error != Errno.None) r |= POLLERR;
            if (_recvShut) r |= Sock.POLLRDHUP | POLLIN | POLLRDNORM;
            if (_recvShut && _sendShut) r |= POLLHUP;
            if (Rx.Messages.Count > 0 || (_listening && _backlog.Count > 0)) r |= POLLIN | POLLRDNORM;
            if (ConnectionBased && !_connected && !_listening) r |= POLLHUP;
        }
        if (!_listening && Writable(peer)) r |= POLLOUT | POLLWRNORM;
        return (short)(r & (events | POLLERR | POLLHUP));
    }

    /// <summary>Linux's unix_writable (a quarter of SO_SNDBUF or less in flight), and for a datagram socket a
    /// connected receiver with room.</summary>
    bool Writable(UnixSocket? peer)
    {
        if (Type == Sock.SOCK_STREAM) return peer == null || !_connected || peer.Rx.Bytes * 4 <= Options.SendBuffer;
        if (Volatile.Read(ref _inFlight) * 4 > Options.SendBuffer) return false;
        return Type != Sock.SOCK_DGRAM || peer == null || peer._peer == this || peer.Rx.Messages.Count <= MaxDgramQueue;
    }

    public override Errno SetOption(Task t, int level, int name, byte[] val) =>
        level == Sock.SOL_SOCKET ? base.SetOption(t, level, name, val) : Errno.EOPNOTSUPP;

    public override Errno GetOption(Task t, int level, int name, out byte[] val)
    {
        val = Array.Empty<byte>();
        if (level != Sock.SOL_SOCKET) return Errno.EOPNOTSUPP;
        if (name == Sock.SO_PEERCRED)
        {
            lock (_state) val = _peerCred.SeenBy(t).ToBytes();
            return Errno.None;
        }
        return base.GetOption(t, level, name, out val);
    }

    public override Errno TakeError()
    {
        lock (Rx)
        {
            var e = _error;
            _error = Errno.None;
            return e;
        }
    }

    public override long Ioctl(Task t, uint cmd, ulong arg)
    {
        int v;
        switch (cmd)
        {
            case Sock.SIOCINQ:
                if (_listening) return -(long)Errno.EINVAL;
                // Linux's unix_inq_len: all queued bytes for stream and seqpacket, the next datagram's for datagrams.
                lock (Rx) v = Type != Sock.SOCK_DGRAM ? Rx.Bytes : Rx.Messages.First?.Value.Left ?? 0;
                break;
            case Sock.SIOCOUTQ:
                if (_listening) return -(long)Errno.EINVAL;
                var peer = _peer;
                v = Type == Sock.SOCK_STREAM ? peer?.Rx.Bytes ?? 0 : Volatile.Read(ref _inFlight);
                break;
            default:
                return base.Ioctl(t, cmd, arg);
        }
        return t.Mem.Write(arg, v) ? 0 : -(long)Errno.EFAULT;
    }

    /// <summary>The last reference is gone: unbind, hang up on the peer (a reset if we leave data unread), drop
    /// the files still in flight and the connections never accepted.</summary>
    protected override void Release()
    {
        UnixSocket? peer;
        List<UnixMessage> unread;
        List<UnixSocket> embryos;
        _ns.Untrack(this);
        lock (_state)
        {
            peer = _peer;
            if (!_local.IsUnnamed && _local.Abstract) _ns.Unbind(_local, this);
            if (_boundNode != null && _boundNode.BoundSocket == this) _boundNode.BoundSocket = null;
            if (peer != null) Disconnect();
            _peer = peer; // kept for the peer's last look (getpeername after close is not asked; readiness is)
        }
        bool lostData;
        lock (Rx) lostData = Rx.Messages.Count > 0 || _backlog.Count > 0;
        // The peer's reset is set before this queue wakes the peer's senders waiting on it for room, so they see it.
        if (peer != null && ConnectionBased)
        {
            lock (peer.Rx)
            {
                peer._recvShut = peer._sendShut = true;
                if (lostData) peer._error = Errno.ECONNRESET;
                Monitor.PulseAll(peer.Rx);
            }
            peer.NotifyWaiters();
        }
        lock (Rx)
        {
            _closed = _recvShut = _sendShut = true;
            unread = Rx.Drain();
            embryos = new List<UnixSocket>(_backlog);
            _backlog.Clear();
            _listening = false;
            Monitor.PulseAll(Rx);
        }
        Rx.Room.Notify();
        foreach (var m in unread)
        {
            // Only records count in their sender's _inFlight (a stream's bytes are counted by the queue).
            if (m.Sender != null && m.Sender != this && Type != Sock.SOCK_STREAM) Interlocked.Add(ref m.Sender._inFlight, -m.Left);
            if (m.Fds != null) foreach (var f in m.Fds) f.DecRef();
        }
        foreach (var s in embryos) s.DecRef();
    }
}

/// <summary>AF_UNIX's provider: stream, datagram (SOCK_RAW is one too, as Linux) and seqpacket; socketpair.</summary>
public sealed class UnixFamily : ISocketFamily
{
    readonly UnixNamespace _ns;
    public UnixFamily(UnixNamespace ns) => _ns = ns;

    static Errno Check(ref int type, int protocol)
    {
        if (protocol != 0 && protocol != Sock.AF_UNIX) return Errno.EPROTONOSUPPORT;
        if (type == Sock.SOCK_RAW) type = Sock.SOCK_DGRAM;
        return type is Sock.SOCK_STREAM or Sock.SOCK_DGRAM or Sock.SOCK_SEQPACKET ? Errno.None : Errno.ESOCKTNOSUPPORT;
    }

    public Errno Create(Task t, int type, int protocol, int flags, out Socket? socket)
    {
        socket = null;
        var e = Check(ref type, protocol);
        if (e == Errno.None) socket = new UnixSocket(_ns, type, flags);
        return e;
    }

    public Errno Pair(Task t, int type, int protocol, int flags, out Socket? a, out Socket? b)
    {
        a = b = null;
        var e = Check(ref type, protocol);
        if (e != Errno.None) return e;
        var x = new UnixSocket(_ns, type, flags);
        var y = new UnixSocket(_ns, type, flags);
        var me = UCred.Of(t);
        UnixSocket.Join(x, y, me, me);
        a = x;
        b = y;
        return Errno.None;
    }
}
