using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Net.Inet;

/// <summary>Linux's TCP states (include/net/tcp_states.h): TCP_INFO's tcpi_state and /proc/net/tcp's st.</summary>
public enum TcpState
{
    Established = 1, SynSent = 2, SynRecv = 3, FinWait1 = 4, FinWait2 = 5, TimeWait = 6, Close = 7, CloseWait = 8,
    LastAck = 9, Listen = 10, Closing = 11,
}

/// <summary>
/// A TCP socket of the loopback stack. No segments: a connection is two endpoints that move bytes straight into
/// each other's receive queue, and the handshake, FIN and RST are state changes made on both at once, as Linux's
/// loopback would leave them (a closed peer's orphan lingers in FIN_WAIT2 until the other side closes or sends
/// data, which it answers with a reset). TIME_WAIT is skipped: a finished connection is CLOSE and its port free.
///
/// Locks. Both endpoints of a connection share one gate (the connecting socket's; the accepted one is made with
/// it), which guards their states, receive queues and peer links, and is what their blocking calls wait on. A
/// listener's accept queue has its own lock (_listenLock), never shared. Order: a listener's _listenLock, then a
/// connection's gate; the port table's lock is a leaf. No call blocks holding more than the lock it waits on.
/// </summary>
public sealed class TcpSocket : InetSocket
{
    /// <summary>Linux's defaults for a fresh TCP socket: SO_SNDBUF (tcp_wmem[1]) and SO_RCVBUF (tcp_rmem[1]).</summary>
    public const int DefaultSendBuffer = 16384, DefaultRecvBuffer = 131072;
    /// <summary>TCP_MSS_DEFAULT: the MSS before a connection; on loopback (MTU 65536) an established connection's
    /// MSS is the MTU less the headers and timestamps (65483), bounded by half the largest window seen before window
    /// scaling (tcp_bound_to_half_wnd): 32741.</summary>
    public const int DefaultMss = 536, LoopbackMss = 32741, MinUserMss = 88, MaxUserMss = 32767;
    const int MaxKeepIdle = 32767, MaxKeepIntvl = 32767, MaxKeepCnt = 127, MaxSynCnt = 127;
    const int DefaultKeepIdle = 7200, DefaultKeepIntvl = 75, DefaultKeepCnt = 9, DefaultSynCnt = 6;
    /// <summary>net.ipv4.tcp_fin_timeout, and TCP_LINGER2's cap (TCP_FIN_TIMEOUT_MAX).</summary>
    const int FinTimeout = 60, FinTimeoutMax = 120;
    /// <summary>TCP_CA_NAME_MAX: TCP_CONGESTION's name field.</summary>
    const int CongestionNameMax = 16;
    static readonly string[] CongestionControls = { "cubic", "reno" };

    enum Conn { Unconnected, Connecting, Connected }

    readonly object _gate;
    readonly object _listenLock = new();
    TcpState _state = TcpState.Close;
    Conn _sock = Conn.Unconnected;
    TcpSocket? _peer;
    readonly StreamBuffer _rx = new();
    /// <summary>sk_shutdown's two bits, SOCK_DONE (a FIN came), and whether the file is closed (an orphan).</summary>
    bool _rcvShut, _sndShut, _done, _orphan;
    Errno _err;
    readonly LinkedList<TcpSocket> _acceptQueue = new();
    /// <summary>Connectors waiting for room in a full accept queue (their SYNs, from the client's view).</summary>
    readonly LinkedList<TcpSocket> _synQueue = new();
    int _backlog;

    // TCP-level options.
    bool _noDelay, _cork, _quickAck = true, _fastOpenConnect;
    int _userMss, _keepIdle = DefaultKeepIdle, _keepIntvl = DefaultKeepIntvl, _keepCnt = DefaultKeepCnt;
    int _synCnt = DefaultSynCnt, _linger2, _deferAccept, _windowClamp, _userTimeout, _notSentLowat = -1, _fastOpen;
    string _congestion = "cubic";

    public TcpSocket(InetStack stack, int family, int flags, uint uid, object? gate = null)
        : base(stack, family, Sock.SOCK_STREAM, IpOpt.IPPROTO_TCP, flags, uid)
    {
        _gate = gate ?? new object();
        Options.SendBuffer = DefaultSendBuffer;
        Options.RecvBuffer = DefaultRecvBuffer;
    }

