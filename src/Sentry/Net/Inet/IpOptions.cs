namespace AppKernel.Sentry.Net.Inet;

/// <summary>Linux's IPPROTO_IP and IPPROTO_IPV6 option names (include/uapi/linux/in.h, in6.h).</summary>
public static class IpOpt
{
    public const int IP_TOS = 1, IP_TTL = 2, IP_HDRINCL = 3, IP_OPTIONS = 4, IP_RECVOPTS = 6, IP_RETOPTS = 7,
        IP_PKTINFO = 8, IP_MTU_DISCOVER = 10, IP_RECVERR = 11, IP_RECVTTL = 12, IP_RECVTOS = 13, IP_MTU = 14,
        IP_FREEBIND = 15, IP_PASSSEC = 18, IP_TRANSPARENT = 19, IP_RECVORIGDSTADDR = 20, IP_BIND_ADDRESS_NO_PORT = 24,
        IP_MULTICAST_IF = 32, IP_MULTICAST_TTL = 33, IP_MULTICAST_LOOP = 34, IP_ADD_MEMBERSHIP = 35,
        IP_DROP_MEMBERSHIP = 36, IP_MULTICAST_ALL = 49, IP_LOCAL_PORT_RANGE = 51;

    public const int IPV6_ADDRFORM = 1, IPV6_UNICAST_HOPS = 16, IPV6_MULTICAST_IF = 17, IPV6_MULTICAST_HOPS = 18,
        IPV6_MULTICAST_LOOP = 19, IPV6_JOIN_GROUP = 20, IPV6_LEAVE_GROUP = 21, IPV6_MTU_DISCOVER = 23, IPV6_MTU = 24,
        IPV6_RECVERR = 25, IPV6_V6ONLY = 26, IPV6_RECVPKTINFO = 49, IPV6_RECVHOPLIMIT = 51, IPV6_RECVTCLASS = 66,
        IPV6_TCLASS = 67, IPV6_FREEBIND = 78;
    /// <summary>The control message types an IPv6 receive carries (IPV6_RECVPKTINFO etc. ask for them).</summary>
    public const int IPV6_PKTINFO = 50, IPV6_HOPLIMIT = 52;

    /// <summary>sysctl net.ipv4.ip_default_ttl and net.ipv6.conf.all.hop_limit.</summary>
    public const int DefaultTtl = 64;
    public const int MaxTtl = 255;
    /// <summary>IP_PMTUDISC_WANT: the default path-MTU discovery mode (ip_no_pmtu_disc = 0).</summary>
    public const int PmtuDiscWant = 1, PmtuDiscOmit = 5;
    /// <summary>The low two bits of the TOS byte are ECN, which TCP keeps for itself.</summary>
    public const int EcnMask = 3;
    /// <summary>The loopback device's MTU as IP_MTU reports it (capped at IP_MAX_MTU) and as IPV6_MTU does.</summary>
    public const int LoopbackMtu4 = 65535, LoopbackMtu6 = 65536;

    public const int IPPROTO_IP = 0, IPPROTO_ICMP = 1, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_UDPLITE = 136, IPPROTO_ICMPV6 = 58,
        IPPROTO_RAW = 255;
}

/// <summary>The IP-level state a socket keeps: set, read back; only what the loopback path honours acts.</summary>
public sealed class IpOptionState
{
    public int Tos, Ttl = -1, TClass = -1, HopLimit = -1, MulticastTtl = 1, MulticastHops = 1;
    public int MtuDiscover = IpOpt.PmtuDiscWant, Ipv6MtuDiscover = IpOpt.PmtuDiscWant;
    public bool PktInfo, RecvErr, RecvTtl, RecvTos, RecvOpts, RetOpts, FreeBind, Transparent, BindAddressNoPort,
        MulticastLoop = true, MulticastAll = true, RecvOrigDstAddr, PassSec;
    public bool V6RecvErr, V6RecvPktInfo, V6RecvHopLimit, V6RecvTClass, V6MulticastLoop = true, V6FreeBind;
    public uint MulticastIf;
    public int V6MulticastIf;
}
