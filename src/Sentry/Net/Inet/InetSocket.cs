using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Net.Inet;

/// <summary>
/// What TCP and UDP sockets of the loopback stack share: the local name (bind, autobind, getsockname), the port
/// table, and the IPPROTO_IP / IPPROTO_IPV6 options. Addresses are kept in IPv6 form (<see cref="InetAddr"/>), so an
/// AF_INET6 socket talking to IPv4 simply holds IPv4-mapped addresses.
/// </summary>
public abstract class InetSocket : Socket
{
    /// <summary>Ports below this need CAP_NET_BIND_SERVICE (PROT_SOCK).</summary>
    public const int PrivilegedPorts = 1024;

    internal readonly InetStack Stack;
    /// <summary>The bound address and port; Port 0 while unbound.</summary>
    internal volatile Box<InetEndpoint> LocalBox;
    /// <summary>The connected peer (TCP or connected UDP), or default.</summary>
    internal volatile Box<InetEndpoint> RemoteBox = new(default);
    internal readonly uint OwnerUid;
    internal volatile bool V6Only;
    /// <summary>bind chose the address (SOCK_BINDADDR_LOCK) / the port (SOCK_BINDPORT_LOCK): a disconnect keeps them.</summary>
    protected bool UserBoundAddr, UserBoundPort;
    internal readonly IpOptionState Ip = new();

    protected InetSocket(InetStack stack, int family, int type, int protocol, int flags, uint uid)
        : base(family, type, protocol, flags)
    {
        Stack = stack;
        OwnerUid = uid;
        LocalBox = new(new InetEndpoint(IsV6 ? InetAddr.Any6 : InetAddr.Any4, 0));
    }

    public bool IsV6 => Family == Sock.AF_INET6;
    internal InetEndpoint Local => LocalBox.Value;
    internal InetEndpoint Remote => RemoteBox.Value;
    /// <summary>Whether the socket holds its port in the port table (Linux's inet_num). A port given back keeps its
    /// number in the name (inet_sport), as getsockname after a refused connect shows.</summary>
    internal bool Bound => InTable;
    internal volatile bool InTable;
    internal abstract PortTable Table { get; }
    /// <summary>Whether the port table should count this socket as a listener (TCP_LISTEN) for bind conflicts.</summary>
    internal virtual bool ListeningForTable => false;
    /// <summary>The TCP state number /proc/net shows (UDP: 7 unconnected, 1 connected).</summary>
    internal abstract int StateNumber { get; }
    internal abstract int RxQueueBytes { get; }
    internal abstract int TxQueueBytes { get; }

    internal InetAddr AnyAddr => IsV6 ? InetAddr.Any6 : InetAddr.Any4;

    // ---- names ----

    public override Errno Bind(Task t, byte[] addr)
    {
        var e = ParseBind(t, addr, out var ep);
        if (e != Errno.None) return e;
        lock (BindGate)
        {
            if (Bound || !CanBind) return Errno.EINVAL;
            e = Table.Bind(this, ep.Addr, ep.Port);
            if (e != Errno.None) return e;
            UserBoundAddr = !ep.Addr.IsAny;
            UserBoundPort = ep.Port != 0;
        }
        return Errno.None;
    }

    /// <summary>The lock bind and connect take to change the local name.</summary>
    protected abstract object BindGate { get; }
    /// <summary>Whether the socket may still be bound (TCP: only in CLOSE).</summary>
    protected virtual bool CanBind => true;

    /// <summary>Linux's inet_bind / inet6_bind checks, in their order.</summary>
    Errno ParseBind(Task t, byte[] addr, out InetEndpoint ep)
    {
        ep = default;
        Errno e;
        if (!IsV6 && addr.Length >= InetSockaddr.SizeIn && InetSockaddr.FamilyOf(addr) == Sock.AF_UNSPEC)
        {
            // As Linux: AF_UNSPEC is taken for AF_INET when the address is INADDR_ANY (old programs' habit).
            e = InetSockaddr.Parse(Retag(addr, Sock.AF_INET), Family, out ep);
            if (e != Errno.None) return e;
            if (!ep.Addr.IsAny) return Errno.EAFNOSUPPORT;
        }
        else
        {
            e = InetSockaddr.Parse(addr, Family, out ep);
            if (e != Errno.None) return e;
        }
        if (!IsV6 && !Bindable(ep.Addr)) return Errno.EADDRNOTAVAIL;
        if (ep.Port != 0 && ep.Port < PrivilegedPorts && !t.Creds.Has(Credentials.CAP_NET_BIND_SERVICE)) return Errno.EACCES;
        if (IsV6)
        {
            if (ep.Addr.IsV4 && V6Only) return Errno.EINVAL;
            if (!Bindable(ep.Addr)) return Errno.EADDRNOTAVAIL;
        }
        return Errno.None;
    }

