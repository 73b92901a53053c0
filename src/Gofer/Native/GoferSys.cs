using System.Runtime.InteropServices;

namespace AppKernel.Gofer.Native;

/// <summary>Host calls the gofer needs that Tmds.LibC lacks, and the constants it uses. Every call returns -1 and sets errno on failure.</summary>
internal static unsafe partial class GoferSys
{
    const string Libc = "libc";

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int renameat2(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, uint flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int linkat(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int mknodat(int dirfd, byte* path, uint mode, ulong dev);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int fstatfs(int fd, HostStatFs* st);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint fgetxattr(int fd, byte* name, byte* value, nuint size);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int fsetxattr(int fd, byte* name, byte* value, nuint size, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint flistxattr(int fd, byte* list, nuint size);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int fremovexattr(int fd, byte* name);

    public static int Errno => Marshal.GetLastPInvokeError();

    public const int SYS_getdents64 = 217;
    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_SYMLINK_FOLLOW = 0x400, AT_EMPTY_PATH = 0x1000;
    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100, O_TRUNC = 0x200,
        O_APPEND = 0x400, O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000, O_PATH = 0x200000;
    public const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000, S_IFBLK = 0x6000,
        S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;
    public const int AF_UNIX = 1, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1, SCM_RIGHTS = 1;
    public const int MSG_TRUNC = 0x20, MSG_CTRUNC = 0x8, MSG_NOSIGNAL = 0x4000, MSG_CMSG_CLOEXEC = 0x40000000;
    public const short POLLIN = 1, POLLHUP = 0x10, POLLRDHUP = 0x2000;
    public const long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;
    public const int SEEK_SET = 0;
}

internal static class StatExtensions
{
    public static GoferStat ToGofer(this in LinuxStat s) => new(s.Dev, s.Ino, s.Mode, s.Nlink, s.Uid, s.Gid, s.Rdev, s.Size,
        s.Blksize, s.Blocks, s.Atime, s.AtimeNsec, s.Mtime, s.MtimeNsec, s.Ctime, s.CtimeNsec);
}

/// <summary>The host's struct statfs (x86-64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct HostStatFs
{
    public long Type, Bsize;
    public ulong Blocks, Bfree, Bavail, Files, Ffree;
    public ulong Fsid;
    public long NameLen, Frsize, Flags;
    long _s0, _s1, _s2, _s3;
}
