using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Net.Unix;

/// <summary>A Unix socket's name: unnamed, a path in the sandbox's file system, or a name in the abstract namespace.</summary>
public sealed class UnixAddress
{
    /// <summary>The path's bytes (no NUL), or the abstract name's bytes after the leading NUL; null when unnamed.</summary>
    public readonly byte[]? Name;
    public readonly bool Abstract;

    UnixAddress(byte[]? name, bool isAbstract)
    {
        Name = name;
        Abstract = isAbstract;
    }

    public static readonly UnixAddress Unnamed = new(null, false);
    public static UnixAddress AbstractName(byte[] name) => new(name, true);

    public bool IsUnnamed => Name == null;

    /// <summary>The abstract namespace's key (bytes as chars, so any name is a distinct key).</summary>
    public string Key => System.Text.Encoding.Latin1.GetString(Name!);

    /// <summary>The path as the path walker takes it.</summary>
    public string Path => LinuxText.Decode(Name!);

    /// <summary>Parses a sockaddr_un as Linux's unix_validate_addr and unix_mkname_bsd: a path ends at its first NUL.</summary>
    public static Errno Parse(byte[] addr, out UnixAddress a)
    {
        a = Unnamed;
        if (addr.Length <= 2 || addr.Length > 110) return Errno.EINVAL;
        if (BitConverter.ToUInt16(addr, 0) != Sock.AF_UNIX) return Errno.EINVAL;
        if (addr[2] == 0)
        {
            a = new UnixAddress(addr[3..], true);
            return Errno.None;
        }
        int end = Array.IndexOf(addr, (byte)0, 2);
        a = new UnixAddress(addr[2..(end < 0 ? addr.Length : end)], false);
        return Errno.None;
    }

    /// <summary>The sockaddr_un getsockname, getpeername, accept and recvfrom give: a path with its NUL, an abstract
    /// name exactly as long as it was bound, an unnamed socket just the family.</summary>
    public byte[] ToSockaddr()
    {
        int len = Name == null ? 2 : 2 + 1 + Name.Length;
        var b = new byte[len];
        BitConverter.TryWriteBytes(b, (ushort)Sock.AF_UNIX);
        if (Name != null) Name.CopyTo(b, Abstract ? 3 : 2);
        return b;
    }
}