    static byte[] Retag(byte[] addr, int family)
    {
        var copy = (byte[])addr.Clone();
        BitConverter.TryWriteBytes(copy, (ushort)family);
        return copy;
    }

    /// <summary>A local address of the sandbox (only the loopback device is there), a wildcard, or multicast/broadcast.</summary>
    static bool Bindable(InetAddr a) =>
        a.IsAny || a.IsLoopback || a.IsMulticast || (a.IsV4 && a.V4Value == uint.MaxValue);

    /// <summary>The source address the loopback route gives for dst (127.0.0.1, ::1, or IPv4-mapped 127.0.0.1).</summary>
    internal static InetAddr SourceFor(InetAddr dst) => dst.IsV4 ? InetAddr.LoopbackV4 : InetAddr.Loopback6;

    /// <summary>Whether dst is reachable: only loopback is (the sandbox has no other interface).</summary>
    internal static bool Reachable(InetAddr dst) => dst.IsLoopback;

    /// <summary>Connect's destination: the wildcard means this host's loopback, as Linux.</summary>
    internal InetAddr ConnectTarget(InetAddr dst)
    {
        if (!dst.IsAny) return dst;
        return dst.IsV4 || Local.Addr.IsV4 ? InetAddr.LoopbackV4 : InetAddr.Loopback6;
    }

    /// <summary>Binds an ephemeral port before a connect or send (caller holds BindGate). With none left, Linux's
    /// TCP connect fails with EADDRNOTAVAIL and UDP's inet_autobind with EAGAIN.</summary>
    internal Errno AutoBind()
    {
        if (Bound) return Errno.None;
        var e = Table.Bind(this, Local.Addr, 0);
        if (e == Errno.EADDRINUSE) return Type == Sock.SOCK_STREAM ? Errno.EADDRNOTAVAIL : Errno.EAGAIN;
        return e;
    }

    /// <summary>connect's part TCP and UDP share, under the socket's gate: the target as this socket reaches it (a
    /// wildcard is the loopback), an ephemeral port when unbound, the source address fixed, the peer recorded.</summary>
    internal Errno SetRemote(ref InetEndpoint dst)
    {
        dst = new InetEndpoint(ConnectTarget(dst.Addr), dst.Port);
        if (!Reachable(dst.Addr)) return Errno.ENETUNREACH;
        var e = AutoBind();
        if (e != Errno.None) return e;
        FixSource(dst.Addr);
        RemoteBox = new(dst);
        return Errno.None;
    }

    /// <summary>A connect fixes a wildcard local address to the route's source.</summary>
    internal void FixSource(InetAddr dst)
    {
        if (Local.Addr.IsAny) LocalBox = new(new InetEndpoint(SourceFor(dst), Local.Port));
    }

    /// <summary>A disconnect (or a failed connect) gives back what bind did not choose. UDP also forgets the port
    /// number (inet_sport); TCP's name keeps it, as Linux's getsockname shows.</summary>
    internal void ResetName(bool forgetPort = false)
    {
        if (!UserBoundAddr) LocalBox = new(new InetEndpoint(AnyAddr, Local.Port));
        if (!UserBoundPort && Bound)
        {
            Table.Unbind(this);
            if (forgetPort) LocalBox = new(new InetEndpoint(Local.Addr, 0));
        }
        RemoteBox = new(default);
    }

    public override Errno GetSockName(out byte[] addr)
    {
        addr = InetSockaddr.Format(Local, Family);
        return Errno.None;
    }

    protected byte[] Format(InetEndpoint ep) => InetSockaddr.Format(ep, Family);

    // ---- IP-level options ----

    /// <summary>setsockopt: SOL_SOCKET, IPPROTO_IP and (AF_INET6) IPPROTO_IPV6; the protocol level is the subclass's.</summary>
    public override Errno SetOption(Task t, int level, int name, byte[] val)
    {
        if (level == Sock.SOL_SOCKET && name == Sock.SO_PASSCRED) return Errno.EOPNOTSUPP; // Unix and netlink only
        if (level == Sock.SOL_SOCKET) return base.SetOption(t, level, name, val);
        if (level == Sock.SOL_IP) return SetIp(t, name, val);
        if (level == Sock.SOL_IPV6 && IsV6) return SetIpv6(t, name, val);
        return Errno.ENOPROTOOPT;
    }

