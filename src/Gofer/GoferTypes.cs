namespace AppKernel.Gofer;

/// <summary>What the gofer reports for a node: the host's struct stat, field for field.</summary>
public readonly record struct GoferStat(ulong Dev, ulong Ino, uint Mode, ulong Nlink, uint Uid, uint Gid, ulong Rdev,
    long Size, long Blksize, long Blocks, long AtimeSec, long AtimeNsec, long MtimeSec, long MtimeNsec, long CtimeSec, long CtimeNsec)
{
    const uint S_IFMT = 0xf000, S_IFLNK = 0xa000, S_IFREG = 0x8000;
    public bool IsSymlink => (Mode & S_IFMT) == S_IFLNK;
    public bool IsRegular => (Mode & S_IFMT) == S_IFREG;
}

/// <summary>One directory entry. <see cref="NextCookie"/> resumes the listing after this entry.
/// <see cref="Type"/> is getdents64's d_type (DT_UNKNOWN = 0 when the host file system does not say).</summary>
public readonly record struct GoferDirent(string Name, ulong Ino, byte Type, ulong NextCookie);

/// <summary>The fields of Linux's struct statfs (f_fsid is not carried).</summary>
public readonly record struct GoferStatFs(long Type, long Bsize, ulong Blocks, ulong Bfree, ulong Bavail, ulong Files, ulong Ffree,
    long NameLen, long Frsize, long Flags);

/// <summary>Which SetAttr fields apply. AtimeNow/MtimeNow set the time to the host's current time and win over Atime/Mtime.</summary>
[Flags]
public enum SetAttrMask : uint
{
    Mode = 1, Uid = 2, Gid = 4, Size = 8, Atime = 16, Mtime = 32, AtimeNow = 64, MtimeNow = 128,
}
