using System.Runtime.InteropServices;

namespace AppKernel;

/// <summary>struct iovec (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct IoVec
{
    public nint Base;
    public nuint Len;

    /// <summary>The bytes a vector covers (one that import_iovec accepted is bounded, so this cannot overflow).</summary>
    public static ulong Total(IoVec[] v)
    {
        ulong n = 0;
        foreach (var x in v) n += x.Len;
        return n;
    }
}

/// <summary>struct statx (256 bytes) and its timestamps (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct StatxTimestamp { public long Sec; public uint Nsec; int _reserved; }

[StructLayout(LayoutKind.Sequential, Size = 256)]
public struct LinuxStatx
{
    public uint Mask, Blksize;
    public ulong Attributes;
    public uint Nlink, Uid, Gid;
    public ushort Mode; ushort _spare0;
    public ulong Ino, Size, Blocks, AttributesMask;
    public StatxTimestamp Atime, Btime, Ctime, Mtime;
    public uint RdevMajor, RdevMinor, DevMajor, DevMinor;
    public ulong MntId;
}

/// <summary>struct statfs of x86-64 (120 bytes; f_fsid is two ints, read here as one 8-byte field).</summary>
[StructLayout(LayoutKind.Sequential, Size = 120)]
public struct LinuxStatFs
{
    public long Type, Bsize, Blocks, Bfree, Bavail, Files, Ffree;
    public long Fsid, Namelen, Frsize, Flags;
}

/// <summary>struct flock (32 bytes) for F_GETLK/F_SETLK and the OFD locks.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Flock
{
    public short Type, Whence;
    public long Start, Len;
    public int Pid;
    int _pad;
}

/// <summary>struct pollfd (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}

/// <summary>struct epoll_event: packed on x86-64 (12 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct EpollEvent
{
    public uint Events;
    public ulong Data;
}

/// <summary>The fixed head of struct linux_dirent64 (19 bytes); the NUL-terminated name follows at d_name, and
/// each record is padded to 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public struct Dirent64Head
{
    public ulong Ino;
    public long Off;
    public ushort Reclen;
    public byte Type;
}