    internal override PortTable Table => Stack.Tcp;
    protected override object BindGate => _gate;
    protected override bool CanBind => _state == TcpState.Close;
    internal override bool ListeningForTable => _state == TcpState.Listen;
    public override bool IsListening => _state == TcpState.Listen;
    internal override int StateNumber => (int)_state;
    protected override bool HasPeer => _state is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1
        or TcpState.FinWait2 or TcpState.LastAck or TcpState.Closing;

    internal override int RxQueueBytes
    {
        get
        {
            if (_state == TcpState.Listen) lock (_listenLock) return _acceptQueue.Count;
            lock (_gate) return Readable;
        }
    }

    internal override int TxQueueBytes
    {
        get
        {
            if (_state == TcpState.Listen) return _backlog;
            lock (_gate) return Unsent;
        }
    }

    /// <summary>Bytes received: the receive queue up to the receive buffer (the rest is still the peer's to send).</summary>
    int Readable => Math.Min(_rx.Count, Options.RecvBuffer);

    /// <summary>Bytes this side has written that the peer's receive buffer has not taken (SIOCOUTQ).</summary>
    int Unsent
    {
        get
        {
            var p = _peer;
            return p == null ? 0 : Math.Max(0, p._rx.Count - p.Options.RecvBuffer);
        }
    }

    void Notify()
    {
        NotifyWaiters();
    }

    // ---- connecting ----

    public override Errno Connect(Task t, byte[] addr, bool nonblock)
    {
        if (addr.Length < 2) return Errno.EINVAL;
        if (InetSockaddr.FamilyOf(addr) == Sock.AF_UNSPEC) return Disconnect();
        long deadline = Deadline(send: true);
        bool wait = false;
        InetEndpoint dst = default;
        lock (_gate)
        {
            switch (_sock)
            {
                case Conn.Connected:
                    return Errno.EISCONN;
                case Conn.Connecting when _state == TcpState.SynSent:
                    if (nonblock) return Errno.EALREADY;
                    wait = true;
                    break;
                case Conn.Connecting when _state == TcpState.Close:
                    return ConnectFailedLocked();
                case Conn.Connecting:
                    _sock = Conn.Connected; // a second connect after EINPROGRESS reports the completed connection
                    return Errno.None;
            }
            if (!wait)
            {
                if (_state != TcpState.Close) return Errno.EISCONN;
                var e = InetSockaddr.Parse(addr, Family, out dst);
                if (e != Errno.None) return e;
                if (IsV6 && dst.Addr.IsV4 && V6Only) return Errno.ENETUNREACH;
                e = SetRemote(ref dst);
                if (e != Errno.None) return e;
                _state = TcpState.SynSent;
                _sock = Conn.Connecting;
                _rcvShut = _sndShut = _done = false;
                _err = Errno.None;
            }
        }
        if (!wait)
        {
            Notify();
            var listener = FindListener(dst);
            if (listener == null || !listener.Enqueue(this)) Refuse(this);
            if (nonblock) return Errno.EINPROGRESS;
        }
        lock (_gate)
        {
            while (_state == TcpState.SynSent)
            {
                long r = Block(t, _gate, deadline);
                if (r == -(long)Errno.EAGAIN) return Errno.EINPROGRESS; // SO_SNDTIMEO: still connecting
                if (r != 0) return (Errno)(-r);
            }
            if (_state == TcpState.Close) return ConnectFailedLocked();
            _sock = Conn.Connected;
            return Errno.None;
        }
    }

    /// <summary>Linux's sock_error path of inet_stream_connect: the pending error (or ECONNABORTED), and the socket
    /// is unconnected again (tcp_disconnect).</summary>
    Errno ConnectFailedLocked()
    {
        var e = _err != Errno.None ? _err : Errno.ECONNABORTED;
        _err = Errno.None;
        _sock = Conn.Unconnected;
        _rcvShut = _sndShut = _done = false;
        ResetName();
        return e;
    }

    /// <summary>The listener a connection to dst reaches: an exact address before a wildcard; among SO_REUSEPORT
    /// listeners one chosen by the connector's port.</summary>
    TcpSocket? FindListener(InetEndpoint dst)
    {
        TcpSocket? best = null;
        int bestScore = 0;
        var group = new List<TcpSocket>();
        foreach (var s in Stack.Tcp.At(dst.Port))
        {
            if (s is not TcpSocket l || !l.IsListening || !PortTable.Accepts(l, dst.Addr)) continue;
            int score = PortTable.Score(l, dst.Addr);
            if (score > bestScore) { best = l; bestScore = score; group.Clear(); }
            if (score == bestScore) group.Add(l);
        }
        if (group.Count > 1 && best!.Options.ReusePort) best = group[Local.Port % group.Count];
        return best;
    }

