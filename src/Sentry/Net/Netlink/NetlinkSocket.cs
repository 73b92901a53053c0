using System.Buffers.Binary;
using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Net.Netlink;

/// <summary>
/// An AF_NETLINK socket of NETLINK_ROUTE (SOCK_RAW or SOCK_DGRAM: the same, as Linux). A send is a batch of requests
/// the kernel side (<see cref="RouteProtocol"/>) answers at once into this socket's receive queue; each reply keeps its
/// datagram boundary, so MSG_PEEK|MSG_TRUNC sizes the next one as iproute2 asks. A send to another socket's port id
/// is delivered to it as one datagram.
/// </summary>
public sealed class NetlinkSocket : Socket
{
    readonly NetlinkFamily _family;
    readonly object _gate = new();
    /// <summary>Datagrams waiting to be read, each with the port id of its sender (0: the kernel).</summary>
    readonly LinkedList<(byte[] Data, uint From)> _rx = new();
    uint _portId;
    bool _bound;
    uint _groups, _dstPid, _dstGroups;
    bool _pktInfo, _extAck, _capAck, _strict, _noEnobufs, _broadcastError, _listenAllNsid;

    public NetlinkSocket(NetlinkFamily family, int type, int protocol, int flags) : base(Sock.AF_NETLINK, type, protocol, flags)
        => _family = family;

