namespace AppKernel.Sentry.Net.Netlink;

/// <summary>Netlink's vocabulary (include/uapi/linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h, fib_rules.h).</summary>
public static class Nl
{
    // Protocols (the socket's third argument).
    public const int NETLINK_ROUTE = 0, MAX_LINKS = 32;

    /// <summary>struct sockaddr_nl: family u16, pad u16, pid u32, groups u32.</summary>
    public const int SockaddrLen = 12;
    /// <summary>struct nlmsghdr: len u32, type u16, flags u16, seq u32, pid u32.</summary>
    public const int HdrLen = 16;
    public const int Align = 4;
    /// <summary>struct nlattr / rtattr: len u16, type u16.</summary>
    public const int AttrHdrLen = 4;

    // Control message types (below NLMSG_MIN_TYPE nothing is dispatched to the protocol).
    public const ushort NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_OVERRUN = 4, NLMSG_MIN_TYPE = 0x10;

    // nlmsg_flags.
    public const ushort NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4, NLM_F_ECHO = 0x8, NLM_F_DUMP_FILTERED = 0x20,
        NLM_F_ROOT = 0x100, NLM_F_MATCH = 0x200, NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH,
        NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;

    // SOL_NETLINK options.
    public const int NETLINK_ADD_MEMBERSHIP = 1, NETLINK_DROP_MEMBERSHIP = 2, NETLINK_PKTINFO = 3,
        NETLINK_BROADCAST_ERROR = 4, NETLINK_NO_ENOBUFS = 5, NETLINK_LISTEN_ALL_NSID = 8,
        NETLINK_LIST_MEMBERSHIPS = 9, NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11, NETLINK_GET_STRICT_CHK = 12;

    /// <summary>Linux's first port id tried when the task's tgid is taken (then counting down).</summary>
    public const int AutoBindRoverStart = -4096;
}

/// <summary>rtnetlink message types (RTM_*): kind = (type - RTM_BASE) &amp; 3 is NEW, DEL, GET or SET.</summary>
public static class Rtm
{
    public const ushort BASE = 16,
        NEWLINK = 16, DELLINK = 17, GETLINK = 18, SETLINK = 19,
        NEWADDR = 20, DELADDR = 21, GETADDR = 22,
        NEWROUTE = 24, DELROUTE = 25, GETROUTE = 26,
        NEWNEIGH = 28, DELNEIGH = 29, GETNEIGH = 30,
        NEWRULE = 32, DELRULE = 33, GETRULE = 34,
        NEWQDISC = 36, GETQDISC = 38, GETTCLASS = 42, GETTFILTER = 46, GETACTION = 50,
        GETMULTICAST = 58, GETANYCAST = 62, GETNEIGHTBL = 66, NEWADDRLABEL = 72, GETADDRLABEL = 74,
        NEWNETCONF = 80, GETNETCONF = 82, GETMDB = 86, GETNSID = 90, GETSTATS = 94,
        GETNEXTHOP = 106, GETCHAIN = 102, GETLINKPROP = 110, GETVLAN = 114, GETNEXTHOPBUCKET = 118,
        GETTUNNEL = 122;
    /// <summary>The last type Linux 6.1's rtnetlink knows; past it, EOPNOTSUPP.</summary>
    public const ushort MAX = 123;
    public const int KIND_NEW = 0, KIND_DEL = 1, KIND_GET = 2, KIND_SET = 3;

    // struct ifinfomsg (16), ifaddrmsg (8), rtmsg (12), fib_rule_hdr (12), netconfmsg (4): sizes.
    public const int IfAddrLblMsgLen = 12, IfInfoMsgLen = 16, IfAddrMsgLen = 8, RtMsgLen = 12, FibRuleHdrLen = 12, NetconfMsgLen = 4,
        RtGenMsgLen = 1;
}

