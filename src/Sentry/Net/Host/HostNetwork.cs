using System.Runtime.InteropServices;
using AppKernel.Sentry.Kernel;
using static Tmds.Linux.LibC;

namespace AppKernel.Sentry.Net.Host;

/// <summary>
/// `--network=host`: AF_INET and AF_INET6 become host sockets (<see cref="HostSocket"/>), TCP and UDP only; the
/// host's interfaces are shown read-only (netlink, the SIOCGIF* ioctls). Unix sockets stay inside the sandbox.
/// </summary>
public sealed class HostInetFamily : ISocketFamily
{
    const int IPPROTO_TCP = 6, IPPROTO_UDP = 17;
    readonly int _family;
    readonly HostFdWatcher _watcher;

    HostInetFamily(int family, HostFdWatcher watcher)
    {
        _family = family;
        _watcher = watcher;
    }

    /// <summary>Makes net use the host's network; called while the kernel is built, before the seccomp filter
    /// (the interfaces are read through a netlink socket of the host then, never again).</summary>
    public static void Install(NetStack net, HostFdWatcher watcher)
    {
        net.Register(Sock.AF_INET, new HostInetFamily(Sock.AF_INET, watcher));
        net.Register(Sock.AF_INET6, new HostInetFamily(Sock.AF_INET6, watcher));
        var found = HostInterfaces.Read();
        if (found.Count > 0)
        {
            net.Interfaces.Clear();
            net.Interfaces.AddRange(found);
        }
    }

    public Errno Create(Task t, int type, int protocol, int flags, out Socket? socket)
    {
        socket = null;
        switch (type)
        {
            case Sock.SOCK_STREAM when protocol is 0 or IPPROTO_TCP:
            case Sock.SOCK_DGRAM when protocol is 0 or IPPROTO_UDP:
                return HostSocket.Create(_family, type, protocol, flags, _watcher, out socket);
            case Sock.SOCK_STREAM or Sock.SOCK_DGRAM:
                return Errno.EPROTONOSUPPORT;
            case Sock.SOCK_RAW:
                return Errno.EPERM; // raw and packet sockets are never the host's
            default:
                return Errno.ESOCKTNOSUPPORT;
        }
    }
}

/// <summary>The host's interfaces, as getifaddrs(3) and the SIOCGIF* ioctls tell them.</summary>
static unsafe partial class HostInterfaces
{
    [StructLayout(LayoutKind.Sequential)]
    struct IfAddrs
    {
        public IfAddrs* Next;
        public byte* Name;
        public uint Flags;
        public byte* Addr, Netmask, Broadcast, Data;
    }

    [LibraryImport("libc", EntryPoint = "getifaddrs", SetLastError = true)]
    private static partial int GetIfAddrs(IfAddrs** list);

    [LibraryImport("libc", EntryPoint = "freeifaddrs")]
    private static partial void FreeIfAddrs(IfAddrs* list);

    [LibraryImport("libc", EntryPoint = "if_nametoindex")]
    private static partial uint IfNameToIndex(byte* name);

    const uint SIOCGIFMTU = 0x8921, SIOCGIFHWADDR = 0x8927;
    const int IfReqSize = 40, IfNameSize = 16;

    public static List<NetInterface> Read()
    {
        var result = new List<NetInterface>();
        IfAddrs* list;
        if (GetIfAddrs(&list) != 0) return result;
        int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        try
        {
            var byName = new Dictionary<string, (uint Flags, List<(byte[], int)> Addrs, uint Index)>();
            var order = new List<string>();
            for (var a = list; a != null; a = a->Next)
            {
                string name = Marshal.PtrToStringUTF8((nint)a->Name) ?? "";
                if (!byName.TryGetValue(name, out var entry))
                {
                    entry = (a->Flags, new List<(byte[], int)>(), IfNameToIndex(a->Name));
                    byName[name] = entry;
                    order.Add(name);
                }
                if (a->Addr == null) continue;
                ushort fam = *(ushort*)a->Addr;
                if (fam == AF_INET)
                    entry.Addrs.Add((new ReadOnlySpan<byte>(a->Addr + 4, 4).ToArray(), Prefix(a->Netmask, 4, 4)));
                else if (fam == AF_INET6)
                    entry.Addrs.Add((new ReadOnlySpan<byte>(a->Addr + 8, 16).ToArray(), Prefix(a->Netmask, 8, 16)));
            }
            var req = stackalloc byte[IfReqSize];
            foreach (var name in order)
            {
                var (flags, addrs, index) = byName[name];
                var nameBytes = System.Text.Encoding.UTF8.GetBytes(name);
                int mtu = 1500;
                var hw = new byte[6];
                ushort hwType = (flags & NetInterface.IFF_LOOPBACK) != 0 ? NetInterface.ARPHRD_LOOPBACK : NetInterface.ARPHRD_ETHER;
                if (sock >= 0 && nameBytes.Length < IfNameSize)
                {
                    new Span<byte>(req, IfReqSize).Clear();
                    nameBytes.CopyTo(new Span<byte>(req, IfNameSize));
                    if (ioctl(sock, (int)SIOCGIFMTU, req) == 0) mtu = *(int*)(req + IfNameSize);
                    if (ioctl(sock, (int)SIOCGIFHWADDR, req) == 0)
                    {
                        hwType = *(ushort*)(req + IfNameSize);
                        hw = new ReadOnlySpan<byte>(req + IfNameSize + 2, 6).ToArray();
                    }
                }
                result.Add(new NetInterface((int)index, name, flags, mtu, hw, hwType, addrs));
            }
        }
        finally
        {
            FreeIfAddrs(list);
            if (sock >= 0) close(sock);
        }
        result.Sort((x, y) => x.Index.CompareTo(y.Index));
        return result;
    }

    static int Prefix(byte* mask, int offset, int len)
    {
        if (mask == null) return len * 8;
        int bits = 0;
        for (int i = 0; i < len; i++) bits += System.Numerics.BitOperations.PopCount(mask[offset + i]);
        return bits;
    }
}
