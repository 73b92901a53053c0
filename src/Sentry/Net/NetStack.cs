using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Net.Inet;
using AppKernel.Sentry.Net.Netlink;
using AppKernel.Sentry.Net.Unix;

namespace AppKernel.Sentry.Net;

/// <summary>A socket family's provider: makes the sockets of one address family.</summary>
public interface ISocketFamily
{
    /// <summary>socket(2): type is without flags; flags holds O_NONBLOCK.</summary>
    Errno Create(Task t, int type, int protocol, int flags, out Socket? socket);

    /// <summary>socketpair(2); EOPNOTSUPP where the family has none (Linux: only AF_UNIX).</summary>
    Errno Pair(Task t, int type, int protocol, int flags, out Socket? a, out Socket? b)
    {
        a = b = null;
        return Errno.EOPNOTSUPP;
    }
}

/// <summary>
/// The sandbox's networking: the socket families (Unix sockets always stay inside the sandbox; AF_INET/AF_INET6 are
/// the loopback stack served in the Sentry, or host sockets with --network=host; netlink's route family), and the
/// interfaces they show. One per kernel: abstract Unix names and ports are private to the sandbox.
/// </summary>
public sealed class NetStack
{
    readonly Dictionary<int, ISocketFamily> _families = new();

    public UnixNamespace Unix { get; } = new();

    /// <summary>The loopback TCP/UDP stack AF_INET and AF_INET6 are served by (its Snapshot feeds /proc/net).</summary>
    public InetStack Inet { get; } = new();

    /// <summary>The interfaces netlink, the SIOCGIF* ioctls and /proc/net show.</summary>
    public List<NetInterface> Interfaces { get; } = new() { NetInterface.Loopback };

    public NetStack()
    {
        Register(Sock.AF_UNIX, new UnixFamily(Unix));
        Register(Sock.AF_INET, new InetFamily(Inet, Sock.AF_INET));
        Register(Sock.AF_INET6, new InetFamily(Inet, Sock.AF_INET6));
        Register(Sock.AF_NETLINK, new NetlinkFamily(this));
    }

    public void Register(int family, ISocketFamily provider) => _families[family] = provider;

    public Errno Create(Task t, int family, int type, int protocol, int flags, out Socket? socket)
    {
        socket = null;
        // Packet sockets are never served; EPERM as to a process without CAP_NET_RAW (gVisor's answer too).
        if (family == Sock.AF_PACKET) return Errno.EPERM;
        if (!_families.TryGetValue(family, out var f)) return Errno.EAFNOSUPPORT;
        return f.Create(t, type, protocol, flags, out socket);
    }

    public Errno Pair(Task t, int family, int type, int protocol, int flags, out Socket? a, out Socket? b)
    {
        a = b = null;
        if (!_families.TryGetValue(family, out var f)) return Errno.EAFNOSUPPORT;
        return f.Pair(t, type, protocol, flags, out a, out b);
    }
}

/// <summary>A network interface as netlink (RTM_NEWLINK/RTM_NEWADDR) and the SIOCGIF* ioctls describe it.</summary>
public sealed record NetInterface(int Index, string Name, uint Flags, int Mtu, byte[] HardwareAddress, ushort HardwareType,
    IReadOnlyList<(byte[] Address, int PrefixLength)> Addresses)
{
    public const uint IFF_UP = 0x1, IFF_BROADCAST = 0x2, IFF_LOOPBACK = 0x8, IFF_RUNNING = 0x40, IFF_MULTICAST = 0x1000,
        IFF_LOWER_UP = 0x10000;
    public const ushort ARPHRD_ETHER = 1, ARPHRD_LOOPBACK = 772;

    public static readonly NetInterface Loopback = new(1, "lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP, 65536,
        new byte[6], ARPHRD_LOOPBACK,
        new (byte[], int)[] { (new byte[] { 127, 0, 0, 1 }, 8), (System.Net.IPAddress.IPv6Loopback.GetAddressBytes(), 128) });
}