    public override Errno GetOption(Task t, int level, int name, out byte[] val)
    {
        val = Array.Empty<byte>();
        if (level == Sock.SOL_SOCKET)
        {
            switch (name)
            {
                case Sock.SO_PASSCRED: return Errno.EOPNOTSUPP;
                case Sock.SO_PEERCRED:
                    val = NoPeerCred.ToBytes(); // only Unix sockets carry credentials
                    return Errno.None;
                case Sock.SO_PEERNAME:
                    return GetPeerName(out val);
            }
            return base.GetOption(t, level, name, out val);
        }
        if (level == Sock.SOL_IP) return GetIp(name, out val);
        if (level == Sock.SOL_IPV6 && IsV6) return GetIpv6(name, out val);
        return IsV6 ? Errno.ENOPROTOOPT : Errno.EOPNOTSUPP; // as Linux's ip_getsockopt / ipv6_getsockopt
    }

    /// <summary>An option's integer as Linux's ip_setsockopt reads it: an int, or a single byte when shorter.</summary>
    protected static int IntOf(byte[] v) => v.Length >= 4 ? BitConverter.ToInt32(v) : v.Length >= 1 ? v[0] : 0;

    Errno SetIp(Task t, int name, byte[] v)
    {
        int i = IntOf(v);
        switch (name)
        {
            case IpOpt.IP_TOS:
                Ip.Tos = Type == Sock.SOCK_STREAM ? (i & ~IpOpt.EcnMask) | (Ip.Tos & IpOpt.EcnMask) : i & 0xff;
                return Errno.None;
            case IpOpt.IP_TTL:
                if (v.Length < 1) return Errno.EINVAL;
                if (i != -1 && (i < 1 || i > IpOpt.MaxTtl)) return Errno.EINVAL;
                Ip.Ttl = i;
                return Errno.None;
            case IpOpt.IP_MTU_DISCOVER:
                if (i < 0 || i > IpOpt.PmtuDiscOmit) return Errno.EINVAL;
                Ip.MtuDiscover = i;
                return Errno.None;
            case IpOpt.IP_PKTINFO: Ip.PktInfo = i != 0; return Errno.None;
            case IpOpt.IP_RECVERR: Ip.RecvErr = i != 0; return Errno.None;
            case IpOpt.IP_RECVTTL: Ip.RecvTtl = i != 0; return Errno.None;
            case IpOpt.IP_RECVTOS: Ip.RecvTos = i != 0; return Errno.None;
            case IpOpt.IP_RECVOPTS: Ip.RecvOpts = i != 0; return Errno.None;
            case IpOpt.IP_RETOPTS: Ip.RetOpts = i != 0; return Errno.None;
            case IpOpt.IP_FREEBIND: Ip.FreeBind = i != 0; return Errno.None;
            case IpOpt.IP_PASSSEC: Ip.PassSec = i != 0; return Errno.None;
            case IpOpt.IP_RECVORIGDSTADDR: Ip.RecvOrigDstAddr = i != 0; return Errno.None;
            case IpOpt.IP_BIND_ADDRESS_NO_PORT: Ip.BindAddressNoPort = i != 0; return Errno.None;
            case IpOpt.IP_TRANSPARENT:
                if (!t.Creds.Has(Credentials.CAP_NET_RAW) && !t.Creds.Has(Credentials.CAP_NET_ADMIN)) return Errno.EPERM;
                Ip.Transparent = i != 0;
                return Errno.None;
            case IpOpt.IP_MULTICAST_TTL:
                if (Type == Sock.SOCK_STREAM) return Errno.EINVAL;
                if (v.Length < 1) return Errno.EINVAL;
                if (i == -1) i = 1;
                if (i < 0 || i > IpOpt.MaxTtl) return Errno.EINVAL;
                Ip.MulticastTtl = i;
                return Errno.None;
            case IpOpt.IP_MULTICAST_LOOP:
                if (v.Length < 1) return Errno.EINVAL;
                Ip.MulticastLoop = i != 0;
                return Errno.None;
            case IpOpt.IP_MULTICAST_ALL:
                if (v.Length < 1) return Errno.EINVAL;
                Ip.MulticastAll = i != 0;
                return Errno.None;
            case IpOpt.IP_MULTICAST_IF:
                if (Type == Sock.SOCK_STREAM) return Errno.EINVAL;
                if (v.Length < 4) return Errno.EINVAL;
                Ip.MulticastIf = BitConverter.ToUInt32(v);
                return Errno.None;
            case IpOpt.IP_ADD_MEMBERSHIP or IpOpt.IP_DROP_MEMBERSHIP:
                if (v.Length < 8) return Errno.EINVAL;
                return name == IpOpt.IP_ADD_MEMBERSHIP ? Errno.ENODEV : Errno.EADDRNOTAVAIL; // no multicast route here
            case IpOpt.IP_OPTIONS:
                return v.Length > 40 ? Errno.EINVAL : Errno.None;
            case IpOpt.IP_HDRINCL:
                return Errno.ENOPROTOOPT; // raw sockets only
        }
        return Errno.ENOPROTOOPT;
    }