    /// <summary>A connector's SYN reaches this listener: the connection is made and queued for accept, or the
    /// connector waits for room. False if this is not listening (the connector is refused).</summary>
    bool Enqueue(TcpSocket client)
    {
        lock (_listenLock)
        {
            if (_state != TcpState.Listen) return false;
            if (_acceptQueue.Count > _backlog) _synQueue.AddLast(client);
            else EstablishLocked(client);
        }
        Notify();
        return true;
    }

    /// <summary>Makes the accepted endpoint for client and joins the two (caller holds _listenLock).</summary>
    void EstablishLocked(TcpSocket client)
    {
        var dst = client.Remote;
        var child = new TcpSocket(Stack, Family, 0, OwnerUid, client._gate);
        child.Inherit(this);
        lock (client._gate)
        {
            if (client._state != TcpState.SynSent) { child.DecRef(); return; } // it gave up meanwhile
            Stack.Tcp.AddChild(child, new InetEndpoint(dst.Addr, Local.Port));
            child.RemoteBox = new(client.Local);
            child._peer = client;
            client._peer = child;
            child._state = client._state = TcpState.Established;
            child._sock = Conn.Connected;
            int mssClamp = MssClamp(client, child);
            child.InitSendBuffer(mssClamp);
            client.InitSendBuffer(mssClamp);
            Monitor.PulseAll(client._gate);
        }
        _acceptQueue.AddLast(child);
        Monitor.PulseAll(_listenLock);
        client.Notify();
    }

    /// <summary>What an accepted socket takes from its listener (Linux clones the listener's sock).</summary>
    void Inherit(TcpSocket l)
    {
        var o = l.Options;
        Options.SendBuffer = o.SendBuffer;
        Options.SendBufferLocked = o.SendBufferLocked;
        Options.RecvBuffer = o.RecvBuffer;
        Options.KeepAlive = o.KeepAlive;
        Options.ReuseAddr = o.ReuseAddr;
        Options.ReusePort = o.ReusePort;
        Options.LingerOn = o.LingerOn;
        Options.LingerSeconds = o.LingerSeconds;
        Options.OobInline = o.OobInline;
        Options.Priority = o.Priority;
        Options.RecvTimeoutMs = o.RecvTimeoutMs;
        Options.SendTimeoutMs = o.SendTimeoutMs;
        V6Only = l.V6Only;
        UserBoundAddr = UserBoundPort = true;
        Ip.Tos = l.Ip.Tos;
        Ip.Ttl = l.Ip.Ttl;
        Ip.HopLimit = l.Ip.HopLimit;
        Ip.TClass = l.Ip.TClass;
        _noDelay = l._noDelay;
        _userMss = l._userMss;
        _keepIdle = l._keepIdle;
        _keepIntvl = l._keepIntvl;
        _keepCnt = l._keepCnt;
        _userTimeout = l._userTimeout;
        _congestion = l._congestion;
        _linger2 = l._linger2;
        _notSentLowat = l._notSentLowat;
    }

    /// <summary>The connection's MSS clamp, the same at both ends: each side's TCP_MAXSEG bounds what it advertises
    /// in its SYN, and each clamps to what the other advertised.</summary>
    static int MssClamp(TcpSocket a, TcpSocket b)
    {
        int clamp = TcpSendBuffer.LoopbackMssClamp;
        if (a._userMss != 0) clamp = Math.Min(clamp, a._userMss);
        if (b._userMss != 0) clamp = Math.Min(clamp, b._userMss);
        return clamp;
    }

    /// <summary>tcp_init_buffer_space: an established connection's send buffer grows unless SO_SNDBUF was set.</summary>
    void InitSendBuffer(int mssClamp)
    {
        if (!Options.SendBufferLocked) Options.SendBuffer = TcpSendBuffer.Expanded(Options.SendBuffer, mssClamp);
    }

    /// <summary>Nothing listens (or the listener went away): the connector gets a reset in SYN_SENT.</summary>
    static void Refuse(TcpSocket client)
    {
        lock (client._gate)
        {
            if (client._state != TcpState.SynSent) return;
            client._err = Errno.ECONNREFUSED;
            client.EnterCloseLocked();
            Monitor.PulseAll(client._gate);
        }
        client.Notify();
    }

