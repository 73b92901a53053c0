using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Net.Inet;

/// <summary>
/// AF_INET's or AF_INET6's provider on the loopback stack: SOCK_STREAM is TCP, SOCK_DGRAM UDP (Linux's inet_create
/// errnos for the rest). Another provider (host sockets) replaces it by registering for the same family.
/// </summary>
public sealed class InetFamily : ISocketFamily
{
    /// <summary>SOCK_DCCP: a type Linux knows and this stack does not serve.</summary>
    const int SockDccp = 6;

    readonly InetStack _stack;
    readonly int _family;

    public InetFamily(InetStack stack, int family)
    {
        _stack = stack;
        _family = family;
    }

    public Errno Create(Task t, int type, int protocol, int flags, out Socket? socket)
    {
        socket = null;
        uint uid = t.Creds.Euid;
        switch (type)
        {
            case Sock.SOCK_STREAM:
                if (protocol != 0 && protocol != IpOpt.IPPROTO_TCP) return Errno.EPROTONOSUPPORT;
                socket = new TcpSocket(_stack, _family, flags, uid);
                return Errno.None;
            case Sock.SOCK_DGRAM:
                // ICMP echo ("ping") sockets: net.ipv4.ping_group_range is empty by default.
                if (protocol == (_family == Sock.AF_INET ? IpOpt.IPPROTO_ICMP : IpOpt.IPPROTO_ICMPV6)) return Errno.EACCES;
                if (protocol != 0 && protocol != IpOpt.IPPROTO_UDP && protocol != IpOpt.IPPROTO_UDPLITE) return Errno.EPROTONOSUPPORT;
                socket = new UdpSocket(_stack, _family, flags, uid, lite: protocol == IpOpt.IPPROTO_UDPLITE);
                return Errno.None;
            case Sock.SOCK_RAW or Sock.SOCK_PACKET:
                return Errno.EPERM; // raw sockets are not served (as without CAP_NET_RAW)
            default:
                return Errno.ESOCKTNOSUPPORT; // SOCK_SEQPACKET (no SCTP), SOCK_RDM, SOCK_DCCP …
        }
    }
}
