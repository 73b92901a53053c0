using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Net.Inet;

/// <summary>
/// A UDP socket of the loopback stack: a datagram is queued straight at the receiving socket (or dropped when its
/// receive buffer is full, as UDP may). A datagram to a port nobody receives on is Linux's ICMP port unreachable:
/// a connected sender gets ECONNREFUSED on its next call. Lock: each socket's own gate guards its queue and state;
/// a send takes the sender's gate and the receiver's one after the other, never both.
/// </summary>
public sealed class UdpSocket : InetSocket
{
    /// <summary>The largest UDP payload: 65535 less the UDP header and (IPv4) the IP header.</summary>
    const int MaxPayload4 = 65507, MaxPayload6 = 65527;
    /// <summary>What each queued datagram costs the receive buffer besides its bytes (Linux counts the skb's truesize).</summary>
    const int DatagramOverhead = 768;
    const int UDP_CORK = 1, UDP_SEGMENT = 103, UDP_GRO = 104;

    readonly object _gate = new();
    /// <summary>A queued datagram: what the receiver's control messages report comes with it.</summary>
    sealed record Datagram(byte[] Data, InetEndpoint From, InetAddr To, int Ttl, int Tos, DateTime Arrived);

    readonly LinkedList<Datagram> _queue = new();
    int _queuedBytes;
    bool _connected, _rcvShut, _sndShut, _cork;
    /// <summary>When the last datagram read arrived (SIOCGSTAMP); null before any.</summary>
    DateTime? _lastArrival;
    Errno _err;

    /// <summary>UDP-Lite (RFC 3828): UDP whose checksum may cover only a prefix. On the loopback nothing is corrupted,
    /// so it is UDP in its own port space with the coverage options kept and reported.</summary>
    readonly bool _lite;
    const int SOL_UDPLITE = 136, UDPLITE_SEND_CSCOV = 10, UDPLITE_RECV_CSCOV = 11;
    /// <summary>Linux's rule for a coverage: 0 is the whole datagram, else at least the 8-byte header, at most 65535.</summary>
    static int Coverage(int v) => v == 0 ? 0 : Math.Clamp(v, 8, 0xffff);
    int _sendCoverage, _recvCoverage;

    public UdpSocket(InetStack stack, int family, int flags, uint uid, bool lite = false)
        : base(stack, family, Sock.SOCK_DGRAM, lite ? IpOpt.IPPROTO_UDPLITE : IpOpt.IPPROTO_UDP, flags, uid) => _lite = lite;

    internal override PortTable Table => _lite ? Stack.UdpLite : Stack.Udp;
    protected override object BindGate => _gate;
    protected override bool HasPeer => _connected;
    internal override int StateNumber => _connected ? (int)TcpState.Established : (int)TcpState.Close;
    internal override int RxQueueBytes { get { lock (_gate) return _queuedBytes; } }
    internal override int TxQueueBytes => 0;
    protected override bool RaisesSigPipe => false;

    /// <summary>sendmsg's IP_TTL/IP_TOS and IPV6_HOPLIMIT/IPV6_TCLASS for this datagram alone, checked as Linux's
    /// ip_cmsg_send and ip6_datagram_send_ctl (an int each; -1 is the socket's value for the IPv6 ones). Other
    /// IP-level control messages (IP_PKTINFO, IPV6_PKTINFO …) are accepted without effect: the loopback has one route.</summary>
    static Errno PerMessage(List<ControlMessage>? control, ref int ttl, ref int tos)
    {
        if (control == null) return Errno.None;
        foreach (var c in control)
        {
            bool isInt = c.Data.Length == sizeof(int);
            int v = isInt ? BitConverter.ToInt32(c.Data) : 0;
            switch ((c.Level, c.Type))
            {
                case (Sock.SOL_IP, IpOpt.IP_TTL):
                    if (!isInt || v is < 1 or > 255) return Errno.EINVAL;
                    ttl = v;
                    break;
                case (Sock.SOL_IP, IpOpt.IP_TOS):
                    if (c.Data.Length == 1) v = c.Data[0];
                    else if (!isInt || v is < 0 or > 255) return Errno.EINVAL;
                    tos = v;
                    break;
                case (Sock.SOL_IPV6, IpOpt.IPV6_HOPLIMIT):
                    if (!isInt || v is < -1 or > 255) return Errno.EINVAL;
                    if (v != -1) ttl = v;
                    break;
                case (Sock.SOL_IPV6, IpOpt.IPV6_TCLASS):
                    if (!isInt || v is < -1 or > 255) return Errno.EINVAL;
                    if (v != -1) tos = v;
                    break;
            }
        }
        return Errno.None;
    }