    /// <summary>tcp_done: CLOSE, both directions shut, the peer link gone, and an autobound port given back.</summary>
    void EnterCloseLocked()
    {
        _state = TcpState.Close;
        _rcvShut = _sndShut = true;
        if (_peer != null && _peer._peer == this) _peer._peer = null;
        _peer = null;
        if (!UserBoundPort && Bound) Table.Unbind(this);
    }

    public override Errno Listen(Task t, int backlog)
    {
        lock (_listenLock)
        {
            lock (_gate)
            {
                if (_sock != Conn.Unconnected) return Errno.EINVAL;
                if (_state is not (TcpState.Close or TcpState.Listen)) return Errno.EINVAL;
                if (_state == TcpState.Close)
                {
                    if (!Bound)
                    {
                        var e = Table.Bind(this, Local.Addr, 0);
                        if (e != Errno.None) return e;
                    }
                    else
                    {
                        var e = Table.CheckListen(this);
                        if (e != Errno.None) return e;
                    }
                    _rcvShut = _sndShut = _done = false;
                    _state = TcpState.Listen;
                }
                _backlog = backlog;
            }
            // A larger backlog lets waiting connectors in.
            while (_synQueue.Count > 0 && _acceptQueue.Count <= _backlog)
            {
                var c = _synQueue.First!.Value;
                _synQueue.RemoveFirst();
                EstablishLocked(c);
            }
        }
        Notify();
        return Errno.None;
    }

    public override Errno Accept(Task t, bool nonblock, out Socket? conn)
    {
        conn = null;
        long deadline = Deadline(send: false);
        lock (_listenLock)
        {
            while (_acceptQueue.Count == 0)
            {
                if (_state != TcpState.Listen) return Errno.EINVAL;
                if (nonblock) return Errno.EAGAIN;
                long r = Block(t, _listenLock, deadline);
                if (r != 0) return (Errno)(-r);
            }
            conn = _acceptQueue.First!.Value;
            _acceptQueue.RemoveFirst();
            while (_synQueue.Count > 0 && _acceptQueue.Count <= _backlog)
            {
                var c = _synQueue.First!.Value;
                _synQueue.RemoveFirst();
                EstablishLocked(c);
            }
        }
        Notify();
        return Errno.None;
    }

    /// <summary>Stops listening: connections never accepted are reset, waiting connectors refused.</summary>
    void StopListening()
    {
        List<TcpSocket> children, waiting;
        lock (_listenLock)
        {
            if (_state != TcpState.Listen) return;
            children = new List<TcpSocket>(_acceptQueue);
            waiting = new List<TcpSocket>(_synQueue);
            _acceptQueue.Clear();
            _synQueue.Clear();
            lock (_gate)
            {
                _state = TcpState.Close;
                Monitor.PulseAll(_gate);
            }
            Monitor.PulseAll(_listenLock);
        }
        foreach (var c in children) c.Abort(); // inet_child_forget: tcp_disconnect, a reset
        foreach (var c in waiting) Refuse(c);
        Notify();
    }

    /// <summary>Drops a connection never accepted: the connector gets a reset.</summary>
    void Abort()
    {
        TcpSocket? peer;
        lock (_gate)
        {
            peer = _peer;
            ResetPeerLocked();
            EnterCloseLocked();
            Monitor.PulseAll(_gate);
        }
        peer?.Notify();
        DecRef();
    }

    /// <summary>connect(AF_UNSPEC): tcp_disconnect — a listener stops, a connection is reset, the socket is fresh.</summary>
    Errno Disconnect()
    {
        if (_state == TcpState.Listen) StopListening();
        TcpSocket? peer;
        lock (_gate)
        {
            peer = _peer;
            if (_state != TcpState.Close) ResetPeerLocked();
            _state = TcpState.Close;
            _sock = Conn.Unconnected;
            _rx.Clear();
            _rcvShut = _sndShut = _done = false;
            _err = Errno.None;
            ResetName();
            Monitor.PulseAll(_gate);
        }
        peer?.Notify();
        Notify();
        return Errno.None;
    }

