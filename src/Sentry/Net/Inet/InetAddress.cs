using System.Buffers.Binary;

namespace AppKernel.Sentry.Net.Inet;

/// <summary>
/// An IP address in IPv6 form (an IPv4 address is IPv4-mapped, ::ffff:a.b.c.d), as two big-endian halves, so one
/// table and one comparison serve AF_INET and AF_INET6 sockets alike.
/// </summary>
public readonly record struct InetAddr(ulong Hi, ulong Lo)
{
    const ulong MappedPrefix = 0xffffUL << 32;
    const uint LoopbackNet4 = 0x7f000000, LoopbackMask4 = 0xff000000;
    /// <summary>127.0.0.1</summary>
    public const uint Loopback4 = 0x7f000001;
    /// <summary>Linux's LOOPBACK4_IPV6 (127.0.0.6): the IPv4 address a socket bound to a plain IPv6 address compares as.</summary>
    public const uint Loopback4Ipv6 = 0x7f000006;

    public static readonly InetAddr Any6 = new(0, 0);
    public static readonly InetAddr Loopback6 = new(0, 1);
    public static readonly InetAddr Any4 = V4(0);
    public static readonly InetAddr LoopbackV4 = V4(Loopback4);

    public static InetAddr V4(uint a) => new(0, MappedPrefix | a);

    public bool IsV4 => Hi == 0 && (Lo & 0xffffffff00000000UL) == MappedPrefix;
    public uint V4Value => (uint)Lo;
    /// <summary>INADDR_ANY or in6addr_any.</summary>
    public bool IsAny => this == Any6 || this == Any4;
    public bool IsLoopback => IsV4 ? (V4Value & LoopbackMask4) == LoopbackNet4 : this == Loopback6;
    public bool IsMulticast => IsV4 ? V4Value >> 28 == 0xe : Hi >> 56 == 0xff;

    /// <summary>The IPv4 address Linux keeps in sk_rcv_saddr: 0 for a wildcard, the v4 address, or 127.0.0.6.</summary>
    public uint RcvSaddr4 => IsV4 ? V4Value : this == Any6 ? 0 : Loopback4Ipv6;

    /// <summary>The address in network byte order: 4 bytes (v4) or the 16 of its IPv6 form.</summary>
    public byte[] ToBytes(bool v4)
    {
        var b = new byte[v4 ? 4 : 16];
        if (v4) System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b, V4Value);
        else WriteBytes6(b);
        return b;
    }

    public static InetAddr FromBytes6(ReadOnlySpan<byte> b) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b[8..]));

    public void WriteBytes6(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt64BigEndian(b, Hi);
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], Lo);
    }

    public override string ToString()
    {
        if (IsV4) return $"{V4Value >> 24}.{V4Value >> 16 & 0xff}.{V4Value >> 8 & 0xff}.{V4Value & 0xff}";
        var b = new byte[16];
        WriteBytes6(b);
        return new System.Net.IPAddress(b).ToString();
    }
}

/// <summary>An address and port.</summary>
public readonly record struct InetEndpoint(InetAddr Addr, ushort Port)
{
    public override string ToString() => Addr.IsV4 ? $"{Addr}:{Port}" : $"[{Addr}]:{Port}";
}

/// <summary>sockaddr_in and sockaddr_in6: parsing as Linux's inet_bind/inet6_bind/connect check them, and formatting.</summary>
public static class InetSockaddr
{
    public const int SizeIn = 16, SizeIn6 = 28;
    /// <summary>SIN6_LEN_RFC2133: an IPv6 address without sin6_scope_id is still accepted.</summary>
    public const int SizeIn6Rfc2133 = 24;
    const int PortOffset = 2, Addr4Offset = 4, Flow6Offset = 4, Addr6Offset = 8, Scope6Offset = 24;

    public static int FamilyOf(byte[] addr) => addr.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(addr) : -1;

    /// <summary>
    /// Parses a sockaddr for a socket of family sockFamily. An AF_INET6 socket takes sockaddr_in6 (and, where
    /// allowV4 — connect and sendto —, sockaddr_in as Linux's ipv6 datagram code does). Returns EINVAL for a short
    /// address and EAFNOSUPPORT for another family.
    /// </summary>
    public static Errno Parse(byte[] addr, int sockFamily, out InetEndpoint ep, bool allowV4 = false)
    {
        ep = default;
        int fam = FamilyOf(addr);
        if (sockFamily == Sock.AF_INET || (allowV4 && fam == Sock.AF_INET))
        {
            if (addr.Length < SizeIn) return Errno.EINVAL;
            if (fam != Sock.AF_INET) return Errno.EAFNOSUPPORT;
            ep = new InetEndpoint(InetAddr.V4(BinaryPrimitives.ReadUInt32BigEndian(addr.AsSpan(Addr4Offset))),
                BinaryPrimitives.ReadUInt16BigEndian(addr.AsSpan(PortOffset)));
            return Errno.None;
        }
        if (addr.Length < SizeIn6Rfc2133) return Errno.EINVAL;
        if (fam != Sock.AF_INET6) return Errno.EAFNOSUPPORT;
        ep = new InetEndpoint(InetAddr.FromBytes6(addr.AsSpan(Addr6Offset, 16)),
            BinaryPrimitives.ReadUInt16BigEndian(addr.AsSpan(PortOffset)));
        return Errno.None;
    }

    /// <summary>The sockaddr an AF_INET (sockaddr_in) or AF_INET6 (sockaddr_in6) socket reports for ep.</summary>
    public static byte[] Format(InetEndpoint ep, int sockFamily)
    {
        if (sockFamily == Sock.AF_INET)
        {
            var b = new byte[SizeIn];
            BinaryPrimitives.WriteUInt16LittleEndian(b, Sock.AF_INET);
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(PortOffset), ep.Port);
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(Addr4Offset), ep.Addr.V4Value);
            return b;
        }
        var s = new byte[SizeIn6];
        BinaryPrimitives.WriteUInt16LittleEndian(s, Sock.AF_INET6);
        BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(PortOffset), ep.Port);
        ep.Addr.WriteBytes6(s.AsSpan(Addr6Offset, 16));
        return s;
    }
}