    // ---- connecting ----

    public override Errno Connect(Task t, byte[] addr, bool nonblock)
    {
        if (addr.Length < 2) return Errno.EINVAL;
        if (InetSockaddr.FamilyOf(addr) == Sock.AF_UNSPEC)
        {
            lock (_gate)
            {
                _connected = false;
                ResetName(forgetPort: true);
            }
            NotifyWaiters();
            return Errno.None;
        }
        var e = InetSockaddr.Parse(addr, Family, out var dst, allowV4: true);
        if (e != Errno.None) return e;
        if (IsV6 && dst.Addr.IsV4 && V6Only)
            return InetSockaddr.FamilyOf(addr) == Sock.AF_INET ? Errno.EAFNOSUPPORT : Errno.ENETUNREACH;
        lock (_gate)
        {
            e = SetRemote(ref dst);
            if (e != Errno.None) return e;
            _connected = true;
        }
        NotifyWaiters();
        return Errno.None;
    }

    public override Errno GetPeerName(out byte[] addr)
    {
        addr = Array.Empty<byte>();
        lock (_gate)
        {
            if (!_connected || Remote.Port == 0) return Errno.ENOTCONN; // inet_getname: no peer port, no peer
            addr = Format(Remote);
        }
        return Errno.None;
    }

    public override Errno Shutdown(Task t, int how)
    {
        bool rd = how != Sock.SHUT_WR, wr = how != Sock.SHUT_RD;
        Errno result;
        lock (_gate)
        {
            result = _connected ? Errno.None : Errno.ENOTCONN; // the bits are set either way, as Linux
            if (rd) _rcvShut = true;
            if (wr) _sndShut = true;
            Monitor.PulseAll(_gate);
        }
        NotifyWaiters();
        return result;
    }

    // ---- data ----

