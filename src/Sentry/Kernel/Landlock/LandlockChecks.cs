using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Kernel.Landlock.LandlockAccess;

namespace AppKernel.Sentry.Kernel.Landlock;

/// <summary>
/// Every Landlock decision, in one place: the VFS's open, create, remove, rename/link, truncate and exec paths, the
/// TCP bind/connect, abstract Unix connects and signals ask here. A task without a domain costs one null check.
/// A file system access is allowed when every layer grants it: a layer grants a right it does not handle, or one a
/// rule grants on the target or on a directory above it, walking up through the mounts to the real root (the
/// directories mounts hide are skipped, as Linux's walk).
/// </summary>
public static class LandlockChecks
{
    /// <summary>Whether the domain restricts file system access at all (some layer handles some right).</summary>
    static LandlockDomain? FsDomain(Task t) => t.Landlock is { HandledFs: not 0 } d ? d : null;

    /// <summary>Fills granted[i] with what layer i (youngest first) grants at p, walking up until every layer grants
    /// want or the walk reaches the root.</summary>
    static void Collect(LandlockDomain dom, VfsPath p, ulong want, Span<ulong> granted)
    {
        int i = 0;
        for (var d = dom; d != null; d = d.Parent) granted[i++] = FsMask & ~d.Policy.FsEnforced;
        var mount = p.Mount;
        var dentry = p.Dentry;
        while (true)
        {
            bool all = true;
            i = 0;
            for (var d = dom; d != null; d = d.Parent, i++)
            {
                if ((granted[i] & want) == want) continue;
                granted[i] |= d.Policy.PathRule(dentry.Inode);
                all &= (granted[i] & want) == want;
            }
            if (all) return;
            while (mount.IsRoot(dentry))
            {
                if (mount.Parent == null || mount.MountPoint == null) return; // the real root
                dentry = mount.MountPoint;
                mount = mount.Parent;
            }
            if (dentry.Parent == null) return; // a disconnected name: nothing above it grants
            dentry = dentry.Parent;
        }
    }

    static bool AllGrant(ReadOnlySpan<ulong> granted, ulong access)
    {
        foreach (var g in granted) if ((g & access) != access) return false;
        return true;
    }

    /// <summary>access (file system rights) at p: EACCES when some layer denies it.</summary>
    public static Errno Path(Task t, VfsPath p, ulong access)
    {
        if (FsDomain(t) is not { } dom || !p.IsValid || (access & dom.HandledFs) == 0) return Errno.None;
        Span<ulong> g = stackalloc ulong[dom.Depth];
        Collect(dom, p, access, g);
        return AllGrant(g, access) ? Errno.None : Errno.EACCES;
    }

    /// <summary>Making a node of this type in dir (mknod, mkdir, symlink, O_CREAT, a Unix socket's bind).</summary>
    public static Errno Make(Task t, VfsPath dir, uint mode) => Path(t, dir, MakeRight(mode));

    /// <summary>Removing victim from dir (unlink, rmdir).</summary>
    public static Errno Remove(Task t, VfsPath dir, Inode victim) => Path(t, dir, RemoveRight(victim));

    /// <summary>
    /// An open (Linux's hook_file_open): reading needs READ_FILE (READ_DIR for a directory), writing WRITE_FILE, an
    /// exec's open EXECUTE too; access mode 3 needs neither. rights is what the file keeps for later calls: TRUNCATE
    /// (ftruncate, O_TRUNC) and, for a device, IOCTL_DEV — all rights when no domain restricts the opener.
    /// </summary>
    public static Errno Open(Task t, VfsPath p, int flags, bool exec, out ulong rights)
    {
        rights = ulong.MaxValue;
        if (FsDomain(t) is not { } dom || !p.IsValid) return Errno.None;
        int acc = flags & OpenFlags.O_ACCMODE;
        ulong required = 0;
        if (acc is OpenFlags.O_RDONLY or OpenFlags.O_RDWR) required |= p.Inode.IsDir ? FS_READ_DIR : FS_READ_FILE;
        if (acc is OpenFlags.O_WRONLY or OpenFlags.O_RDWR) required |= FS_WRITE_FILE;
        if (exec) required |= FS_EXECUTE;
        ulong optional = FS_TRUNCATE | (IsDevice(p.Inode) ? FS_IOCTL_DEV : 0);
        Span<ulong> g = stackalloc ulong[dom.Depth];
        Collect(dom, p, required | optional, g);
        if (!AllGrant(g, required)) return Errno.EACCES;
        foreach (var layer in g) rights &= layer | ~optional;
        return Errno.None;
    }

