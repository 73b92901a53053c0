using System.Runtime.InteropServices;

namespace AppKernel;

/// <summary>struct stat as x86-64 Linux lays it out (144 bytes); also the VFS's own attribute record, and what the gofer reads from the host.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct LinuxStat
{
    public ulong Dev, Ino, Nlink;
    public uint Mode, Uid, Gid;
    int _pad0;
    public ulong Rdev;
    public long Size, Blksize, Blocks;
    public long Atime, AtimeNsec, Mtime, MtimeNsec, Ctime, CtimeNsec;
    long _u0, _u1, _u2;
}