/// <summary>Link attributes (IFLA_*) and the values lo reports.</summary>
public static class Ifla
{
    public const ushort ADDRESS = 1, BROADCAST = 2, IFNAME = 3, MTU = 4, QDISC = 6, STATS = 7, TXQLEN = 13, MAP = 14,
        OPERSTATE = 16, LINKMODE = 17, AF_SPEC = 26, GROUP = 27, EXT_MASK = 29, PROMISCUITY = 30, NUM_TX_QUEUES = 31,
        NUM_RX_QUEUES = 32, CARRIER = 33, CARRIER_CHANGES = 35, PROTO_DOWN = 39, GSO_MAX_SEGS = 40, GSO_MAX_SIZE = 41,
        XDP = 43, CARRIER_UP_COUNT = 47, CARRIER_DOWN_COUNT = 48, MIN_MTU = 50, MAX_MTU = 51, GRO_MAX_SIZE = 58,
        TSO_MAX_SIZE = 59, TSO_MAX_SEGS = 60, ALLMULTI = 61, STATS64 = 23;
    public const ushort XDP_ATTACHED = 2;
    public const ushort PROTINFO = 12;
    public const ushort INET6_FLAGS = 1, INET6_ADDR_GEN_MODE = 8;
    public const byte IF_OPER_UNKNOWN = 0, IN6_ADDR_GEN_MODE_EUI64 = 0;
    /// <summary>IF_READY: inet6 on the device is up.</summary>
    public const uint IF_READY = 0x80000000;
    /// <summary>struct rtnl_link_stats64 (25 u64 since 6.0) and rtnl_link_stats (25 u32), struct rtnl_link_ifmap.</summary>
    public const int Stats64Len = 200, StatsLen = 100 - 4, IfMapLen = 32;
    /// <summary>What lo reports: the GSO/TSO limits of a fresh loopback device.</summary>
    public const uint LoTxQueueLen = 1000, GsoMaxSegs = 65535, GsoMaxSize = 65536, TsoMaxSize = 524280, TsoMaxSegs = 65535;
}

/// <summary>Address attributes (IFA_*).</summary>
public static class Ifa
{
    public const ushort ADDRESS = 1, LOCAL = 2, LABEL = 3, BROADCAST = 4, CACHEINFO = 6, FLAGS = 8, PROTO = 11;
    public const byte IFA_F_PERMANENT = 0x80;
    public const byte IFAPROT_KERNEL_LO = 1;
    public const uint INFINITY_LIFE_TIME = 0xffffffff;
    public const int CacheInfoLen = 16;
}

/// <summary>Route attributes (RTA_*) and rtmsg's values.</summary>
public static class Rta
{
    public const ushort DST = 1, SRC = 2, OIF = 4, UID = 25, PRIORITY = 6, PREFSRC = 7, CACHEINFO = 12, TABLE = 15, PREF = 20;
    public const byte RT_TABLE_MAIN = 254, RT_TABLE_LOCAL = 255, RT_TABLE_DEFAULT = 253;
    public const byte RTPROT_KERNEL = 2;
    public const byte RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RT_SCOPE_HOST = 254;
    public const byte RTN_UNICAST = 1, RTN_LOCAL = 2, RTN_BROADCAST = 3;
    public const int RtaCacheInfoLen = 32;
    /// <summary>rtm_flags: a route made for one lookup (ip route get's "cache"), and a dump of the route cache.</summary>
    public const uint RTM_F_CLONED = 0x200;
    /// <summary>The cached route's RTCF_LOCAL, which an IPv4 lookup copies into rtm_flags (ip shows "cache &lt;local&gt;").</summary>
    public const uint RTCF_LOCAL = 0x80000000;
    /// <summary>struct rta_cacheinfo's rta_clntref: the lookup's own reference and the route's.</summary>
    public const uint LookupRefs = 2;
    public const byte ICMPV6_ROUTER_PREF_MEDIUM = 0;
    /// <summary>fib rules: FRA_* and the rule actions.</summary>
    public const ushort FRA_PRIORITY = 6, FRA_SUPPRESS_PREFIXLEN = 14, FRA_TABLE = 15, FRA_PROTOCOL = 21;
    public const byte FR_ACT_TO_TBL = 1;
    public const int RTNL_FAMILY_IPMR = 128, RTNL_FAMILY_IP6MR = 129;
}

/// <summary>RTM_NEWNETCONF attributes: a device's (or all's, or the default's) forwarding configuration.</summary>
public static class Netconf
{
    public const ushort IFINDEX = 1, FORWARDING = 2, RP_FILTER = 3, MC_FORWARDING = 4, PROXY_NEIGH = 5,
        IGNORE_ROUTES_WITH_LINKDOWN = 6, BC_FORWARDING = 8;
    public const int IFINDEX_ALL = -1, IFINDEX_DEFAULT = -2;
}

/// <summary>IPv6 address labels (RFC 6724's policy table, as Linux's ip6addrlbl_init_table fills it).</summary>
public static class AddrLabel
{
    public const ushort IFAL_ADDRESS = 1, IFAL_LABEL = 2;

    /// <summary>The default table in Linux's dump order: (prefix, length, label).</summary>
    public static readonly (string Prefix, int Length, uint Label)[] Defaults =
    {
        ("::1", 128, 0), ("::", 96, 3), ("::ffff:0.0.0.0", 96, 4), ("2001::", 32, 6), ("2001:10::", 28, 7),
        ("3ffe::", 16, 12), ("2002::", 16, 2), ("fec0::", 10, 11), ("fc00::", 7, 5), ("::", 0, 1),
    };
}
