using System.Buffers.Binary;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Net.Netlink;

namespace AppKernel.Sentry.Net;

/// <summary>
/// The SIOC*IF* ioctls a socket of any family answers (Linux's dev_ioctl and dev_ifconf), and the address ones
/// AF_INET sockets add (devinet_ioctl). The interfaces are the stack's, fixed: a set request needs CAP_NET_ADMIN
/// (EPERM, checked before the interface is looked up, as Linux) and then changes nothing — setting what already is
/// succeeds, anything else is EOPNOTSUPP.
/// </summary>
public static class InterfaceIoctls
{
    /// <summary>struct ifreq: a 16-byte name then a 24-byte union; struct ifconf: int length, pointer.</summary>
    const int IfReqLen = 40, IfNameLen = 16, IfConfLen = 16, IfConfBufOffset = 8;
    const int SockaddrInLen = 16;

    // Set requests (dev_ioctl's and devinet_ioctl's).
    const uint SIOCSIFFLAGS = 0x8914, SIOCSIFADDR = 0x8916, SIOCSIFDSTADDR = 0x8918, SIOCSIFBRDADDR = 0x891a,
        SIOCSIFNETMASK = 0x891c, SIOCSIFMETRIC = 0x891e, SIOCSIFMTU = 0x8922, SIOCSIFNAME = 0x8923,
        SIOCSIFHWADDR = 0x8924, SIOCADDMULTI = 0x8931, SIOCDELMULTI = 0x8932, SIOCSIFHWBROADCAST = 0x8937,
        SIOCSIFTXQLEN = 0x8943, SIOCDIFADDR = 0x8936, SIOCSIFMAP = 0x8971, SIOCGIFMAP = 0x8970;

    /// <summary>Linux's ENOIOCTLCMD path for a socket family: the interface ioctls, else ENOTTY.</summary>
    public static long Handle(Task t, Socket s, uint cmd, ulong arg)
    {
        bool inet = s.Family == Sock.AF_INET;
        switch (cmd)
        {
            case Sock.SIOCGIFCONF: return Conf(t, arg);
            case Sock.SIOCGIFNAME: return Name(t, arg);
            case Sock.SIOCGIFFLAGS or Sock.SIOCGIFINDEX or Sock.SIOCGIFMTU or Sock.SIOCGIFTXQLEN or Sock.SIOCGIFMETRIC
                or Sock.SIOCGIFHWADDR or SIOCGIFMAP:
                return Get(t, cmd, arg);
            case Sock.SIOCGIFADDR or Sock.SIOCGIFNETMASK or Sock.SIOCGIFBRDADDR or Sock.SIOCGIFDSTADDR when inet:
                return GetAddress(t, cmd, arg);
            case SIOCSIFFLAGS or SIOCSIFMTU or SIOCSIFTXQLEN or SIOCSIFMETRIC or SIOCSIFHWADDR or SIOCSIFNAME
                or SIOCADDMULTI or SIOCDELMULTI or SIOCSIFHWBROADCAST or SIOCSIFMAP:
                return Set(t, cmd, arg);
            case SIOCSIFADDR or SIOCSIFDSTADDR or SIOCSIFBRDADDR or SIOCSIFNETMASK or SIOCDIFADDR when inet:
                return Set(t, cmd, arg);
        }
        return -(long)Errno.ENOTTY;
    }

    static long Err(Errno e) => -(long)e;

    /// <summary>Reads the ifreq at arg and finds the interface its name names (ENODEV if none).</summary>
    static Errno Lookup(Task t, ulong arg, byte[] req, out NetInterface? i)
    {
        i = null;
        if (!t.Mem.Read(arg, req)) return Errno.EFAULT;
        req[IfNameLen - 1] = 0; // Linux terminates the name itself
        int nul = Array.IndexOf(req, (byte)0);
        string name = LinuxText.Decode(req.AsSpan(0, nul));
        i = t.Kernel.Net.Interfaces.Find(x => x.Name == name);
        return i == null ? Errno.ENODEV : Errno.None;
    }

    static long Reply(Task t, ulong arg, byte[] req) => t.Mem.Write(arg, req) ? 0 : Err(Errno.EFAULT);

    static long Get(Task t, uint cmd, ulong arg)
    {
        var req = new byte[IfReqLen];
        var e = Lookup(t, arg, req, out var i);
        if (e != Errno.None) return Err(e);
        var u = req.AsSpan(IfNameLen);
        u.Clear();
        switch (cmd)
        {
            case Sock.SIOCGIFFLAGS: BinaryPrimitives.WriteUInt16LittleEndian(u, (ushort)i!.Flags); break; // short: IFF_LOWER_UP does not fit
            case Sock.SIOCGIFINDEX: BinaryPrimitives.WriteInt32LittleEndian(u, i!.Index); break;
            case Sock.SIOCGIFMTU: BinaryPrimitives.WriteInt32LittleEndian(u, i!.Mtu); break;
            case Sock.SIOCGIFTXQLEN: BinaryPrimitives.WriteInt32LittleEndian(u, (int)Ifla.LoTxQueueLen); break;
            case Sock.SIOCGIFMETRIC: break; // always 0
            case SIOCGIFMAP: break;         // struct ifmap: no I/O resources
            case Sock.SIOCGIFHWADDR:
                BinaryPrimitives.WriteUInt16LittleEndian(u, i!.HardwareType);
                i.HardwareAddress.CopyTo(u[2..]);
                break;
        }
        return Reply(t, arg, req);
    }