    /// <summary>ftruncate and O_TRUNC: the right the file was opened with.</summary>
    public static Errno Truncate(FileDescription f) => (f.LandlockRights & FS_TRUNCATE) != 0 ? Errno.None : Errno.EACCES;

    static bool IsDevice(Inode i) => (i.Mode & InodeMode.S_IFMT) is InodeMode.S_IFCHR or InodeMode.S_IFBLK;

    // Device ioctls Landlock never refuses (Linux's is_masked_device_ioctl): fd flags, sizes, freezing, extents,
    // clones, the file system's identity.
    const uint FIOCLEX = 0x5451, FIONCLEX = 0x5450, FIONBIO = 0x5421, FIOASYNC = 0x5452, FIOQSIZE = 0x5460,
        FIFREEZE = 0xC0045877, FITHAW = 0xC0045878, FS_IOC_FIEMAP = 0xC020660B, FIGETBSZ = 2, FICLONE = 0x40049409,
        FICLONERANGE = 0x4020940D, FIDEDUPERANGE = 0xC0189436, FS_IOC_GETFSUUID = 0x80111500,
        FS_IOC_GETFSSYSFSPATH = 0x80811501;

    /// <summary>An ioctl on a device opened without IOCTL_DEV: EACCES unless it is one of the always-allowed commands.</summary>
    public static Errno Ioctl(FileDescription f, uint cmd)
    {
        if ((f.LandlockRights & FS_IOCTL_DEV) != 0 || f.Inode == null || !IsDevice(f.Inode)) return Errno.None;
        return cmd is FIOCLEX or FIONCLEX or FIONBIO or FIOASYNC or FIOQSIZE or FIFREEZE or FITHAW or FS_IOC_FIEMAP
            or FIGETBSZ or FICLONE or FICLONERANGE or FIDEDUPERANGE or FS_IOC_GETFSUUID or FS_IOC_GETFSSYSFSPATH
            ? Errno.None : Errno.EACCES;
    }

    /// <summary>
    /// rename (removable) or link of src from oldDir to newDir (dst: what the new name holds, if anything; exchange:
    /// RENAME_EXCHANGE). Within one directory only the make/remove rights count. Across directories every layer must
    /// also grant REFER on both sides, and the moved object may not gain a right it lacks where it is: EXDEV, after
    /// EACCES for a missing make/remove right (Linux's current_check_refer_path).
    /// </summary>
    public static Errno Refer(Task t, VfsPath oldDir, VfsPath src, VfsPath newDir, VfsPath dst, bool removable, bool exchange)
    {
        if (FsDomain(t) is not { } dom) return Errno.None;
        ulong fromOld = exchange ? MakeRight(dst.Inode.Mode) : 0, intoNew = MakeRight(src.Inode.Mode);
        if (removable)
        {
            fromOld |= RemoveRight(src.Inode);
            if (dst.IsValid) intoNew |= RemoveRight(dst.Inode);
        }
        if (oldDir.SameAs(newDir)) return Path(t, newDir, fromOld | intoNew);
        int n = dom.Depth;
        Span<ulong> g1 = stackalloc ulong[n], g2 = stackalloc ulong[n];
        Collect(dom, oldDir, FsMask, g1);
        Collect(dom, newDir, FsMask, g2);
        if (!AllGrant(g1, fromOld) || !AllGrant(g2, intoNew)) return Errno.EACCES;
        if (!AllGrant(g1, FS_REFER) || !AllGrant(g2, FS_REFER)) return Errno.EXDEV;
        if (Gains(dom, src, g2) || (exchange && Gains(dom, dst, g1))) return Errno.EXDEV;
        return Errno.None;
    }

    /// <summary>Whether obj would get, under a directory granting dest, a right some layer denies it where it is
    /// (for a file only the rights that mean something on a file).</summary>
    static bool Gains(LandlockDomain dom, VfsPath obj, ReadOnlySpan<ulong> dest)
    {
        Span<ulong> here = stackalloc ulong[dom.Depth];
        Collect(dom, obj, FsMask, here);
        ulong compared = (obj.Inode.IsDir ? FsMask : FsFileRights) & ~FS_REFER;
        for (int i = 0; i < here.Length; i++)
            if ((dest[i] & ~here[i] & compared) != 0) return true;
        return false;
    }