    public override Errno GetPeerName(out byte[] addr)
    {
        addr = Array.Empty<byte>();
        lock (_gate)
        {
            // inet_getname: no peer before the handshake completes, after the connection ends, or while listening.
            if (_state is TcpState.Close or TcpState.Listen or TcpState.SynSent) return Errno.ENOTCONN;
            addr = Format(Remote);
        }
        return Errno.None;
    }

    // ---- closing ----

    public override Errno Shutdown(Task t, int how)
    {
        bool rd = how != Sock.SHUT_WR, wr = how != Sock.SHUT_RD;
        if (_state == TcpState.Listen)
        {
            if (rd) StopListening();
            return Errno.None;
        }
        TcpSocket? peer;
        Errno result = Errno.None;
        lock (_gate)
        {
            peer = _peer;
            if (_sock == Conn.Connecting)
                _sock = _state is TcpState.SynSent or TcpState.Close ? Conn.Unconnected : Conn.Connected;
            switch (_state)
            {
                case TcpState.Close:
                    result = Errno.ENOTCONN; // and yet the bits are set, as Linux (poll then says POLLHUP)
                    if (rd) _rcvShut = true;
                    if (wr) _sndShut = true;
                    break;
                case TcpState.SynSent:
                    _state = TcpState.Close;
                    _sock = Conn.Unconnected;
                    ResetName();
                    break;
                default:
                    if (rd) _rcvShut = true;
                    if (wr) SendFinLocked();
                    break;
            }
            Monitor.PulseAll(_gate);
        }
        peer?.Notify();
        Notify();
        return result;
    }

    /// <summary>This side sends its FIN (shutdown SHUT_WR or close) and the peer acknowledges it at once.</summary>
    void SendFinLocked()
    {
        var p = _peer;
        switch (_state)
        {
            case TcpState.Established:
                _sndShut = true;
                _state = TcpState.FinWait2;
                if (p != null) ReceiveFinLocked(p);
                break;
            case TcpState.CloseWait:
                _sndShut = true;
                if (p != null) ReceiveFinLocked(p); // LAST_ACK, acknowledged: done
                EnterCloseLocked();
                break;
            default:
                _sndShut = true;
                break;
        }
    }

    /// <summary>The peer p receives our FIN: end of its stream; it waits to close (CLOSE_WAIT), or — having sent its own
    /// FIN — its TIME_WAIT ends at once.</summary>
    static void ReceiveFinLocked(TcpSocket p)
    {
        p._done = true;
        p._rcvShut = true;
        if (p._state == TcpState.Established) p._state = TcpState.CloseWait;
        else if (p._state is TcpState.FinWait1 or TcpState.FinWait2) p.EnterCloseLocked();
    }

    /// <summary>Sends a reset to the peer (close with unread data, SO_LINGER 0, a disconnect, data to a closed socket).</summary>
    void ResetPeerLocked()
    {
        var p = _peer;
        if (p == null || p._state == TcpState.Close) return;
        p._err = p._state switch
        {
            TcpState.SynSent => Errno.ECONNREFUSED,
            TcpState.CloseWait => Errno.EPIPE,
            _ => Errno.ECONNRESET,
        };
        p.EnterCloseLocked();
    }

    protected override void Release()
    {
        if (_state == TcpState.Listen) StopListening();
        TcpSocket? peer;
        lock (_gate)
        {
            peer = _peer;
            _orphan = true;
            bool reset = _rx.Count > 0 || (Options.LingerOn && Options.LingerSeconds == 0);
            switch (_state)
            {
                case TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.FinWait2:
                    if (reset)
                    {
                        ResetPeerLocked();
                        EnterCloseLocked();
                    }
                    else
                    {
                        _rcvShut = true;
                        SendFinLocked(); // an orphan in FIN_WAIT2 until the peer closes or sends data
                    }
                    break;
                default:
                    EnterCloseLocked();
                    break;
            }
            _rx.Clear();
            Monitor.PulseAll(_gate);
        }
        peer?.Notify();
        base.Release();
    }

    // ---- data ----

