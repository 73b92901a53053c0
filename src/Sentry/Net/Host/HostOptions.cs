namespace AppKernel.Sentry.Net.Host;

/// <summary>The socket options a guest's host socket may set or read on the host: what TCP/UDP programs use, and
/// nothing that attaches programs, changes routing or marks packets (SO_ATTACH_FILTER, SO_MARK, SO_BINDTODEVICE …).</summary>
static class HostOptions
{
    /// <summary>The largest value read back (struct tcp_info is 232 bytes in Linux 6.1).</summary>
    public const int MaxValue = 512;

    const int IPPROTO_IP = 0, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_IPV6 = 41;

    // include/uapi/linux/tcp.h
    const int TCP_NODELAY = 1, TCP_MAXSEG = 2, TCP_CORK = 3, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5, TCP_KEEPCNT = 6,
        TCP_SYNCNT = 7, TCP_LINGER2 = 8, TCP_DEFER_ACCEPT = 9, TCP_WINDOW_CLAMP = 10, TCP_INFO = 11, TCP_QUICKACK = 12,
        TCP_CONGESTION = 13, TCP_USER_TIMEOUT = 18, TCP_FASTOPEN = 23, TCP_NOTSENT_LOWAT = 25;
    // include/uapi/linux/in.h and in6.h
    const int IP_TOS = 1, IP_TTL = 2, IP_PKTINFO = 8, IP_MTU_DISCOVER = 10, IP_RECVERR = 11, IP_RECVTOS = 13, IP_MTU = 14,
        IP_FREEBIND = 15, IP_MULTICAST_TTL = 33, IP_MULTICAST_LOOP = 34, IP_BIND_ADDRESS_NO_PORT = 24;
    const int IPV6_UNICAST_HOPS = 16, IPV6_MULTICAST_HOPS = 18, IPV6_MULTICAST_LOOP = 19, IPV6_V6ONLY = 26,
        IPV6_RECVPKTINFO = 49, IPV6_TCLASS = 67;
    const int UDP_CORK = 1;

    static readonly HashSet<(int, int)> Settable = new()
    {
        (Sock.SOL_SOCKET, Sock.SO_REUSEADDR), (Sock.SOL_SOCKET, Sock.SO_REUSEPORT), (Sock.SOL_SOCKET, Sock.SO_KEEPALIVE),
        (Sock.SOL_SOCKET, Sock.SO_SNDBUF), (Sock.SOL_SOCKET, Sock.SO_RCVBUF), (Sock.SOL_SOCKET, Sock.SO_LINGER),
        (Sock.SOL_SOCKET, Sock.SO_BROADCAST), (Sock.SOL_SOCKET, Sock.SO_OOBINLINE), (Sock.SOL_SOCKET, Sock.SO_RCVLOWAT),
        (Sock.SOL_SOCKET, Sock.SO_PRIORITY),
        (IPPROTO_TCP, TCP_NODELAY), (IPPROTO_TCP, TCP_MAXSEG), (IPPROTO_TCP, TCP_CORK), (IPPROTO_TCP, TCP_KEEPIDLE),
        (IPPROTO_TCP, TCP_KEEPINTVL), (IPPROTO_TCP, TCP_KEEPCNT), (IPPROTO_TCP, TCP_SYNCNT), (IPPROTO_TCP, TCP_LINGER2),
        (IPPROTO_TCP, TCP_DEFER_ACCEPT), (IPPROTO_TCP, TCP_WINDOW_CLAMP), (IPPROTO_TCP, TCP_QUICKACK),
        (IPPROTO_TCP, TCP_CONGESTION), (IPPROTO_TCP, TCP_USER_TIMEOUT), (IPPROTO_TCP, TCP_FASTOPEN),
        (IPPROTO_TCP, TCP_NOTSENT_LOWAT), (IPPROTO_UDP, UDP_CORK),
        (IPPROTO_IP, IP_TOS), (IPPROTO_IP, IP_TTL), (IPPROTO_IP, IP_MTU_DISCOVER), (IPPROTO_IP, IP_FREEBIND),
        (IPPROTO_IP, IP_MULTICAST_TTL), (IPPROTO_IP, IP_MULTICAST_LOOP), (IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT),
        (IPPROTO_IPV6, IPV6_UNICAST_HOPS), (IPPROTO_IPV6, IPV6_MULTICAST_HOPS), (IPPROTO_IPV6, IPV6_MULTICAST_LOOP),
        (IPPROTO_IPV6, IPV6_V6ONLY), (IPPROTO_IPV6, IPV6_TCLASS),
    };

    static readonly HashSet<(int, int)> ReadOnly = new()
    {
        (Sock.SOL_SOCKET, Sock.SO_TYPE), (Sock.SOL_SOCKET, Sock.SO_DOMAIN), (Sock.SOL_SOCKET, Sock.SO_PROTOCOL),
        (Sock.SOL_SOCKET, Sock.SO_ERROR), (Sock.SOL_SOCKET, Sock.SO_ACCEPTCONN), (Sock.SOL_SOCKET, Sock.SO_SNDLOWAT),
        (IPPROTO_TCP, TCP_INFO), (IPPROTO_IP, IP_MTU),
    };

    public static bool Allowed(int level, int name, bool set) =>
        Settable.Contains((level, name)) || (!set && ReadOnly.Contains((level, name)));
}