    protected override long SendCore(Task t, ReadOnlySpan<byte> data, SendMessage msg)
    {
        if ((msg.Flags & Sock.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        InetEndpoint dst;
        if (msg.To != null)
        {
            var e = ParseDestination(msg.To, out dst, out bool none);
            if (e != Errno.None) return -(long)e;
            if (none) msg.To = null;
        }
        else dst = default;
        InetEndpoint src;
        lock (_gate)
        {
            if (msg.To == null)
            {
                if (!_connected) return -(long)Errno.EDESTADDRREQ;
                dst = Remote;
            }
            else
            {
                if (dst.Port == 0) return -(long)Errno.EINVAL;
                dst = new InetEndpoint(ConnectTarget(dst.Addr), dst.Port);
            }
            if (!Reachable(dst.Addr)) return -(long)Errno.ENETUNREACH;
            if (data.Length > (dst.Addr.IsV4 ? MaxPayload4 : MaxPayload6)) return -(long)Errno.EMSGSIZE;
            if (_err != Errno.None) return -(long)TakeErrorLocked();
            if (_sndShut) return -(long)Errno.EPIPE;
            var e = AutoBind();
            if (e != Errno.None) return -(long)e;
            src = new InetEndpoint(Local.Addr.IsAny ? SourceFor(dst.Addr) : Local.Addr, Local.Port);
        }
        var to = FindReceiver(dst, src);
        if (to == null)
        {
            // ICMP port unreachable: only a connected socket hears of it (without IP_RECVERR).
            lock (_gate)
            {
                if (_connected) _err = Errno.ECONNREFUSED;
                Monitor.PulseAll(_gate);
            }
            NotifyWaiters();
            return data.Length;
        }
        int ttl = dst.Addr.IsV4 ? (Ip.Ttl == -1 ? IpOpt.DefaultTtl : Ip.Ttl) : (Ip.HopLimit == -1 ? IpOpt.DefaultTtl : Ip.HopLimit);
        int tos = dst.Addr.IsV4 ? Ip.Tos : Math.Max(Ip.TClass, 0);
        var ce = PerMessage(msg.Control, ref ttl, ref tos);
        if (ce != Errno.None) return -(long)ce;
        to.Deliver(new Datagram(data.ToArray(), src, dst.Addr, ttl, tos, DateTime.UtcNow));
        return data.Length;
    }

    /// <summary>sendto's address as Linux's udp_sendmsg/udpv6_sendmsg read it; none: AF_UNSPEC on AF_INET6 means "no address".</summary>
    Errno ParseDestination(byte[] to, out InetEndpoint dst, out bool none)
    {
        dst = default;
        none = false;
        int fam = InetSockaddr.FamilyOf(to);
        if (!IsV6)
        {
            if (to.Length < InetSockaddr.SizeIn) return Errno.EINVAL;
            if (fam != Sock.AF_INET && fam != Sock.AF_UNSPEC) return Errno.EAFNOSUPPORT;
            var copy = (byte[])to.Clone();
            BitConverter.TryWriteBytes(copy, (ushort)Sock.AF_INET);
            return InetSockaddr.Parse(copy, Sock.AF_INET, out dst);
        }
        if (to.Length < 2) return Errno.EINVAL;
        switch (fam)
        {
            case Sock.AF_INET6:
            {
                var e = InetSockaddr.Parse(to, Sock.AF_INET6, out dst);
                if (e != Errno.None) return e;
                if (dst.Addr == InetAddr.Any6 && Local.Addr.IsV4) dst = new InetEndpoint(InetAddr.LoopbackV4, dst.Port);
                if (dst.Addr.IsV4 && V6Only) return Errno.ENETUNREACH;
                return Errno.None;
            }
            case Sock.AF_INET:
                if (V6Only) return Errno.ENETUNREACH;
                return InetSockaddr.Parse(to, Sock.AF_INET, out dst);
            case Sock.AF_UNSPEC:
                none = true;
                return Errno.None;
        }
        return Errno.EINVAL;
    }

    /// <summary>The socket a datagram from src to dst reaches: bound to dst's port and address (exact beats wildcard),
    /// and if connected, connected to src.</summary>
    UdpSocket? FindReceiver(InetEndpoint dst, InetEndpoint src)
    {
        UdpSocket? best = null;
        int bestScore = 0;
        foreach (var s in Table.At(dst.Port))
        {
            if (s is not UdpSocket u || !PortTable.Accepts(u, dst.Addr)) continue;
            int score = PortTable.Score(u, dst.Addr);
            if (u._connected)
            {
                if (u.Remote != src) continue;
                score += 8;
            }
            if (score >= bestScore) { best = u; bestScore = score; }
        }
        return best;
    }

    void Deliver(Datagram d)
    {
        lock (_gate)
        {
            int cost = d.Data.Length + DatagramOverhead;
            if (_queuedBytes > 0 && _queuedBytes + cost > Options.RecvBuffer) return; // dropped, as a full buffer does
            _queue.AddLast(d);
            _queuedBytes += cost;
            Monitor.PulseAll(_gate);
        }
        NotifyWaiters();
    }

    Errno TakeErrorLocked()
    {
        var e = _err;
        _err = Errno.None;
        return e;
    }

    public override long Recv(Task t, Span<byte> dst, RecvMessage msg)
    {
        int flags = msg.Flags;
        if ((flags & Sock.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        if ((flags & Sock.MSG_ERRQUEUE) != 0) return -(long)Errno.EAGAIN; // no queued errors (IP_RECVERR is accepted only)
        bool peek = (flags & Sock.MSG_PEEK) != 0;
        bool nonblock = DontWait(flags);
        long deadline = Deadline(send: false);
        Datagram d;
        lock (_gate)
        {
            while (true)
            {
                if (_err != Errno.None) return -(long)TakeErrorLocked();
                if (_queue.Count > 0) break;
                if (_rcvShut) return 0;
                if (nonblock) return -(long)Errno.EAGAIN;
                long r = Block(t, _gate, deadline);
                if (r != 0) return r;
            }
            d = _queue.First!.Value;
            _lastArrival = d.Arrived;
            if (!peek)
            {
                _queue.RemoveFirst();
                _queuedBytes -= d.Data.Length + DatagramOverhead;
            }
        }
        int n = Math.Min(d.Data.Length, dst.Length);
        d.Data.AsSpan(0, n).CopyTo(dst);
        if (d.Data.Length > dst.Length) msg.OutFlags |= Sock.MSG_TRUNC;
        msg.FullLength = d.Data.Length;
        msg.From = Format(d.From);
        msg.Control = ControlFor(d);
        return n;
    }

    /// <summary>The control messages the receiver asked for, in Linux's order: timestamps (sock_recv_cmsgs), then
    /// IPV6_PKTINFO, then IPv4's (ip_cmsg_recv: PKTINFO, TTL, TOS) or IPv6's (HOPLIMIT, TCLASS).</summary>
    List<ControlMessage>? ControlFor(Datagram d)
    {
        List<ControlMessage>? c = null;
        void Add(int level, int type, byte[] data) => (c ??= new()).Add(new ControlMessage(level, type, data));
        long ticks = d.Arrived.Ticks - DateTime.UnixEpoch.Ticks;
        long sec = ticks / TimeSpan.TicksPerSecond, sub = ticks % TimeSpan.TicksPerSecond;
        if (Options.TimestampNs) Add(Sock.SOL_SOCKET, Sock.SCM_TIMESTAMPNS, Pair(sec, sub * NsPerTick));
        else if (Options.Timestamp) Add(Sock.SOL_SOCKET, Sock.SCM_TIMESTAMP, Pair(sec, sub / TicksPerUs));
        bool v4 = d.To.IsV4;
        if (IsV6 && Ip.V6RecvPktInfo)
        {
            var info = new byte[InPktInfo6Size];
            d.To.WriteBytes6(info);
            BitConverter.TryWriteBytes(info.AsSpan(16), NetInterface.Loopback.Index);
            Add(Sock.SOL_IPV6, IpOpt.IPV6_PKTINFO, info);
        }
        if (v4)
        {
            if (Ip.PktInfo)
            {
                var info = new byte[InPktInfoSize];
                BitConverter.TryWriteBytes(info.AsSpan(0), NetInterface.Loopback.Index);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(info.AsSpan(4), d.To.V4Value);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(info.AsSpan(8), d.To.V4Value);
                Add(Sock.SOL_IP, IpOpt.IP_PKTINFO, info);
            }
            if (Ip.RecvTtl) Add(Sock.SOL_IP, IpOpt.IP_TTL, Int(d.Ttl));
            if (Ip.RecvTos) Add(Sock.SOL_IP, IpOpt.IP_TOS, new[] { (byte)d.Tos });
        }
        else if (IsV6)
        {
            if (Ip.V6RecvHopLimit) Add(Sock.SOL_IPV6, IpOpt.IPV6_HOPLIMIT, Int(d.Ttl));
            if (Ip.V6RecvTClass) Add(Sock.SOL_IPV6, IpOpt.IPV6_TCLASS, Int(d.Tos));
        }
        return c;
    }

    /// <summary>struct in_pktinfo (ifindex, spec_dst, addr) and struct in6_pktinfo (addr, ifindex).</summary>
    const int InPktInfoSize = 12, InPktInfo6Size = 20;
    const long NsPerTick = 100, TicksPerUs = 10;

    static byte[] Pair(long a, long b)
    {
        var v = new byte[16];
        BitConverter.TryWriteBytes(v.AsSpan(0), a);
        BitConverter.TryWriteBytes(v.AsSpan(8), b);
        return v;
    }

    // ---- readiness, options, ioctls ----

    /// <summary>Linux's udp_poll (datagram_poll): writable always (sends never wait here).</summary>
    public override short Readiness(short events)
    {
        int r = POLLOUT | POLLWRNORM | PollWrBand;
        lock (_gate)
        {
            if (_err != Errno.None) r |= POLLERR;
            if (_rcvShut) r |= Sock.POLLRDHUP | POLLIN | POLLRDNORM;
            if (_rcvShut && _sndShut) r |= POLLHUP;
            if (_queue.Count > 0) r |= POLLIN | POLLRDNORM;
        }
        return (short)(r & (events | POLLERR | POLLHUP));
    }

    const short PollWrBand = 0x200;

    public override Errno TakeError()
    {
        lock (_gate) return TakeErrorLocked();
    }

    public override long Ioctl(Task t, uint cmd, ulong arg)
    {
        int v;
        switch (cmd)
        {
            case Sock.SIOCINQ:
                lock (_gate) v = _queue.Count > 0 ? _queue.First!.Value.Data.Length : 0;
                break;
            case Sock.SIOCOUTQ:
                v = 0; // sent at once
                break;
            case Sock.SIOCGSTAMP or Sock.SIOCGSTAMPNS:
            {
                DateTime? at;
                lock (_gate) at = _lastArrival;
                if (at == null) return -(long)Errno.ENOENT;
                long ticks = at.Value.Ticks - DateTime.UnixEpoch.Ticks;
                long sec = ticks / TimeSpan.TicksPerSecond, sub = ticks % TimeSpan.TicksPerSecond;
                var ts = Pair(sec, cmd == Sock.SIOCGSTAMP ? sub / TicksPerUs : sub * NsPerTick);
                return t.Mem.Write(arg, ts) ? 0 : -(long)Errno.EFAULT;
            }
            default:
                return base.Ioctl(t, cmd, arg);
        }
        return t.Mem.Write(arg, v) ? 0 : -(long)Errno.EFAULT;
    }

    public override Errno SetOption(Task t, int level, int name, byte[] val)
    {
        if (level != Sock.SOL_UDP && !(_lite && level == SOL_UDPLITE)) return base.SetOption(t, level, name, val);
        if (val.Length < 4) return Errno.EINVAL;
        int i = BitConverter.ToInt32(val);
        switch (name)
        {
            case UDP_CORK: _cork = i != 0; return Errno.None;
            case UDPLITE_SEND_CSCOV when _lite: _sendCoverage = Coverage(i); return Errno.None;
            case UDPLITE_RECV_CSCOV when _lite: _recvCoverage = Coverage(i); return Errno.None;
            case UDP_SEGMENT or UDP_GRO: return Errno.None;
        }
        return Errno.ENOPROTOOPT;
    }

    public override Errno GetOption(Task t, int level, int name, out byte[] val)
    {
        if (level != Sock.SOL_UDP && !(_lite && level == SOL_UDPLITE)) return base.GetOption(t, level, name, out val);
        val = Array.Empty<byte>();
        switch (name)
        {
            case UDP_CORK: val = Int(_cork ? 1 : 0); return Errno.None;
            case UDPLITE_SEND_CSCOV when _lite: val = Int(_sendCoverage); return Errno.None;
            case UDPLITE_RECV_CSCOV when _lite: val = Int(_recvCoverage); return Errno.None;
            case UDP_SEGMENT or UDP_GRO: val = Int(0); return Errno.None;
        }
        return Errno.ENOPROTOOPT;
    }

    protected override void Release()
    {
        lock (_gate)
        {
            _queue.Clear();
            _queuedBytes = 0;
        }
        base.Release();
    }
}