    protected override long SendCore(Task t, ReadOnlySpan<byte> data, SendMessage msg)
    {
        // An address is ignored, as Linux's TCP without MSG_FASTOPEN.
        bool nonblock = DontWait(msg.Flags);
        long deadline = Deadline(send: true);
        int done = 0;
        TcpSocket? notify = null;
        try
        {
            lock (_gate)
            {
                while (true)
                {
                    if (_state == TcpState.SynSent)
                    {
                        if (nonblock) return -(long)Errno.EAGAIN;
                        long r = Block(t, _gate, deadline);
                        if (r != 0) return r;
                        continue;
                    }
                    if (_state is not (TcpState.Established or TcpState.CloseWait) || _err != Errno.None || _sndShut)
                        return done > 0 ? done : -(long)TakeErrorLocked(Errno.EPIPE);
                    var p = _peer!;
                    if (p._rcvShut && p._state is TcpState.FinWait1 or TcpState.FinWait2)
                    {
                        // Data to a socket that closed its receiving side: it answers with a reset (tcp_reset on both).
                        if (!p._orphan) p._err = Errno.ECONNRESET;
                        var mine = _state == TcpState.CloseWait ? Errno.EPIPE : Errno.ECONNRESET;
                        p.EnterCloseLocked();
                        _err = mine;
                        EnterCloseLocked();
                        Monitor.PulseAll(_gate);
                        notify = p;
                        return data.Length;
                    }
                    if (data.Length == 0) return 0;
                    int room = p.Options.RecvBuffer + Options.SendBuffer - p._rx.Count;
                    if (room <= 0)
                    {
                        if (nonblock) return done > 0 ? done : -(long)Errno.EAGAIN;
                        long r = Block(t, _gate, deadline);
                        if (r != 0) return done > 0 ? done : r;
                        continue;
                    }
                    // A non-blocking write moves at most a send buffer's worth: Linux copies into its send queue until
                    // SO_SNDBUF is used, and the receiver's ACKs free it only after the call returns.
                    int n = Math.Min(room, data.Length - done);
                    if (nonblock) n = Math.Min(n, Math.Max(Options.SendBuffer - done, 0));
                    if (n == 0) return done;
                    p._rx.Append(data.Slice(done, n));
                    done += n;
                    notify = p;
                    Monitor.PulseAll(_gate);
                    if (done == data.Length) return done;
                    p.Notify();
                }
            }
        }
        finally
        {
            notify?.Notify();
            Notify();
        }
    }

    /// <summary>The pending error (cleared), or fallback when none.</summary>
    Errno TakeErrorLocked(Errno fallback)
    {
        var e = _err;
        _err = Errno.None;
        return e != Errno.None ? e : fallback;
    }

    public override long Recv(Task t, Span<byte> dst, RecvMessage msg)
    {
        int flags = msg.Flags;
        if ((flags & Sock.MSG_OOB) != 0) return -(long)Errno.EINVAL; // no urgent data is ever pending
        if ((flags & Sock.MSG_ERRQUEUE) != 0) return -(long)Errno.EAGAIN; // nor a queued error (IP_RECVERR)
        if (_state == TcpState.Listen) return -(long)Errno.ENOTCONN;
        bool peek = (flags & Sock.MSG_PEEK) != 0, trunc = (flags & Sock.MSG_TRUNC) != 0;
        bool waitAll = (flags & Sock.MSG_WAITALL) != 0 && !peek;
        bool nonblock = DontWait(flags);
        long deadline = Deadline(send: false);
        int copied = 0;
        TcpSocket? peer = null;
        try
        {
            lock (_gate)
            {
                while (true)
                {
                    int avail = Readable - (peek ? copied : 0);
                    if (avail > 0 && dst.Length == 0) return 0;
                    if (avail > 0)
                    {
                        int n = Math.Min(avail, dst.Length - copied);
                        if (!trunc) _rx.CopyOut(peek ? copied : 0, dst.Slice(copied, n));
                        if (!peek)
                        {
                            _rx.Consume(n);
                            peer = _peer;
                            Monitor.PulseAll(_gate);
                        }
                        copied += n;
                    }
                    if (copied == dst.Length && dst.Length > 0) break;
                    if (copied > 0)
                    {
                        if (!waitAll) break;
                        if (_err != Errno.None || _state == TcpState.Close || _rcvShut) break;
                    }
                    else
                    {
                        if (_done) break;
                        if (_err != Errno.None) return -(long)TakeErrorLocked(Errno.None);
                        if (_rcvShut) break;
                        if (_state == TcpState.Close) return -(long)Errno.ENOTCONN;
                    }
                    if (nonblock) return copied > 0 ? copied : -(long)Errno.EAGAIN;
                    long r = Block(t, _gate, deadline);
                    if (r != 0) return copied > 0 ? copied : r;
                }
            }
            return copied;
        }
        finally
        {
            peer?.Notify(); // room for the writer
        }
    }