    static byte[] SockaddrNl(uint pid, uint groups)
    {
        var b = new byte[Nl.SockaddrLen];
        BinaryPrimitives.WriteUInt16LittleEndian(b, Sock.AF_NETLINK);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), pid);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), groups);
        return b;
    }

    /// <summary>A sockaddr_nl from the guest: short ones and other families are EINVAL.</summary>
    static Errno ParseAddr(byte[] addr, out uint pid, out uint groups)
    {
        pid = groups = 0;
        if (addr.Length < Nl.SockaddrLen || BinaryPrimitives.ReadUInt16LittleEndian(addr) != Sock.AF_NETLINK) return Errno.EINVAL;
        pid = BinaryPrimitives.ReadUInt32LittleEndian(addr.AsSpan(4));
        groups = BinaryPrimitives.ReadUInt32LittleEndian(addr.AsSpan(8));
        return Errno.None;
    }

    // ---- names ----

    public override Errno Bind(Task t, byte[] addr)
    {
        var e = ParseAddr(addr, out uint pid, out uint groups);
        if (e != Errno.None) return e;
        lock (_gate)
        {
            if (_bound && pid != _portId) return Errno.EINVAL; // even pid 0: Linux compares with the port held
            if (!_bound)
            {
                e = pid == 0 ? _family.AutoBind(t, this, out _portId) : _family.Bind(pid, this);
                if (e != Errno.None) return e;
                if (pid != 0) _portId = pid;
                _bound = true;
            }
            _groups = groups; // rtnetlink lets anyone listen (NL_CFG_F_NONROOT_RECV); nothing is multicast here
        }
        return Errno.None;
    }

    /// <summary>Linux's netlink_autobind before a send or connect of an unbound socket.</summary>
    Errno EnsureBound(Task t)
    {
        lock (_gate)
        {
            if (_bound) return Errno.None;
            var e = _family.AutoBind(t, this, out _portId);
            if (e == Errno.None) _bound = true;
            return e;
        }
    }

    public override Errno Connect(Task t, byte[] addr, bool nonblock)
    {
        if (addr.Length >= 2 && BinaryPrimitives.ReadUInt16LittleEndian(addr) == Sock.AF_UNSPEC)
        {
            lock (_gate) _dstPid = _dstGroups = 0;
            return Errno.None;
        }
        var e = ParseAddr(addr, out uint pid, out uint groups);
        if (e != Errno.None) return e;
        if ((groups != 0 || pid != 0) && !MaySendToUsers(t)) return Errno.EPERM;
        e = EnsureBound(t);
        if (e != Errno.None) return e;
        lock (_gate) (_dstPid, _dstGroups) = (pid, groups);
        return Errno.None;
    }

    public override Errno GetSockName(out byte[] addr)
    {
        lock (_gate) addr = SockaddrNl(_portId, _groups);
        return Errno.None;
    }

    public override Errno GetPeerName(out byte[] addr)
    {
        lock (_gate) addr = SockaddrNl(_dstPid, _dstGroups);
        return Errno.None;
    }

    public override Errno Shutdown(Task t, int how) => Errno.EOPNOTSUPP;

    // ---- data ----

    /// <summary>rtnetlink lacks NL_CFG_F_NONROOT_SEND: only CAP_NET_ADMIN sends to another socket or a group.</summary>
    static bool MaySendToUsers(Task t) => t.Creds.Has(Credentials.CAP_NET_ADMIN);

    bool DontWait(int flags) => NonBlocking || (flags & Sock.MSG_DONTWAIT) != 0;

    protected override long SendCore(Task t, ReadOnlySpan<byte> data, SendMessage msg)
    {
        if ((msg.Flags & Sock.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        uint dstPid, dstGroups;
        lock (_gate) (dstPid, dstGroups) = (_dstPid, _dstGroups);
        if (msg.To != null)
        {
            var e = ParseAddr(msg.To, out dstPid, out dstGroups);
            if (e != Errno.None) return -(long)e;
            if ((dstGroups != 0 || dstPid != 0) && !MaySendToUsers(t)) return -(long)Errno.EPERM;
        }
        var be = EnsureBound(t);
        if (be != Errno.None) return -(long)be;
        if (data.Length > Options.SendBuffer - 32) return -(long)Errno.EMSGSIZE;
        if (dstPid != 0)
        {
            var peer = _family.Lookup(dstPid);
            if (peer == null) return -(long)Errno.ECONNREFUSED;
            peer.Deliver(data.ToArray(), _portId);
            return data.Length;
        }
        if (dstGroups != 0) return data.Length; // a multicast nobody in the sandbox listens to
        var replies = new List<byte[]>();
        ProcessRequests(t, data, replies);
        if (replies.Count > 0)
        {
            lock (_gate)
            {
                foreach (var r in replies) _rx.AddLast((r, 0u));
                Monitor.PulseAll(_gate);
            }
            NotifyWaiters();
        }
        return data.Length;
    }

    /// <summary>Linux's netlink_rcv_skb: each complete message in turn; control types and non-requests are not
    /// handled; an error or NLM_F_ACK is acked (a dump is not: its NLMSG_DONE ends it).</summary>
    void ProcessRequests(Task t, ReadOnlySpan<byte> data, List<byte[]> replies)
    {
        while (data.Length >= Nl.HdrLen)
        {
            var h = NlHeader.Read(data);
            if (h.Length < Nl.HdrLen || h.Length > data.Length) return;
            var req = data[..(int)h.Length];
            var err = Errno.None;
            bool dumped = false;
            if ((h.Flags & Nl.NLM_F_REQUEST) != 0 && h.Type >= Nl.NLMSG_MIN_TYPE)
                err = Protocol == Nl.NETLINK_ROUTE
                    ? _family.Route.Handle(t, h, req[Nl.HdrLen..], _portId, _strict, replies, out dumped)
                    : Errno.EOPNOTSUPP;
            if (!dumped && (err != Errno.None || (h.Flags & Nl.NLM_F_ACK) != 0))
                replies.Add(RouteProtocol.Ack(err, req, _portId, _capAck));
            int next = ((int)h.Length + Nl.Align - 1) & ~(Nl.Align - 1);
            if (next >= data.Length) return;
            data = data[next..];
        }
    }

    /// <summary>A datagram from the kernel side (an mq_notify SIGEV_THREAD cookie), as Linux's netlink_sendskb.</summary>
    public void DeliverFromKernel(byte[] data) => Deliver(data, 0);

    /// <summary>A datagram from another netlink socket of the sandbox.</summary>
    void Deliver(byte[] data, uint from)
    {
        lock (_gate)
        {
            _rx.AddLast((data, from));
            Monitor.PulseAll(_gate);
        }
        NotifyWaiters();
    }

    public override long Recv(Task t, Span<byte> dst, RecvMessage msg)
    {
        if ((msg.Flags & Sock.MSG_OOB) != 0) return -(long)Errno.EOPNOTSUPP;
        bool peek = (msg.Flags & Sock.MSG_PEEK) != 0;
        bool nonblock = DontWait(msg.Flags);
        long deadline = Deadline(send: false);
        (byte[] Data, uint From) d;
        lock (_gate)
        {
            while (_rx.Count == 0)
            {
                if (nonblock) return -(long)Errno.EAGAIN;
                long r = Block(t, _gate, deadline);
                if (r != 0) return r;
            }
            d = _rx.First!.Value;
            if (!peek) _rx.RemoveFirst();
        }
        int n = Math.Min(d.Data.Length, dst.Length);
        d.Data.AsSpan(0, n).CopyTo(dst);
        if (d.Data.Length > dst.Length) msg.OutFlags |= Sock.MSG_TRUNC;
        msg.FullLength = d.Data.Length;
        msg.From = SockaddrNl(d.From, 0);
        if (msg.WantCreds) msg.Creds = new UCred(0, 0, 0); // from the kernel: pid 0, root
        return n;
    }

    public override short Readiness(short events)
    {
        int r = POLLOUT | POLLWRNORM;
        lock (_gate) if (_rx.Count > 0) r |= POLLIN | POLLRDNORM;
        return (short)(r & (events | POLLERR | POLLHUP));
    }

    // ---- options ----

    public override Errno SetOption(Task t, int level, int name, byte[] val)
    {
        if (level != Sock.SOL_NETLINK) return base.SetOption(t, level, name, val);
        int v = val.Length >= sizeof(int) ? BitConverter.ToInt32(val) : 0; // Linux reads a short value as 0
        lock (_gate)
        {
            switch (name)
            {
                case Nl.NETLINK_ADD_MEMBERSHIP or Nl.NETLINK_DROP_MEMBERSHIP:
                {
                    const int MaxGroups = 32; // rtnetlink's RTNLGRP_MAX is larger; bits past 32 are kept nowhere
                    if (v == 0) return Errno.EINVAL; // group 0 is none (Linux: EINVAL)
                    if (v <= MaxGroups)
                    {
                        uint bit = 1u << (v - 1);
                        _groups = name == Nl.NETLINK_ADD_MEMBERSHIP ? _groups | bit : _groups & ~bit;
                    }
                    return Errno.None;
                }
                case Nl.NETLINK_PKTINFO: _pktInfo = v != 0; return Errno.None;
                case Nl.NETLINK_BROADCAST_ERROR: _broadcastError = v != 0; return Errno.None;
                case Nl.NETLINK_NO_ENOBUFS: _noEnobufs = v != 0; return Errno.None;
                case Nl.NETLINK_LISTEN_ALL_NSID:
                    if (!t.Creds.Has(Credentials.CAP_NET_BROADCAST)) return Errno.EPERM;
                    _listenAllNsid = v != 0;
                    return Errno.None;
                case Nl.NETLINK_CAP_ACK: _capAck = v != 0; return Errno.None;
                case Nl.NETLINK_EXT_ACK: _extAck = v != 0; return Errno.None;
                case Nl.NETLINK_GET_STRICT_CHK: _strict = v != 0; return Errno.None;
            }
        }
        return Errno.ENOPROTOOPT;
    }

    public override Errno GetOption(Task t, int level, int name, out byte[] val)
    {
        if (level != Sock.SOL_NETLINK) return base.GetOption(t, level, name, out val);
        val = Array.Empty<byte>();
        lock (_gate)
        {
            bool? flag = name switch
            {
                Nl.NETLINK_PKTINFO => _pktInfo,
                Nl.NETLINK_BROADCAST_ERROR => _broadcastError,
                Nl.NETLINK_NO_ENOBUFS => _noEnobufs,
                Nl.NETLINK_LISTEN_ALL_NSID => _listenAllNsid,
                Nl.NETLINK_CAP_ACK => _capAck,
                Nl.NETLINK_EXT_ACK => _extAck,
                Nl.NETLINK_GET_STRICT_CHK => _strict,
                _ => null,
            };
            if (flag is { } f) { val = Int(f ? 1 : 0); return Errno.None; }
            if (name == Nl.NETLINK_LIST_MEMBERSHIPS) { val = BitConverter.GetBytes(_groups); return Errno.None; }
        }
        return Errno.ENOPROTOOPT;
    }

    protected override void Release()
    {
        lock (_gate)
        {
            if (_bound) _family.Unbind(_portId, this);
            _rx.Clear();
        }
    }
}

/// <summary>AF_NETLINK's provider: NETLINK_ROUTE sockets (SOCK_RAW or SOCK_DGRAM) and the port ids they hold.</summary>
public sealed class NetlinkFamily : ISocketFamily
{
    readonly Dictionary<uint, NetlinkSocket> _ports = new();
    int _rover = Nl.AutoBindRoverStart;
    public RouteProtocol Route { get; }

    public NetlinkFamily(NetStack net) => Route = new RouteProtocol(net);

    public Errno Create(Task t, int type, int protocol, int flags, out Socket? socket)
    {
        socket = null;
        if (type != Sock.SOCK_RAW && type != Sock.SOCK_DGRAM) return Errno.ESOCKTNOSUPPORT;
        if (protocol < 0 || protocol >= Nl.MAX_LINKS || protocol != Nl.NETLINK_ROUTE) return Errno.EPROTONOSUPPORT;
        socket = new NetlinkSocket(this, type, protocol, flags);
        return Errno.None;
    }

    public Errno Bind(uint pid, NetlinkSocket s)
    {
        lock (_ports) return _ports.TryAdd(pid, s) ? Errno.None : Errno.EADDRINUSE;
    }

    /// <summary>The task's tgid if free, else a negative id counting down from -4096 (Linux's netlink_autobind).</summary>
    public Errno AutoBind(Task t, NetlinkSocket s, out uint pid)
    {
        lock (_ports)
        {
            pid = (uint)t.Tgid;
            if (_ports.TryAdd(pid, s)) return Errno.None;
            for (int i = 0; i < int.MaxValue; i++)
            {
                pid = (uint)_rover--;
                if (_rover > Nl.AutoBindRoverStart) _rover = Nl.AutoBindRoverStart; // wrapped past int.MinValue
                if (_ports.TryAdd(pid, s)) return Errno.None;
            }
        }
        return Errno.EADDRINUSE;
    }

    public NetlinkSocket? Lookup(uint pid)
    {
        lock (_ports) return _ports.GetValueOrDefault(pid);
    }

    public void Unbind(uint pid, NetlinkSocket s)
    {
        lock (_ports)
            if (_ports.TryGetValue(pid, out var cur) && cur == s) _ports.Remove(pid);
    }
}
