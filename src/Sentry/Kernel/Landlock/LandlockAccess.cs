namespace AppKernel.Sentry.Kernel.Landlock;

/// <summary>Landlock's UAPI vocabulary (linux/landlock.h): access rights, scopes, rule types, flags.</summary>
public static class LandlockAccess
{
    /// <summary>The ABI version landlock_create_ruleset(NULL, 0, VERSION) answers: file system rights up to
    /// IOCTL_DEV (5), TCP port rules (4) and the abstract-socket and signal scopes (6).</summary>
    public const int AbiVersion = 6;

    public const ulong FS_EXECUTE = 1UL << 0, FS_WRITE_FILE = 1UL << 1, FS_READ_FILE = 1UL << 2, FS_READ_DIR = 1UL << 3,
        FS_REMOVE_DIR = 1UL << 4, FS_REMOVE_FILE = 1UL << 5, FS_MAKE_CHAR = 1UL << 6, FS_MAKE_DIR = 1UL << 7,
        FS_MAKE_REG = 1UL << 8, FS_MAKE_SOCK = 1UL << 9, FS_MAKE_FIFO = 1UL << 10, FS_MAKE_BLOCK = 1UL << 11,
        FS_MAKE_SYM = 1UL << 12, FS_REFER = 1UL << 13, FS_TRUNCATE = 1UL << 14, FS_IOCTL_DEV = 1UL << 15;
    /// <summary>Every file system right of this ABI.</summary>
    public const ulong FsMask = (FS_IOCTL_DEV << 1) - 1;
    /// <summary>The rights that mean something on a file (not only on a directory): a rule on a file may grant only these.</summary>
    public const ulong FsFileRights = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV;

    public const ulong NET_BIND_TCP = 1UL << 0, NET_CONNECT_TCP = 1UL << 1;
    public const ulong NetMask = NET_BIND_TCP | NET_CONNECT_TCP;

    public const ulong SCOPE_ABSTRACT_UNIX_SOCKET = 1UL << 0, SCOPE_SIGNAL = 1UL << 1;
    public const ulong ScopeMask = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL;

    public const uint RULE_PATH_BENEATH = 1, RULE_NET_PORT = 2;
    public const uint CREATE_RULESET_VERSION = 1;
    /// <summary>How many domains may stack on a task (Linux's LANDLOCK_MAX_NUM_LAYERS).</summary>
    public const int MaxLayers = 16;

    /// <summary>The right to make a node of this file type (st_mode's S_IFMT bits).</summary>
    public static ulong MakeRight(uint mode) => (mode & Vfs.InodeMode.S_IFMT) switch
    {
        Vfs.InodeMode.S_IFDIR => FS_MAKE_DIR,
        Vfs.InodeMode.S_IFLNK => FS_MAKE_SYM,
        Vfs.InodeMode.S_IFCHR => FS_MAKE_CHAR,
        Vfs.InodeMode.S_IFBLK => FS_MAKE_BLOCK,
        Vfs.InodeMode.S_IFIFO => FS_MAKE_FIFO,
        Vfs.InodeMode.S_IFSOCK => FS_MAKE_SOCK,
        _ => FS_MAKE_REG,
    };

    /// <summary>The right to remove this node from its directory.</summary>
    public static ulong RemoveRight(Vfs.Inode i) => i.IsDir ? FS_REMOVE_DIR : FS_REMOVE_FILE;
}