    // ---- readiness, errors, ioctls ----

    /// <summary>Linux's tcp_poll.</summary>
    public override short Readiness(short events)
    {
        int r = 0;
        if (_state == TcpState.Listen)
        {
            lock (_listenLock) if (_acceptQueue.Count > 0) r |= POLLIN | POLLRDNORM;
            return (short)(r & events);
        }
        lock (_gate)
        {
            if ((_rcvShut && _sndShut) || _state == TcpState.Close) r |= POLLHUP;
            if (_rcvShut) r |= POLLIN | POLLRDNORM | Sock.POLLRDHUP;
            if (_state != TcpState.SynSent)
            {
                if (Readable >= Math.Max(1, Options.RecvLowat) || (Readable > 0 && _done)) r |= POLLIN | POLLRDNORM;
                if (!_sndShut)
                {
                    int queued = Unsent;
                    if (Options.SendBuffer - queued >= queued / 2) r |= POLLOUT | POLLWRNORM;
                }
                else r |= POLLOUT | POLLWRNORM;
            }
            if (_err != Errno.None) r |= POLLERR;
        }
        return (short)(r & (events | POLLERR | POLLHUP));
    }

    public override Errno TakeError()
    {
        lock (_gate) return TakeErrorLocked(Errno.None);
    }

    public override long Ioctl(Task t, uint cmd, ulong arg)
    {
        int v;
        switch (cmd)
        {
            case Sock.SIOCINQ:
                if (_state == TcpState.Listen) return -(long)Errno.EINVAL;
                lock (_gate) v = Readable;
                break;
            case Sock.SIOCOUTQ or Sock.SIOCOUTQNSD:
                if (_state == TcpState.Listen) return -(long)Errno.EINVAL;
                lock (_gate) v = Unsent;
                break;
            case Sock.SIOCATMARK:
                v = 0;
                break;
            default:
                return base.Ioctl(t, cmd, arg);
        }
        return t.Mem.Write(arg, v) ? 0 : -(long)Errno.EFAULT;
    }

    // ---- TCP options ----

    public override Errno SetOption(Task t, int level, int name, byte[] val)
    {
        if (level == Sock.SOL_SOCKET && name is Sock.SO_SNDBUF or Sock.SO_RCVBUF or Sock.SO_SNDBUFFORCE or Sock.SO_RCVBUFFORCE)
        {
            var e = base.SetOption(t, level, name, val);
            lock (_gate) Monitor.PulseAll(_gate); // a writer waiting for room looks again
            Notify();
            _peer?.Notify();
            return e;
        }
        if (level != Sock.SOL_TCP) return base.SetOption(t, level, name, val);
        if (name == TcpOpt.TCP_CONGESTION)
        {
            int end = Array.IndexOf(val, (byte)0);
            string cc = System.Text.Encoding.ASCII.GetString(val, 0, Math.Min(end < 0 ? val.Length : end, CongestionNameMax - 1));
            if (Array.IndexOf(CongestionControls, cc) < 0) return Errno.ENOENT;
            _congestion = cc;
            return Errno.None;
        }
        if (val.Length < 4) return Errno.EINVAL;
        int i = BitConverter.ToInt32(val);
        switch (name)
        {
            case TcpOpt.TCP_NODELAY: _noDelay = i != 0; return Errno.None;
            case TcpOpt.TCP_CORK: _cork = i != 0; return Errno.None;
            case TcpOpt.TCP_MAXSEG:
                if (i != 0 && (i < MinUserMss || i > MaxUserMss)) return Errno.EINVAL;
                _userMss = i;
                return Errno.None;
            case TcpOpt.TCP_KEEPIDLE: return SetInRange(ref _keepIdle, i, 1, MaxKeepIdle);
            case TcpOpt.TCP_KEEPINTVL: return SetInRange(ref _keepIntvl, i, 1, MaxKeepIntvl);
            case TcpOpt.TCP_KEEPCNT: return SetInRange(ref _keepCnt, i, 1, MaxKeepCnt);
            case TcpOpt.TCP_SYNCNT: return SetInRange(ref _synCnt, i, 1, MaxSynCnt);
            case TcpOpt.TCP_LINGER2:
                _linger2 = i < 0 ? -1 : Math.Min(i, FinTimeoutMax);
                return Errno.None;
            case TcpOpt.TCP_DEFER_ACCEPT: _deferAccept = Math.Max(i, 0); return Errno.None;
            case TcpOpt.TCP_WINDOW_CLAMP:
                if (i != 0 && i < Sock.MinRecvBuffer / 2) i = Sock.MinRecvBuffer / 2;
                _windowClamp = Math.Max(i, 0);
                return Errno.None;
            case TcpOpt.TCP_QUICKACK: _quickAck = i != 0; return Errno.None;
            case TcpOpt.TCP_USER_TIMEOUT:
                if (i < 0) return Errno.EINVAL;
                _userTimeout = i;
                return Errno.None;
            case TcpOpt.TCP_NOTSENT_LOWAT: _notSentLowat = i; return Errno.None;
            case TcpOpt.TCP_FASTOPEN: _fastOpen = i; return Errno.None;
            case TcpOpt.TCP_FASTOPEN_CONNECT: _fastOpenConnect = i != 0; return Errno.None;
        }
        return Errno.ENOPROTOOPT;
    }

