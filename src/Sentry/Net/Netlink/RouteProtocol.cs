using System.Buffers.Binary;
using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Net.Netlink;

/// <summary>
/// NETLINK_ROUTE's answers, from the stack's interfaces: link, address and route dumps (as a fresh network namespace
/// with lo up shows them), the default rules, empty dumps for the tables the sandbox has none of, and EPERM (without
/// CAP_NET_ADMIN) or EOPNOTSUPP for every change — the sandbox's network is fixed.
/// </summary>
public sealed class RouteProtocol
{
    readonly NetStack _net;
    /// <summary>IFA_CACHEINFO's creation stamp: hundredths of a second since boot, taken once (the addresses never change).</summary>
    readonly uint _stamp = (uint)(Environment.TickCount64 / 10);

    public RouteProtocol(NetStack net) => _net = net;

    /// <summary>A dump's messages, then NLMSG_DONE in a datagram of its own, as Linux's netlink_dump sends them.</summary>
    public sealed record Reply(List<byte[]> Datagrams, bool Dumped);

    /// <summary>
    /// Handles one request (h and its payload after the header). Returns the errno to ack with (None: ack only if
    /// NLM_F_ACK); replies go into datagrams. A dump is never acked (its NLMSG_DONE ends it).
    /// </summary>
    public Errno Handle(Task t, NlHeader h, ReadOnlySpan<byte> payload, uint portId, bool strict, List<byte[]> datagrams,
        out bool dumped)
    {
        dumped = false;
        if (h.Type > Rtm.MAX) return Errno.EOPNOTSUPP;
        if (payload.Length < Rtm.RtGenMsgLen) return Errno.None; // Linux ignores a message too short for its family byte
        int family = payload[0];
        int kind = (h.Type - Rtm.BASE) & 3;
        if (kind != Rtm.KIND_GET)
            return t.Creds.Has(Credentials.CAP_NET_ADMIN) ? Errno.EOPNOTSUPP : Errno.EPERM;
        bool dump = (h.Flags & Nl.NLM_F_DUMP) != 0;
        var w = new NlWriter();
        bool filtered = false;
        if (!dump)
        {
            if (h.Type != Rtm.GETLINK && h.Type != Rtm.GETROUTE) return Errno.EOPNOTSUPP;
            var e = h.Type == Rtm.GETLINK ? GetLink(w, h, payload, portId) : GetRoute(t, w, h, payload, portId);
            if (e == Errno.None) datagrams.Add(w.ToArray());
            return e;
        }
        switch (h.Type)
        {
            case Rtm.GETLINK when family == Sock.AF_INET6:
                foreach (var i in _net.Interfaces) Inet6Link(w, i, h.Seq, portId); // IPv6's own dumpit
                break;
            case Rtm.GETLINK:
                foreach (var i in _net.Interfaces) Link(w, i, Nl.NLM_F_MULTI, h.Seq, portId);
                break;
            case Rtm.GETNETCONF:
                DumpNetconf(w, h, family, portId);
                break;
            case Rtm.GETADDRLABEL:
                DumpAddrLabels(w, h, family, portId);
                break;
            case Rtm.GETADDR:
                filtered = DumpAddresses(w, h, payload, family, portId, strict);
                break;
            case Rtm.GETROUTE:
                filtered = DumpRoutes(w, h, payload, family, portId, strict);
                break;
            case Rtm.GETRULE:
                DumpRules(w, h, family, portId);
                break;
            case Rtm.GETNEIGH or Rtm.GETQDISC or Rtm.GETTCLASS or Rtm.GETTFILTER or Rtm.GETACTION or Rtm.GETCHAIN
                or Rtm.GETNEIGHTBL or Rtm.GETMULTICAST or Rtm.GETANYCAST
                or Rtm.GETMDB or Rtm.GETNSID or Rtm.GETSTATS or Rtm.GETNEXTHOP or Rtm.GETNEXTHOPBUCKET or Rtm.GETVLAN
                or Rtm.GETTUNNEL:
                break; // a table the sandbox has nothing in
            default:
                return Errno.EOPNOTSUPP;
        }
        if (w.Length > 0) datagrams.Add(w.ToArray());
        datagrams.Add(Done(h.Seq, portId, filtered));
        dumped = true;
        return Errno.None;
    }