    /// <summary>
    /// TCP bind and connect (Linux's current_check_access_socket): for a TCP socket, the port must be granted by
    /// every layer handling the access; address checks as Linux's (EINVAL short or mismatched, AF_UNSPEC: a
    /// connect dissolves and is free, a bind only to INADDR_ANY).
    /// </summary>
    public static Errno Net(Task t, Sentry.Net.Socket s, byte[] addr, ulong access)
    {
        if (t.Landlock is not { HandledNet: not 0 } dom) return Errno.None;
        const int IPPROTO_TCP = 6, SockaddrInLen = 16, SockaddrIn6Rfc2133Len = 24;
        if (s.Family is not (Sentry.Net.Sock.AF_INET or Sentry.Net.Sock.AF_INET6) || s.Type != Sentry.Net.Sock.SOCK_STREAM
            || s.Protocol is not (0 or IPPROTO_TCP)) return Errno.None;
        if (addr.Length < sizeof(ushort)) return Errno.EINVAL;
        int family = BitConverter.ToUInt16(addr, 0);
        switch (family)
        {
            case Sentry.Net.Sock.AF_UNSPEC or Sentry.Net.Sock.AF_INET:
                if (addr.Length < SockaddrInLen) return Errno.EINVAL;
                break;
            case Sentry.Net.Sock.AF_INET6:
                if (addr.Length < SockaddrIn6Rfc2133Len) return Errno.EINVAL;
                break;
            default:
                return Errno.None;
        }
        if (family == Sentry.Net.Sock.AF_UNSPEC)
        {
            if (access == NET_CONNECT_TCP) return Errno.None;
            if (BitConverter.ToUInt32(addr, 4) != 0) return Errno.EAFNOSUPPORT;
        }
        else if (access == NET_BIND_TCP && s.Family != family) return Errno.EINVAL;
        ushort port = (ushort)(addr[2] << 8 | addr[3]);
        for (var d = dom; d != null; d = d.Parent)
            if ((d.Policy.HandledNet & access) != 0 && (d.Policy.PortRule(port) & access) == 0) return Errno.EACCES;
        return Errno.None;
    }

    /// <summary>Whether client's domain scopes it away from server's (Linux's domain_is_scoped): the youngest
    /// client layer with the scope must be server's ancestor (or server itself).</summary>
    static bool IsScoped(LandlockDomain client, LandlockDomain? server, ulong scope)
    {
        for (var d = client; d != null; d = d.Parent)
            if ((d.Policy.Scoped & scope) != 0)
                return server == null || server.Depth < d.Depth || server.AtDepth(d.Depth) != d;
        return false;
    }

    /// <summary>Whether tracer's domain is tracee's or an ancestor of it (Linux's domain_scope_le): a restricted task
    /// may trace (or read through /proc, process_vm_*, kcmp …) only tasks at least as restricted.</summary>
    public static bool MayTrace(Task tracer, Task tracee)
    {
        if (tracer.Landlock is not { } p) return true;
        return tracee.Landlock is { } c && c.Depth >= p.Depth && c.AtDepth(p.Depth) == p;
    }

    /// <summary>mount, umount2 and pivot_root are refused (EPERM) to a task whose domain restricts the file system:
    /// changing the tree would change what the rules mean.</summary>
    public static bool MayChangeMounts(Task t) => FsDomain(t) == null;

    /// <summary>SCOPE_SIGNAL: a signal only to the sender's own process or a task in its domain or one nested in it.</summary>
    public static bool MaySignal(Task from, Task to) => MaySignal(from.Landlock, from.Tgid, to);

    /// <summary>The same for a sender known by its domain and process: F_SETOWN's SIGIO/SIGURG carry the setter's.</summary>
    public static bool MaySignal(LandlockDomain? sender, int senderTgid, Task to) =>
        sender == null || (sender.Scoped & SCOPE_SIGNAL) == 0 || senderTgid == to.Tgid || !IsScoped(sender, to.Landlock, SCOPE_SIGNAL);

    /// <summary>SCOPE_ABSTRACT_UNIX_SOCKET: connect or send to an abstract address only when its socket was made in
    /// the caller's domain or one nested in it (EPERM otherwise).</summary>
    public static bool MayReachAbstract(Task t, LandlockDomain? socketDomain) =>
        t.Landlock is not { } c || (c.Scoped & SCOPE_ABSTRACT_UNIX_SOCKET) == 0 || !IsScoped(c, socketDomain, SCOPE_ABSTRACT_UNIX_SOCKET);
}