    Errno GetIp(int name, out byte[] v)
    {
        v = Array.Empty<byte>();
        int? i = name switch
        {
            IpOpt.IP_TOS => Ip.Tos,
            IpOpt.IP_TTL => Ip.Ttl == -1 ? IpOpt.DefaultTtl : Ip.Ttl,
            IpOpt.IP_MTU_DISCOVER => Ip.MtuDiscover,
            IpOpt.IP_PKTINFO => Ip.PktInfo ? 1 : 0,
            IpOpt.IP_RECVERR => Ip.RecvErr ? 1 : 0,
            IpOpt.IP_RECVTTL => Ip.RecvTtl ? 1 : 0,
            IpOpt.IP_RECVTOS => Ip.RecvTos ? 1 : 0,
            IpOpt.IP_RECVOPTS => Ip.RecvOpts ? 1 : 0,
            IpOpt.IP_RETOPTS => Ip.RetOpts ? 1 : 0,
            IpOpt.IP_FREEBIND => Ip.FreeBind ? 1 : 0,
            IpOpt.IP_PASSSEC => Ip.PassSec ? 1 : 0,
            IpOpt.IP_RECVORIGDSTADDR => Ip.RecvOrigDstAddr ? 1 : 0,
            IpOpt.IP_BIND_ADDRESS_NO_PORT => Ip.BindAddressNoPort ? 1 : 0,
            IpOpt.IP_TRANSPARENT => Ip.Transparent ? 1 : 0,
            IpOpt.IP_MULTICAST_TTL => Ip.MulticastTtl,
            IpOpt.IP_MULTICAST_LOOP => Ip.MulticastLoop ? 1 : 0,
            IpOpt.IP_MULTICAST_ALL => Ip.MulticastAll ? 1 : 0,
            IpOpt.IP_MULTICAST_IF => (int)Ip.MulticastIf,
            _ => null,
        };
        if (name == IpOpt.IP_MTU)
        {
            if (!HasPeer) return Errno.ENOTCONN;
            i = IpOpt.LoopbackMtu4;
        }
        if (name == IpOpt.IP_OPTIONS) return Errno.None; // no options: empty
        if (i == null) return Errno.ENOPROTOOPT;
        v = Int(i.Value);
        return Errno.None;
    }

    /// <summary>Whether the socket has a peer (IP_MTU / IPV6_MTU need a route).</summary>
    protected abstract bool HasPeer { get; }