    /// <summary>NLMSG_DONE; NLM_F_DUMP_FILTERED when a strict request's filter was applied by the kernel.</summary>
    static byte[] Done(uint seq, uint portId, bool filtered)
    {
        var w = new NlWriter();
        w.Begin(Nl.NLMSG_DONE, (ushort)(Nl.NLM_F_MULTI | (filtered ? Nl.NLM_F_DUMP_FILTERED : 0)), seq, portId);
        w.Raw(stackalloc byte[4]); // the dump's status: 0
        w.End();
        return w.ToArray();
    }

    /// <summary>NLMSG_ERROR: the errno (0 for an ack) and the request's header; a failure echoes the whole request
    /// unless NETLINK_CAP_ACK (Linux's netlink_ack).</summary>
    public static byte[] Ack(Errno err, ReadOnlySpan<byte> request, uint portId, bool capAck)
    {
        var h = NlHeader.Read(request);
        bool capped = err == Errno.None || capAck;
        var w = new NlWriter();
        w.Begin(Nl.NLMSG_ERROR, capped ? Nl.NLM_F_CAPPED : (ushort)0, h.Seq, portId);
        Span<byte> e = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(e, -(int)err);
        w.Raw(e);
        w.Raw(capped ? request[..Nl.HdrLen] : request[..(int)h.Length]);
        w.End();
        return w.ToArray();
    }

    // ---- links ----

    Errno GetLink(NlWriter w, NlHeader h, ReadOnlySpan<byte> payload, uint portId)
    {
        int index = payload.Length >= Rtm.IfInfoMsgLen ? BinaryPrimitives.ReadInt32LittleEndian(payload[4..]) : 0;
        string? name = null;
        if (payload.Length > Rtm.IfInfoMsgLen && NlAttrs.Parse(payload[Rtm.IfInfoMsgLen..]).TryGetValue(Ifla.IFNAME, out var n))
            name = NlAttrs.Str(n);
        if (index == 0 && name == null) return Errno.EINVAL;
        var i = _net.Interfaces.Find(x => index != 0 ? x.Index == index : x.Name == name);
        if (i == null) return Errno.ENODEV;
        Link(w, i, 0, h.Seq, portId);
        return Errno.None;
    }

    static bool IsLoopback(NetInterface i) => (i.Flags & NetInterface.IFF_LOOPBACK) != 0;

    /// <summary>struct ifinfomsg of an interface: family, type, index, flags (no change mask).</summary>
    static void IfInfo(NlWriter w, NetInterface i, int family)
    {
        Span<byte> ifi = stackalloc byte[Rtm.IfInfoMsgLen];
        ifi[0] = (byte)family;
        BinaryPrimitives.WriteUInt16LittleEndian(ifi[2..], i.HardwareType);
        BinaryPrimitives.WriteInt32LittleEndian(ifi[4..], i.Index);
        BinaryPrimitives.WriteUInt32LittleEndian(ifi[8..], i.Flags);
        w.Raw(ifi);
    }