    /// <summary>An option whose value must lie in [min, max] (EINVAL otherwise, the field unchanged).</summary>
    static Errno SetInRange(ref int field, int value, int min, int max)
    {
        if (value < min || value > max) return Errno.EINVAL;
        field = value;
        return Errno.None;
    }

    public override Errno GetOption(Task t, int level, int name, out byte[] val)
    {
        if (level != Sock.SOL_TCP) return base.GetOption(t, level, name, out val);
        val = Array.Empty<byte>();
        switch (name)
        {
            case TcpOpt.TCP_INFO:
                lock (_gate) val = TcpInfo.Build(this, _state, Mss, Readable, Unsent);
                return Errno.None;
            case TcpOpt.TCP_CONGESTION:
                val = new byte[CongestionNameMax];
                System.Text.Encoding.ASCII.GetBytes(_congestion).CopyTo(val, 0);
                return Errno.None;
        }
        int? i = name switch
        {
            TcpOpt.TCP_NODELAY => _noDelay ? 1 : 0,
            TcpOpt.TCP_CORK => _cork ? 1 : 0,
            TcpOpt.TCP_MAXSEG => _userMss != 0 && _state is TcpState.Close or TcpState.Listen ? _userMss : Mss,
            TcpOpt.TCP_KEEPIDLE => _keepIdle,
            TcpOpt.TCP_KEEPINTVL => _keepIntvl,
            TcpOpt.TCP_KEEPCNT => _keepCnt,
            TcpOpt.TCP_SYNCNT => _synCnt,
            TcpOpt.TCP_LINGER2 => _linger2 < 0 ? -1 : _linger2 == 0 ? FinTimeout : _linger2,
            TcpOpt.TCP_DEFER_ACCEPT => _deferAccept,
            TcpOpt.TCP_WINDOW_CLAMP => _windowClamp,
            TcpOpt.TCP_QUICKACK => _quickAck ? 1 : 0,
            TcpOpt.TCP_USER_TIMEOUT => _userTimeout,
            TcpOpt.TCP_NOTSENT_LOWAT => _notSentLowat,
            TcpOpt.TCP_FASTOPEN => _fastOpen,
            TcpOpt.TCP_FASTOPEN_CONNECT => _fastOpenConnect ? 1 : 0,
            _ => null,
        };
        if (i == null) return Errno.ENOPROTOOPT;
        val = Int(i.Value);
        return Errno.None;
    }

    /// <summary>The connection's MSS: the loopback's (less any TCP_MAXSEG) once connected, else the default.</summary>
    int Mss => HasPeer ? (_userMss != 0 ? Math.Min(_userMss, LoopbackMss) : LoopbackMss) : DefaultMss;

    public override bool DiscardsOnTrunc => true;
}

/// <summary>Linux's SOL_TCP option names (include/uapi/linux/tcp.h).</summary>
public static class TcpOpt
{
    public const int TCP_NODELAY = 1, TCP_MAXSEG = 2, TCP_CORK = 3, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5,
        TCP_KEEPCNT = 6, TCP_SYNCNT = 7, TCP_LINGER2 = 8, TCP_DEFER_ACCEPT = 9, TCP_WINDOW_CLAMP = 10, TCP_INFO = 11,
        TCP_QUICKACK = 12, TCP_CONGESTION = 13, TCP_USER_TIMEOUT = 18, TCP_FASTOPEN = 23, TCP_NOTSENT_LOWAT = 25,
        TCP_FASTOPEN_CONNECT = 30;
}
