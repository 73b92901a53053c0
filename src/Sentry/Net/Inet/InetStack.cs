namespace AppKernel.Sentry.Net.Inet;

/// <summary>One socket as /proc/net/{tcp,tcp6,udp,udp6} lists it.</summary>
/// <param name="Family">AF_INET (tcp, udp) or AF_INET6 (tcp6, udp6: IPv4 peers appear IPv4-mapped).</param>
/// <param name="Protocol">IPPROTO_TCP or IPPROTO_UDP.</param>
/// <param name="State">Linux's TCP state number (TCP_ESTABLISHED 1 … TCP_LISTEN 10; UDP: 7, or 1 when connected).</param>
/// <param name="TxQueue">Bytes sent and not yet taken by the peer (a listener: its backlog limit).</param>
/// <param name="RxQueue">Bytes received and unread (a listener: connections waiting for accept).</param>
public sealed record InetSocketInfo(int Family, int Protocol, InetEndpoint Local, InetEndpoint Remote, int State,
    int TxQueue, int RxQueue, uint Uid, ulong Inode);

/// <summary>
/// The sandbox's loopback TCP/IP: the TCP and UDP port tables every AF_INET and AF_INET6 socket of the kernel shares.
/// Lock order (see TcpSocket for the sockets'): a listener's gate, then a connection's gate; a port table's lock
/// is a leaf (no gate is taken while it is held).
/// </summary>
public sealed class InetStack
{
    public PortTable Tcp { get; } = new();
    public PortTable Udp { get; } = new();
    /// <summary>UDP-Lite's ports: a protocol of its own, so a port of its own space.</summary>
    public PortTable UdpLite { get; } = new();

    /// <summary>
    /// The sockets /proc/net/tcp, tcp6, udp and udp6 show: TCP sockets that listen or are connected, UDP sockets that
    /// are bound. A point-in-time view taken without stopping the sockets (each row is consistent only per field).
    /// </summary>
    public IReadOnlyList<InetSocketInfo> Snapshot()
    {
        var rows = new List<InetSocketInfo>();
        foreach (var s in Tcp.All())
            if (s.StateNumber != (int)TcpState.Close) rows.Add(Row(s, IpOpt.IPPROTO_TCP));
        foreach (var s in Udp.All()) rows.Add(Row(s, IpOpt.IPPROTO_UDP));
        return rows;
    }

    static InetSocketInfo Row(InetSocket s, int protocol) =>
        new(s.Family, protocol, s.Local, s.Remote, s.StateNumber, s.TxQueueBytes, s.RxQueueBytes, s.OwnerUid, s.Ino);
}