    /// <summary>RTM_NEWLINK for one interface, its attributes in rtnl_fill_ifinfo's order.</summary>
    static void Link(NlWriter w, NetInterface i, ushort flags, uint seq, uint portId)
    {
        w.Begin(Rtm.NEWLINK, flags, seq, portId);
        IfInfo(w, i, Sock.AF_UNSPEC);
        w.Str(Ifla.IFNAME, i.Name);
        w.U32(Ifla.TXQLEN, Ifla.LoTxQueueLen);
        w.U8(Ifla.OPERSTATE, Ifla.IF_OPER_UNKNOWN);
        w.U8(Ifla.LINKMODE, 0);
        w.U32(Ifla.MTU, (uint)i.Mtu);
        w.U32(Ifla.MIN_MTU, 0);
        w.U32(Ifla.MAX_MTU, 0);
        w.U32(Ifla.GROUP, 0);
        w.U32(Ifla.PROMISCUITY, 0);
        w.U32(Ifla.ALLMULTI, 0);
        w.U32(Ifla.NUM_TX_QUEUES, 1);
        w.U32(Ifla.GSO_MAX_SEGS, Ifla.GsoMaxSegs);
        w.U32(Ifla.GSO_MAX_SIZE, Ifla.GsoMaxSize);
        w.U32(Ifla.GRO_MAX_SIZE, Ifla.GsoMaxSize);
        w.U32(Ifla.TSO_MAX_SIZE, Ifla.TsoMaxSize);
        w.U32(Ifla.TSO_MAX_SEGS, Ifla.TsoMaxSegs);
        w.U32(Ifla.NUM_RX_QUEUES, 1);
        w.U8(Ifla.CARRIER, (i.Flags & NetInterface.IFF_LOWER_UP) != 0 ? (byte)1 : (byte)0);
        w.U32(Ifla.CARRIER_CHANGES, 0);
        w.U32(Ifla.CARRIER_UP_COUNT, 0);
        w.U32(Ifla.CARRIER_DOWN_COUNT, 0);
        w.U8(Ifla.PROTO_DOWN, 0);
        w.Attr(Ifla.ADDRESS, i.HardwareAddress);
        w.Attr(Ifla.BROADCAST, BroadcastHw(i));
        w.Zeros(Ifla.STATS64, Ifla.Stats64Len);
        w.Zeros(Ifla.STATS, Ifla.StatsLen);
        int xdp = w.BeginNest(Ifla.XDP);
        w.U8(Ifla.XDP_ATTACHED, 0);
        w.EndNest(xdp);
        w.Str(Ifla.QDISC, "noqueue");
        int spec = w.BeginNest(Ifla.AF_SPEC);
        int inet6 = w.BeginNest(Sock.AF_INET6);
        w.U32(Ifla.INET6_FLAGS, Ifla.IF_READY);
        w.U8(Ifla.INET6_ADDR_GEN_MODE, Ifla.IN6_ADDR_GEN_MODE_EUI64);
        w.EndNest(inet6);
        w.EndNest(spec);
        w.Zeros(Ifla.MAP, Ifla.IfMapLen);
        w.End();
    }

    /// <summary>RTM_NEWLINK as IPv6 dumps links (an AF_INET6 request): name, address, MTU, state and IPv6's protinfo.</summary>
    static void Inet6Link(NlWriter w, NetInterface i, uint seq, uint portId)
    {
        w.Begin(Rtm.NEWLINK, Nl.NLM_F_MULTI, seq, portId);
        IfInfo(w, i, Sock.AF_INET6);
        w.Str(Ifla.IFNAME, i.Name);
        w.Attr(Ifla.ADDRESS, i.HardwareAddress);
        w.U32(Ifla.MTU, (uint)i.Mtu);
        w.U8(Ifla.OPERSTATE, Ifla.IF_OPER_UNKNOWN);
        int info = w.BeginNest(Ifla.PROTINFO);
        w.U32(Ifla.INET6_FLAGS, Ifla.IF_READY);
        w.U8(Ifla.INET6_ADDR_GEN_MODE, Ifla.IN6_ADDR_GEN_MODE_EUI64);
        w.EndNest(info);
        w.End();
    }

    /// <summary>The link-layer broadcast address: all zeros for loopback, all ones for Ethernet.</summary>
    public static byte[] BroadcastHw(NetInterface i)
    {
        var b = new byte[i.HardwareAddress.Length];
        if (!IsLoopback(i)) Array.Fill(b, (byte)0xff);
        return b;
    }

    // ---- addresses ----

    public static bool IsV4(byte[] a) => a.Length == 4;

    /// <summary>An address's scope: host for 127/8 and ::1, link for fe80::/10, else universe.</summary>
    public static byte Scope(byte[] a) =>
        IsV4(a) ? a[0] == 127 ? Rta.RT_SCOPE_HOST : Rta.RT_SCOPE_UNIVERSE
        : a.AsSpan().SequenceEqual(System.Net.IPAddress.IPv6Loopback.GetAddressBytes()) ? Rta.RT_SCOPE_HOST
        : a[0] == 0xfe && (a[1] & 0xc0) == 0x80 ? Rta.RT_SCOPE_LINK : Rta.RT_SCOPE_UNIVERSE;