    Errno SetIpv6(Task t, int name, byte[] v)
    {
        if (v.Length < 4 && name != IpOpt.IPV6_MULTICAST_LOOP) return Errno.EINVAL;
        int i = v.Length >= 4 ? BitConverter.ToInt32(v) : IntOf(v);
        switch (name)
        {
            case IpOpt.IPV6_V6ONLY:
                lock (BindGate)
                {
                    if (Bound) return Errno.EINVAL;
                    V6Only = i != 0;
                }
                return Errno.None;
            case IpOpt.IPV6_UNICAST_HOPS:
                if (i < -1 || i > IpOpt.MaxTtl) return Errno.EINVAL;
                Ip.HopLimit = i;
                return Errno.None;
            case IpOpt.IPV6_MULTICAST_HOPS:
                if (Type == Sock.SOCK_STREAM) return Errno.ENOPROTOOPT;
                if (i < -1 || i > IpOpt.MaxTtl) return Errno.EINVAL;
                Ip.MulticastHops = i == -1 ? 1 : i;
                return Errno.None;
            case IpOpt.IPV6_MULTICAST_LOOP:
                if (Type == Sock.SOCK_STREAM) return Errno.ENOPROTOOPT;
                if (i != 0 && i != 1) return Errno.EINVAL;
                Ip.V6MulticastLoop = i != 0;
                return Errno.None;
            case IpOpt.IPV6_MULTICAST_IF:
                if (Type == Sock.SOCK_STREAM) return Errno.ENOPROTOOPT;
                if (i != 0 && i != NetInterface.Loopback.Index) return Errno.ENODEV;
                Ip.V6MulticastIf = i;
                return Errno.None;
            case IpOpt.IPV6_TCLASS:
                if (i < -1 || i > IpOpt.MaxTtl) return Errno.EINVAL;
                Ip.TClass = i;
                return Errno.None;
            case IpOpt.IPV6_MTU_DISCOVER:
                if (i < 0 || i > IpOpt.PmtuDiscOmit) return Errno.EINVAL;
                Ip.Ipv6MtuDiscover = i;
                return Errno.None;
            case IpOpt.IPV6_RECVERR: Ip.V6RecvErr = i != 0; return Errno.None;
            case IpOpt.IPV6_RECVPKTINFO: Ip.V6RecvPktInfo = i != 0; return Errno.None;
            case IpOpt.IPV6_RECVHOPLIMIT: Ip.V6RecvHopLimit = i != 0; return Errno.None;
            case IpOpt.IPV6_RECVTCLASS: Ip.V6RecvTClass = i != 0; return Errno.None;
            case IpOpt.IPV6_FREEBIND: Ip.V6FreeBind = i != 0; return Errno.None;
            case IpOpt.IPV6_JOIN_GROUP or IpOpt.IPV6_LEAVE_GROUP:
                return name == IpOpt.IPV6_JOIN_GROUP ? Errno.ENODEV : Errno.EADDRNOTAVAIL;
        }
        return Errno.ENOPROTOOPT;
    }

    Errno GetIpv6(int name, out byte[] v)
    {
        v = Array.Empty<byte>();
        int? i = name switch
        {
            IpOpt.IPV6_V6ONLY => V6Only ? 1 : 0,
            IpOpt.IPV6_UNICAST_HOPS => Ip.HopLimit == -1 ? IpOpt.DefaultTtl : Ip.HopLimit,
            IpOpt.IPV6_MULTICAST_HOPS => Ip.MulticastHops,
            IpOpt.IPV6_MULTICAST_LOOP => Ip.V6MulticastLoop ? 1 : 0,
            IpOpt.IPV6_MULTICAST_IF => Ip.V6MulticastIf,
            IpOpt.IPV6_TCLASS => Ip.TClass == -1 ? 0 : Ip.TClass,
            IpOpt.IPV6_MTU_DISCOVER => Ip.Ipv6MtuDiscover,
            IpOpt.IPV6_RECVERR => Ip.V6RecvErr ? 1 : 0,
            IpOpt.IPV6_RECVPKTINFO => Ip.V6RecvPktInfo ? 1 : 0,
            IpOpt.IPV6_RECVHOPLIMIT => Ip.V6RecvHopLimit ? 1 : 0,
            IpOpt.IPV6_RECVTCLASS => Ip.V6RecvTClass ? 1 : 0,
            IpOpt.IPV6_FREEBIND => Ip.V6FreeBind ? 1 : 0,
            _ => null,
        };
        if (name == IpOpt.IPV6_MTU)
        {
            if (!HasPeer) return Errno.ENOTCONN;
            i = IpOpt.LoopbackMtu6;
        }
        if (i == null) return Errno.ENOPROTOOPT;
        v = Int(i.Value);
        return Errno.None;
    }

    /// <summary>SO_PEERCRED of a socket that has no credentials: no pid, uid and gid -1.</summary>
    static readonly UCred NoPeerCred = new(0, uint.MaxValue, uint.MaxValue);

    protected bool DontWait(int flags) => NonBlocking || (flags & Sock.MSG_DONTWAIT) != 0;

    protected override void Release()
    {
        if (Bound) Table.Unbind(this);
    }
}

/// <summary>An immutable holder, so an endpoint (two words and a port) is read and replaced atomically.</summary>
internal sealed record Box<T>(T Value);
