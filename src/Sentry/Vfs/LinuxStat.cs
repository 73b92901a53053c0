namespace AppKernel.Sentry.Vfs;

public static class InodeMode
{
    public const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000, S_IFBLK = 0x6000,
        S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;
    public const uint S_ISUID = 0x800, S_ISGID = 0x400, S_ISVTX = 0x200;

    public static bool IsDir(uint m) => (m & S_IFMT) == S_IFDIR;
    public static bool IsReg(uint m) => (m & S_IFMT) == S_IFREG;
    public static bool IsLink(uint m) => (m & S_IFMT) == S_IFLNK;

    /// <summary>The d_type of getdents for a mode.</summary>
    public static byte DirentType(uint m) => (byte)((m & S_IFMT) >> 12);
}

/// <summary>open(2) flags.</summary>
public static class OpenFlags
{
    public const int O_ACCMODE = 3, O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100,
        O_TRUNC = 0x200, O_APPEND = 0x400, O_NONBLOCK = 0x800, O_DSYNC = 0x1000, O_ASYNC = 0x2000, O_DIRECT = 0x4000,
        O_LARGEFILE = 0x8000, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_NOATIME = 0x40000, O_CLOEXEC = 0x80000,
        O_SYNC = 0x101000, O_PATH = 0x200000, O_TMPFILE = 0x410000;

    /// <summary>Access mode 3 opens for neither (Linux's OPEN_FMODE: ioctls only).</summary>
    public static bool CanRead(int f) => (f & O_ACCMODE) is O_RDONLY or O_RDWR && (f & O_PATH) == 0;
    public static bool CanWrite(int f) => (f & O_ACCMODE) is O_WRONLY or O_RDWR && (f & O_PATH) == 0;
}