    /// <summary>The addresses (of one interface, if a strict request names its index); true if so filtered.</summary>
    bool DumpAddresses(NlWriter w, NlHeader h, ReadOnlySpan<byte> payload, int family, uint portId, bool strict)
    {
        int index = strict && payload.Length >= Rtm.IfAddrMsgLen ? BinaryPrimitives.ReadInt32LittleEndian(payload[4..]) : 0;
        // All IPv4 addresses first, then IPv6, as rtnl_dump_all walks the families.
        foreach (bool v4 in new[] { true, false })
        {
            if (family != Sock.AF_UNSPEC && family != (v4 ? Sock.AF_INET : Sock.AF_INET6)) continue;
            foreach (var i in _net.Interfaces)
            {
                if (index != 0 && i.Index != index) continue;
                foreach (var (addr, plen) in i.Addresses)
                    if (IsV4(addr) == v4) Address(w, i, addr, plen, h.Seq, portId);
            }
        }
        return index != 0;
    }

    void Address(NlWriter w, NetInterface i, byte[] addr, int plen, uint seq, uint portId)
    {
        bool v4 = IsV4(addr);
        w.Begin(Rtm.NEWADDR, Nl.NLM_F_MULTI, seq, portId);
        Span<byte> ifa = stackalloc byte[Rtm.IfAddrMsgLen];
        ifa[0] = (byte)(v4 ? Sock.AF_INET : Sock.AF_INET6);
        ifa[1] = (byte)plen;
        ifa[2] = Ifa.IFA_F_PERMANENT;
        ifa[3] = Scope(addr);
        BinaryPrimitives.WriteInt32LittleEndian(ifa[4..], i.Index);
        w.Raw(ifa);
        w.Attr(Ifa.ADDRESS, addr);
        if (v4)
        {
            w.Attr(Ifa.LOCAL, addr);
            if ((i.Flags & NetInterface.IFF_BROADCAST) != 0) w.Attr(Ifa.BROADCAST, V4Broadcast(addr, plen));
            w.Str(Ifa.LABEL, i.Name);
            w.U32(Ifa.FLAGS, Ifa.IFA_F_PERMANENT);
            CacheInfo(w);
        }
        else
        {
            CacheInfo(w);
            w.U32(Ifa.FLAGS, Ifa.IFA_F_PERMANENT);
            if (IsLoopback(i)) w.U8(Ifa.PROTO, Ifa.IFAPROT_KERNEL_LO);
        }
        w.End();
    }

    void CacheInfo(NlWriter w)
    {
        Span<byte> c = stackalloc byte[Ifa.CacheInfoLen];
        BinaryPrimitives.WriteUInt32LittleEndian(c, Ifa.INFINITY_LIFE_TIME);       // preferred
        BinaryPrimitives.WriteUInt32LittleEndian(c[4..], Ifa.INFINITY_LIFE_TIME);  // valid
        BinaryPrimitives.WriteUInt32LittleEndian(c[8..], _stamp);                  // created
        BinaryPrimitives.WriteUInt32LittleEndian(c[12..], _stamp);                 // updated
        w.Attr(Ifa.CACHEINFO, c);
    }