    static long Name(Task t, ulong arg)
    {
        var req = new byte[IfReqLen];
        if (!t.Mem.Read(arg, req)) return Err(Errno.EFAULT);
        int index = BinaryPrimitives.ReadInt32LittleEndian(req.AsSpan(IfNameLen));
        var i = t.Kernel.Net.Interfaces.Find(x => x.Index == index);
        if (i == null) return Err(Errno.ENODEV);
        Array.Clear(req, 0, IfNameLen);
        LinuxText.Encode(i.Name).CopyTo(req, 0);
        return Reply(t, arg, req);
    }

    static void WriteSockaddrIn(Span<byte> dst, byte[] v4)
    {
        dst[..SockaddrInLen].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(dst, Sock.AF_INET);
        v4.CopyTo(dst[4..]);
    }

    /// <summary>devinet_ioctl's gets: the interface's first IPv4 address (EADDRNOTAVAIL without one).</summary>
    static long GetAddress(Task t, uint cmd, ulong arg)
    {
        var req = new byte[IfReqLen];
        var e = Lookup(t, arg, req, out var i);
        if (e != Errno.None) return Err(e);
        var (addr, plen) = i!.Addresses.FirstOrDefault(a => RouteProtocol.IsV4(a.Address));
        if (addr == null) return Err(Errno.EADDRNOTAVAIL);
        byte[] v = cmd switch
        {
            Sock.SIOCGIFNETMASK => BitConverter.GetBytes(System.Net.IPAddress.HostToNetworkOrder((int)RouteProtocol.V4Mask(plen))),
            Sock.SIOCGIFBRDADDR => (i.Flags & NetInterface.IFF_BROADCAST) != 0 ? RouteProtocol.V4Broadcast(addr, plen) : new byte[4],
            _ => addr, // the address, and a point-to-point peer's (the local address when there is none)
        };
        WriteSockaddrIn(req.AsSpan(IfNameLen), v);
        return Reply(t, arg, req);
    }

    static long Set(Task t, uint cmd, ulong arg)
    {
        if (!t.Creds.Has(Credentials.CAP_NET_ADMIN)) return Err(Errno.EPERM);
        var req = new byte[IfReqLen];
        var e = Lookup(t, arg, req, out var i);
        if (e != Errno.None) return Err(e);
        int v = BinaryPrimitives.ReadInt32LittleEndian(req.AsSpan(IfNameLen));
        bool same = cmd switch
        {
            // Only the flags userspace may change are compared (dev_change_flags keeps the rest).
            SIOCSIFFLAGS => (ushort)v == (ushort)i!.Flags,
            SIOCSIFMTU => v == i!.Mtu,
            SIOCSIFTXQLEN => v == (int)Ifla.LoTxQueueLen,
            _ => false,
        };
        return same ? 0 : Err(Errno.EOPNOTSUPP);
    }

    /// <summary>SIOCGIFCONF: one ifreq (name, sockaddr_in) per IPv4 address; a NULL buffer asks for the length
    /// needed; only whole entries are written.</summary>
    static long Conf(Task t, ulong arg)
    {
        var conf = new byte[IfConfLen];
        if (!t.Mem.Read(arg, conf)) return Err(Errno.EFAULT);
        int room = BinaryPrimitives.ReadInt32LittleEndian(conf);
        ulong buf = BinaryPrimitives.ReadUInt64LittleEndian(conf.AsSpan(IfConfBufOffset));
        int used = 0;
        foreach (var i in t.Kernel.Net.Interfaces)
            foreach (var (addr, _) in i.Addresses)
            {
                if (!RouteProtocol.IsV4(addr)) continue;
                if (buf == 0) { used += IfReqLen; continue; }
                if (room - used < IfReqLen) break;
                var req = new byte[IfReqLen];
                LinuxText.Encode(LinuxText.Truncate(i.Name, IfNameLen - 1)).CopyTo(req, 0);
                WriteSockaddrIn(req.AsSpan(IfNameLen), addr);
                if (!t.Mem.Write(buf + (ulong)used, req)) return Err(Errno.EFAULT);
                used += IfReqLen;
            }
        return t.Mem.Write(arg, used) ? 0 : Err(Errno.EFAULT);
    }
}
