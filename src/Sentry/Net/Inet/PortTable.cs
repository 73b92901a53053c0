namespace AppKernel.Sentry.Net.Inet;

/// <summary>
/// One protocol's ports (TCP's or UDP's): which sockets hold each port, Linux's bind-conflict rules
/// (inet_csk_bind_conflict, udp_lib_lport_inuse: overlapping addresses conflict unless both sockets set
/// SO_REUSEADDR and neither listens, or both set SO_REUSEPORT under one uid), ephemeral ports, and the lookups
/// delivery makes. Its lock is a leaf: nothing else is locked while it is held.
/// </summary>
public sealed class PortTable
{
    /// <summary>net.ipv4.ip_local_port_range.</summary>
    public const int EphemeralLow = 32768, EphemeralHigh = 60999;
    const int MaxPort = 65535;

    readonly object _lock = new();
    readonly Dictionary<int, List<InetSocket>> _ports = new();
    int _next = Random.Shared.Next(EphemeralLow, EphemeralHigh + 1);

    /// <summary>Binds s to addr:port (port 0: an ephemeral one) unless a holder of the port conflicts.</summary>
    public Errno Bind(InetSocket s, InetAddr addr, int port)
    {
        lock (_lock)
        {
            if (port == 0) return BindEphemeral(s, addr);
            if (_ports.TryGetValue(port, out var holders))
                foreach (var other in holders)
                    if (other != s && Conflicts(s, addr, other)) return Errno.EADDRINUSE;
            Add(s, addr, port);
            return Errno.None;
        }
    }

    Errno BindEphemeral(InetSocket s, InetAddr addr)
    {
        const int span = EphemeralHigh - EphemeralLow + 1;
        for (int i = 0; i < span; i++)
        {
            int port = EphemeralLow + (_next - EphemeralLow + i) % span;
            if (_ports.TryGetValue(port, out var holders) && holders.Count > 0) continue;
            _next = port + 1 > EphemeralHigh ? EphemeralLow : port + 1;
            Add(s, addr, port);
            return Errno.None;
        }
        return Errno.EADDRINUSE;
    }

    void Add(InetSocket s, InetAddr addr, int port)
    {
        if (!_ports.TryGetValue(port, out var holders)) _ports[port] = holders = new List<InetSocket>();
        holders.Add(s);
        s.InTable = true;
        s.LocalBox = new(new InetEndpoint(addr, (ushort)port));
    }

    /// <summary>An accepted socket shares its listener's port (Linux's inet_inherit_port): no conflict check.</summary>
    public void AddChild(InetSocket s, InetEndpoint local)
    {
        lock (_lock) Add(s, local.Addr, local.Port);
    }

    /// <summary>listen(2) checks the port again, now as a listener (Linux's inet_csk_listen_start → get_port).</summary>
    public Errno CheckListen(InetSocket s)
    {
        lock (_lock)
        {
            if (!_ports.TryGetValue(s.Local.Port, out var holders)) return Errno.None;
            foreach (var other in holders)
                if (other != s && Conflicts(s, s.Local.Addr, other)) return Errno.EADDRINUSE;
            return Errno.None;
        }
    }

    public void Unbind(InetSocket s)
    {
        lock (_lock)
        {
            int port = s.Local.Port;
            if (s.InTable && _ports.TryGetValue(port, out var holders))
            {
                s.InTable = false;
                holders.Remove(s);
                if (holders.Count == 0) _ports.Remove(port);
            }
        }
    }

    /// <summary>The sockets holding port (a copy, to look at without the lock).</summary>
    public List<InetSocket> At(int port)
    {
        lock (_lock) return _ports.TryGetValue(port, out var h) ? new List<InetSocket>(h) : new List<InetSocket>();
    }

    public List<InetSocket> All()
    {
        lock (_lock)
        {
            var all = new List<InetSocket>();
            foreach (var h in _ports.Values) all.AddRange(h);
            return all;
        }
    }

    static bool Conflicts(InetSocket s, InetAddr addr, InetSocket other)
    {
        // Both SO_REUSEADDR and the holder not listening: no conflict (listen's second check too, so of two such
        // sockets the first to listen wins and the second's listen fails).
        if (s.Options.ReuseAddr && other.Options.ReuseAddr && !other.ListeningForTable) return false;
        if (s.Options.ReusePort && other.Options.ReusePort && s.OwnerUid == other.OwnerUid) return false;
        return Overlap(s.IsV6, addr, s.V6Only, other);
    }

    /// <summary>Linux's inet_rcv_saddr_equal with wildcards matching: whether two bound names share an address.</summary>
    internal static bool Overlap(bool v6, InetAddr a1, bool v6Only1, InetSocket other)
    {
        var a2 = other.Local.Addr;
        bool v6Only2 = other.IsV6 && other.V6Only;
        if (!v6) return V4Equal(a1.RcvSaddr4, a2.RcvSaddr4, v6Only2);
        // ipv6_rcv_saddr_equal: an AF_INET socket's address counts as mapped.
        var t1 = Kind(a1);
        var t2 = other.IsV6 ? Kind(a2) : AddrKind.Mapped;
        if (t1 == AddrKind.Mapped && t2 == AddrKind.Mapped) return V4Equal(a1.RcvSaddr4, a2.RcvSaddr4, v6Only2);
        if (t1 == AddrKind.Any && t2 == AddrKind.Any) return true;
        if (t2 == AddrKind.Any && !(v6Only2 && t1 == AddrKind.Mapped)) return true;
        if (t1 == AddrKind.Any && !(v6Only1 && t2 == AddrKind.Mapped)) return true;
        return other.IsV6 && a1 == a2;
    }

    static bool V4Equal(uint a1, uint a2, bool v6Only2) => !v6Only2 && (a1 == a2 || a1 == 0 || a2 == 0);

    enum AddrKind { Any, Mapped, Other }
    static AddrKind Kind(InetAddr a) => a == InetAddr.Any6 ? AddrKind.Any : a.IsV4 ? AddrKind.Mapped : AddrKind.Other;

    /// <summary>Whether a socket bound to local (of family v6, V6ONLY or not) receives traffic addressed to dst.</summary>
    internal static bool Accepts(InetSocket s, InetAddr dst)
    {
        var local = s.Local.Addr;
        if (!s.IsV6) return dst.IsV4 && (local == InetAddr.Any4 || local == dst);
        if (dst.IsV4)
        {
            if (s.V6Only) return false;
            return local == InetAddr.Any6 || local == InetAddr.Any4 || local == dst;
        }
        return local == InetAddr.Any6 || local == dst;
    }

    /// <summary>How well a socket matches (higher is better): an exact address beats a wildcard, an AF_INET socket an
    /// AF_INET6 one for IPv4 traffic (Linux's compute_score).</summary>
    internal static int Score(InetSocket s, InetAddr dst)
    {
        int score = 1;
        if (!s.Local.Addr.IsAny) score += 4;
        if (!s.IsV6 && dst.IsV4) score += 1;
        return score;
    }
}
