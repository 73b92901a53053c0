namespace AppKernel.Gofer.Protocol;

/// <summary>Request operations. A reply carries the request's op with <see cref="Wire.ReplyBit"/> set.</summary>
public enum Op : ushort
{
    Attach = 1,
    Walk = 2,
    Stat = 3,
    Open = 4,
    Create = 5,
    Mkdir = 6,
    Mknod = 7,
    Symlink = 8,
    Link = 9,
    Unlink = 10,
    Rename = 11,
    ReadDir = 12,
    ReadLink = 13,
    SetAttr = 14,
    StatFs = 15,
    GetXattr = 16,
    SetXattr = 17,
    ListXattr = 18,
    RemoveXattr = 19,
    Clunk = 20,
}

/// <summary>Limits and constants of the wire format (see Protocol/README in ARCHITECTURE.md).</summary>
public static class Wire
{
    public const ushort Version = 1;
    /// <summary>u32 totalLength, u16 version, u16 op, u32 tag.</summary>
    public const int HeaderSize = 12;
    public const int MaxMessage = 65536;
    public const ushort ReplyBit = 0x8000;
    /// <summary>The op of the reply to a request that could not be decoded: payload is the errno only.</summary>
    public const ushort ErrorReplyOp = 0x8000;
    public const int NameMax = 255;
    public const int PathMax = 4095;
    public const int XattrNameMax = 255;
    public const int MaxWalk = 64;
    public const int MaxClunk = 8000;
    /// <summary>Largest xattr value or list a reply can carry: the message minus header, errno, size and length fields.</summary>
    public const int MaxXattrValue = MaxMessage - HeaderSize - 4 - 4 - 4;
    /// <summary>Largest value a SetXattr request can carry with any name: the message minus header, fid, name, flags, length.</summary>
    public const int MaxSetXattrValue = MaxMessage - HeaderSize - 8 - 2 - XattrNameMax - 4 - 4;
    /// <summary>Stat on the wire: dev, ino, mode, nlink, uid, gid, rdev, size, blksize, blocks, 3 × (sec, nsec).</summary>
    public const int StatSize = 8 + 8 + 4 + 8 + 4 + 4 + 8 + 8 + 8 + 8 + 6 * 8;

    public static bool IsKnown(ushort op) => op >= (ushort)Op.Attach && op <= (ushort)Op.Clunk;

    // open(2) flags the gofer understands.
    public const int O_ACCMODE = 3, O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_TRUNC = 0x200, O_APPEND = 0x400;
    /// <summary>Flags allowed in Open and Create requests; any other bit is EINVAL.</summary>
    public const int AllowedOpenFlags = O_ACCMODE | O_TRUNC | O_APPEND;
    public const uint RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;
    public const int XATTR_CREATE = 1, XATTR_REPLACE = 2;
}