    public static uint V4Mask(int plen) => plen == 0 ? 0 : uint.MaxValue << (32 - plen);
    static uint V4(byte[] a) => BinaryPrimitives.ReadUInt32BigEndian(a);
    static byte[] V4Bytes(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, v); return b; }
    public static byte[] V4Broadcast(byte[] a, int plen) => V4Bytes(V4(a) | ~V4Mask(plen));

    // ---- routes ----

    /// <summary>A route as fib_add_ifaddr (IPv4) and addrconf (IPv6) make it for an interface's address.</summary>
    public sealed record Route(byte[] Dst, int DstLen, byte Table, byte Scope, byte Type, byte[]? PrefSrc, int Oif);

    /// <summary>The routes the interfaces' addresses imply: for IPv4 a local /32, the subnet (local on a loopback
    /// device, else a link-scope unicast route in main) and the subnet's broadcast; for IPv6 the local /128.</summary>
    public IEnumerable<Route> Routes(bool v4)
    {
        var all = new List<Route>();
        foreach (var i in _net.Interfaces)
        {
            if ((i.Flags & NetInterface.IFF_UP) == 0) continue;
            foreach (var (addr, plen) in i.Addresses)
            {
                if (IsV4(addr) != v4) continue;
                if (!v4)
                {
                    all.Add(new Route(addr, 128, Rta.RT_TABLE_LOCAL, Rta.RT_SCOPE_UNIVERSE, Rta.RTN_LOCAL, null, i.Index));
                    continue;
                }
                all.Add(new Route(addr, 32, Rta.RT_TABLE_LOCAL, Rta.RT_SCOPE_HOST, Rta.RTN_LOCAL, addr, i.Index));
                uint prefix = V4(addr) & V4Mask(plen);
                if (plen < 32)
                    all.Add(IsLoopback(i)
                        ? new Route(V4Bytes(prefix), plen, Rta.RT_TABLE_LOCAL, Rta.RT_SCOPE_HOST, Rta.RTN_LOCAL, addr, i.Index)
                        : new Route(V4Bytes(prefix), plen, Rta.RT_TABLE_MAIN, Rta.RT_SCOPE_LINK, Rta.RTN_UNICAST, addr, i.Index));
                if (plen < 31)
                    all.Add(new Route(V4Broadcast(addr, plen), 32, Rta.RT_TABLE_LOCAL, Rta.RT_SCOPE_LINK, Rta.RTN_BROADCAST, addr, i.Index));
            }
        }
        // The fib dumps the main table before local, each in key order (shorter prefixes first for equal keys).
        return all.OrderBy(r => r.Table == Rta.RT_TABLE_LOCAL)
            .ThenBy(r => Convert.ToHexString(r.Dst), StringComparer.Ordinal).ThenBy(r => r.DstLen);
    }

    /// <summary>The routes (of one table, if a strict request names it); true if so filtered.</summary>
    bool DumpRoutes(NlWriter w, NlHeader h, ReadOnlySpan<byte> payload, int family, uint portId, bool strict)
    {
        int table = -1;
        if (payload.Length >= Rtm.RtMsgLen)
        {
            if ((BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]) & Rta.RTM_F_CLONED) != 0) return false; // no route cache
            if (strict && NlAttrs.Parse(payload[Rtm.RtMsgLen..]).TryGetValue(Rta.TABLE, out var tb) && tb.Length >= 4)
                table = BinaryPrimitives.ReadInt32LittleEndian(tb);
        }
        foreach (bool v4 in new[] { true, false })
        {
            if (family != Sock.AF_UNSPEC && family != (v4 ? Sock.AF_INET : Sock.AF_INET6)) continue;
            foreach (var r in Routes(v4))
            {
                if (table > 0 && r.Table != table) continue;
                RouteMessage(w, r, v4, h.Seq, portId);
            }
        }
        return table > 0;
    }

    static void RouteMessage(NlWriter w, Route r, bool v4, uint seq, uint portId)
    {
        w.Begin(Rtm.NEWROUTE, Nl.NLM_F_MULTI, seq, portId);
        Span<byte> rtm = stackalloc byte[Rtm.RtMsgLen];
        rtm[0] = (byte)(v4 ? Sock.AF_INET : Sock.AF_INET6);
        rtm[1] = (byte)r.DstLen;
        rtm[4] = r.Table;
        rtm[5] = Rta.RTPROT_KERNEL;
        rtm[6] = r.Scope;
        rtm[7] = r.Type;
        w.Raw(rtm);
        w.U32(Rta.TABLE, r.Table);
        w.Attr(Rta.DST, r.Dst);
        if (v4)
        {
            if (r.PrefSrc != null) w.Attr(Rta.PREFSRC, r.PrefSrc);
            w.U32(Rta.OIF, (uint)r.Oif);
        }
        else
        {
            w.U32(Rta.PRIORITY, 0);
            w.U32(Rta.OIF, (uint)r.Oif);
            w.Zeros(Rta.CACHEINFO, Rta.RtaCacheInfoLen);
            w.U8(Rta.PREF, Rta.ICMPV6_ROUTER_PREF_MEDIUM);
        }
        w.End();
    }

    /// <summary>ip route get: a destination on a loopback interface's subnet (IPv4) or one of its addresses (IPv6)
    /// is local, answered as Linux's lookup answers it; anything else is unreachable (there is no other route).</summary>
    Errno GetRoute(Task t, NlWriter w, NlHeader h, ReadOnlySpan<byte> payload, uint portId)
    {
        if (payload.Length < Rtm.RtMsgLen) return Errno.EINVAL;
        int family = payload[0];
        if (family != Sock.AF_INET && family != Sock.AF_INET6) return Errno.EAFNOSUPPORT;
        bool v4 = family == Sock.AF_INET;
        var attrs = NlAttrs.Parse(payload[Rtm.RtMsgLen..]);
        var dst = attrs.TryGetValue(Rta.DST, out var d) && d.Length == (v4 ? 4 : 16) ? d : new byte[v4 ? 4 : 16];
        NetInterface? dev = null;
        byte[]? src = null;
        foreach (var i in _net.Interfaces)
        {
            if (!IsLoopback(i) || (i.Flags & NetInterface.IFF_UP) == 0) continue;
            foreach (var (a, plen) in i.Addresses)
            {
                if (IsV4(a) != v4) continue;
                bool hit = v4 ? (V4(a) & V4Mask(plen)) == (V4(dst) & V4Mask(plen)) : a.AsSpan().SequenceEqual(dst);
                if (hit) { dev = i; src = a; break; }
            }
            if (dev != null) break;
        }
        if (dev == null) return Errno.ENETUNREACH;
        w.Begin(Rtm.NEWROUTE, 0, h.Seq, portId);
        Span<byte> rtm = stackalloc byte[Rtm.RtMsgLen];
        rtm[0] = (byte)family;
        rtm[1] = (byte)(v4 ? 32 : 128);
        rtm[7] = Rta.RTN_LOCAL;
        Span<byte> cache = stackalloc byte[Rta.RtaCacheInfoLen];
        BinaryPrimitives.WriteUInt32LittleEndian(cache, Rta.LookupRefs);
        if (v4)
        {
            // A cloned route of the lookup, reported in the main table as Linux's fib lookup does.
            rtm[4] = Rta.RT_TABLE_MAIN;
            BinaryPrimitives.WriteUInt32LittleEndian(rtm[8..], Rta.RTM_F_CLONED | Rta.RTCF_LOCAL);
            w.Raw(rtm);
            w.U32(Rta.TABLE, Rta.RT_TABLE_MAIN);
            w.Attr(Rta.DST, dst);
            w.U32(Rta.OIF, (uint)dev.Index);
            w.Attr(Rta.PREFSRC, src!);
            w.U32(Rta.UID, t.Creds.Uid);
            w.Attr(Rta.CACHEINFO, cache);
        }
        else
        {
            rtm[2] = 128; // the source the lookup used: unspecified
            rtm[4] = Rta.RT_TABLE_LOCAL;
            rtm[5] = Rta.RTPROT_KERNEL;
            w.Raw(rtm);
            w.U32(Rta.TABLE, Rta.RT_TABLE_LOCAL);
            w.Attr(Rta.DST, dst);
            w.Attr(Rta.SRC, new byte[16]);
            w.Attr(Rta.PREFSRC, src!);
            w.U32(Rta.PRIORITY, 0);
            w.U32(Rta.OIF, (uint)dev.Index);
            w.Attr(Rta.CACHEINFO, cache);
            w.U8(Rta.PREF, Rta.ICMPV6_ROUTER_PREF_MEDIUM);
        }
        w.End();
        return Errno.None;
    }

    // ---- netconf ----

    /// <summary>Forwarding is off everywhere: per interface, then "all" and "default", IPv4 before IPv6.</summary>
    void DumpNetconf(NlWriter w, NlHeader h, int family, uint portId)
    {
        var ids = _net.Interfaces.Select(i => i.Index).Append(Netconf.IFINDEX_ALL).Append(Netconf.IFINDEX_DEFAULT).ToList();
        var ncm = new byte[Rtm.NetconfMsgLen];
        foreach (bool v4 in new[] { true, false })
        {
            if (family != Sock.AF_UNSPEC && family != (v4 ? Sock.AF_INET : Sock.AF_INET6)) continue;
            ncm[0] = (byte)(v4 ? Sock.AF_INET : Sock.AF_INET6);
            foreach (int id in ids)
            {
                w.Begin(Rtm.NEWNETCONF, Nl.NLM_F_MULTI, h.Seq, portId);
                w.Raw(ncm);
                w.U32(Netconf.IFINDEX, (uint)id);
                w.U32(Netconf.FORWARDING, 0);
                if (v4) w.U32(Netconf.RP_FILTER, 0);
                w.U32(Netconf.MC_FORWARDING, 0);
                if (v4) w.U32(Netconf.BC_FORWARDING, 0);
                w.U32(Netconf.PROXY_NEIGH, 0);
                w.U32(Netconf.IGNORE_ROUTES_WITH_LINKDOWN, 0);
                w.End();
            }
        }
    }

    // ---- address labels ----

    static void DumpAddrLabels(NlWriter w, NlHeader h, int family, uint portId)
    {
        if (family != Sock.AF_UNSPEC && family != Sock.AF_INET6) return;
        var msg = new byte[Rtm.IfAddrLblMsgLen];
        msg[0] = Sock.AF_INET6;
        // ifal_seq: the table's change count, one per default entry added at boot.
        BinaryPrimitives.WriteUInt32LittleEndian(msg.AsSpan(8), (uint)AddrLabel.Defaults.Length);
        foreach (var (prefix, len, label) in AddrLabel.Defaults)
        {
            w.Begin(Rtm.NEWADDRLABEL, Nl.NLM_F_MULTI, h.Seq, portId);
            msg[2] = (byte)len;
            w.Raw(msg);
            w.Attr(AddrLabel.IFAL_ADDRESS, System.Net.IPAddress.Parse(prefix).MapToIPv6().GetAddressBytes());
            w.U32(AddrLabel.IFAL_LABEL, label);
            w.End();
        }
    }

    // ---- rules ----

    /// <summary>The default policy rules of a fresh namespace: (family, table, priority).</summary>
    static readonly (int Family, byte Table, uint Priority)[] DefaultRules =
    {
        (Sock.AF_INET, Rta.RT_TABLE_LOCAL, 0), (Sock.AF_INET, Rta.RT_TABLE_MAIN, 32766), (Sock.AF_INET, Rta.RT_TABLE_DEFAULT, 32767),
        (Rta.RTNL_FAMILY_IPMR, Rta.RT_TABLE_DEFAULT, 32767), (Rta.RTNL_FAMILY_IP6MR, Rta.RT_TABLE_MAIN, 32767),
        (Sock.AF_INET6, Rta.RT_TABLE_LOCAL, 0), (Sock.AF_INET6, Rta.RT_TABLE_MAIN, 32766),
    };

    static void DumpRules(NlWriter w, NlHeader h, int family, uint portId)
    {
        Span<byte> frh = stackalloc byte[Rtm.FibRuleHdrLen];
        foreach (var (fam, table, prio) in DefaultRules)
        {
            if (family != Sock.AF_UNSPEC && family != fam) continue;
            w.Begin(Rtm.NEWRULE, Nl.NLM_F_MULTI, h.Seq, portId);
            frh.Clear();
            frh[0] = (byte)fam;
            frh[4] = table;
            frh[7] = Rta.FR_ACT_TO_TBL;
            w.Raw(frh);
            w.U32(Rta.FRA_TABLE, table);
            w.U32(Rta.FRA_SUPPRESS_PREFIXLEN, uint.MaxValue);
            w.U8(Rta.FRA_PROTOCOL, Rta.RTPROT_KERNEL);
            if (prio != 0) w.U32(Rta.FRA_PRIORITY, prio);
            w.End();
        }
    }
}
