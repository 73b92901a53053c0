using AppKernel.Sentry.FileSystems.Anon;
using AppKernel.Sentry.FileSystems.Host;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// Linux's new mount API over the same mount table and code as mount(2): fsopen and fsconfig build a file system
/// context (FsContextFile), fsmount turns its superblock into a detached tree (an anonymous MountNamespace held by
/// an O_PATH fd, gone at its last close unless attached), open_tree returns a path fd or a detached copy of a
/// mount (AT_RECURSIVE: with what is below it), move_mount attaches or moves trees (do_move_mount, shared with
/// MS_MOVE), fspick reconfigures a mounted file system and mount_setattr changes mount flags and propagation.
/// Checks follow Linux's order.
/// </summary>
static class MountApiSyscalls
{
    const int FSOPEN_CLOEXEC = 1, FSMOUNT_CLOEXEC = 1;
    const int FSPICK_CLOEXEC = 1, FSPICK_SYMLINK_NOFOLLOW = 2, FSPICK_NO_AUTOMOUNT = 4, FSPICK_EMPTY_PATH = 8;
    const uint FSCONFIG_SET_FLAG = 0, FSCONFIG_SET_STRING = 1, FSCONFIG_SET_BINARY = 2, FSCONFIG_SET_PATH = 3,
        FSCONFIG_SET_PATH_EMPTY = 4, FSCONFIG_SET_FD = 5, FSCONFIG_CMD_CREATE = 6, FSCONFIG_CMD_RECONFIGURE = 7,
        FSCONFIG_CMD_CREATE_EXCL = 8;
    const uint MOVE_MOUNT_F_SYMLINKS = 1, MOVE_MOUNT_F_AUTOMOUNTS = 2, MOVE_MOUNT_F_EMPTY_PATH = 4,
        MOVE_MOUNT_T_SYMLINKS = 0x10, MOVE_MOUNT_T_AUTOMOUNTS = 0x20, MOVE_MOUNT_T_EMPTY_PATH = 0x40,
        MOVE_MOUNT_SET_GROUP = 0x100, MOVE_MOUNT_MASK = 0x177;
    const int OPEN_TREE_CLONE = 1, AT_RECURSIVE = 0x8000;
    const ulong MOUNT_ATTR_RDONLY = 1, MOUNT_ATTR_NOSUID = 2, MOUNT_ATTR_NODEV = 4, MOUNT_ATTR_NOEXEC = 8,
        MOUNT_ATTR__ATIME = 0x70, MOUNT_ATTR_RELATIME = 0, MOUNT_ATTR_NOATIME = 0x10, MOUNT_ATTR_STRICTATIME = 0x20,
        MOUNT_ATTR_NODIRATIME = 0x80, MOUNT_ATTR_IDMAP = 0x100000, MOUNT_ATTR_NOSYMFOLLOW = 0x200000;
    const ulong FsmountValid = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
        | MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW;
    const ulong SetattrValid = FsmountValid | MOUNT_ATTR_IDMAP;
    /// <summary>struct mount_attr's first size (MOUNT_ATTR_SIZE_VER0): attr_set, attr_clr, propagation, userns_fd.</summary>
    const int MountAttrSizeVer0 = 32;
    const int PageSize = 4096, FsconfigStringMax = 256, BinaryMax = 1 << 20;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.fsopen] = (k, name, flags, _, _, _, _) => FsOpen(k, name, flags);
        t[Nr.fsconfig] = (k, fd, cmd, key, value, aux, _) => FsConfig(k, (int)fd, (uint)cmd, key, value, (int)aux);
        t[Nr.fsmount] = (k, fd, flags, attr, _, _, _) => FsMount(k, (int)fd, (uint)flags, (uint)attr);
        t[Nr.fspick] = (k, dfd, path, flags, _, _, _) => FsPick(k, (int)dfd, path, (uint)flags);
        t[Nr.move_mount] = (k, fromFd, from, toFd, to, flags, _) => MoveMount(k, (int)fromFd, from, (int)toFd, to, (uint)flags);
        t[Nr.open_tree] = (k, dfd, path, flags, _, _, _) => OpenTree(k, (int)dfd, path, (uint)flags);
        t[Nr.mount_setattr] = (k, dfd, path, flags, attr, size, _) => MountSetattr(k, (int)dfd, path, (uint)flags, attr, size);
    }

    static long Install(Task t, FileDescription f, bool cloexec)
    {
        int fd = t.Fds.Install(f, cloexec, 0, t.Limits.NoFile);
        if (fd < 0) f.DecRef();
        return fd;
    }

    /// <summary>A string argument of at most max-1 bytes (strndup_user: EFAULT, or EINVAL when longer).</summary>
    static Errno ReadString(Task t, ulong addr, int max, out string s)
    {
        var e = MountSyscalls.ReadArg(t, addr, max - 1, out var v);
        s = v ?? "";
        return e;
    }

    static long FsOpen(Task t, ulong nameAddr, ulong flags)
    {
        if (!MountSyscalls.MayMount(t)) return Err(Errno.EPERM);
        if ((flags & ~(ulong)FSOPEN_CLOEXEC) != 0) return Err(Errno.EINVAL);
        if (nameAddr == 0) return Err(Errno.EFAULT);
        var e = ReadString(t, nameAddr, PageSize, out var name);
        if (e != Errno.None) return Err(e);
        if (!FilesystemTypes.Names.Contains(name)) return Err(Errno.ENODEV);
        bool cloexec = (flags & FSOPEN_CLOEXEC) != 0;
        return Install(t, new FsContextFile(name, cloexec ? OpenFlags.O_CLOEXEC : 0), cloexec);
    }

    /// <summary>A parameter's value as fsconfig received it: a string, a flag (null), or another kind that no file
    /// system here takes (binary, path, fd).</summary>
    readonly record struct Param(string? Value, bool IsString, bool IsFlag);

    static long FsConfig(Task t, int fd, uint cmd, ulong keyAddr, ulong valueAddr, int aux)
    {
        // The argument shapes each command takes, before the fd.
        bool ok = cmd switch
        {
            FSCONFIG_SET_FLAG => keyAddr != 0 && valueAddr == 0 && aux == 0,
            FSCONFIG_SET_STRING => keyAddr != 0 && valueAddr != 0 && aux == 0,
            FSCONFIG_SET_BINARY => keyAddr != 0 && valueAddr != 0 && aux > 0 && aux <= BinaryMax,
            FSCONFIG_SET_PATH or FSCONFIG_SET_PATH_EMPTY => keyAddr != 0 && valueAddr != 0 && (aux == PathSyscalls.AT_FDCWD || aux >= 0),
            FSCONFIG_SET_FD => keyAddr != 0 && valueAddr == 0 && aux >= 0,
            FSCONFIG_CMD_CREATE or FSCONFIG_CMD_CREATE_EXCL or FSCONFIG_CMD_RECONFIGURE => keyAddr == 0 && valueAddr == 0 && aux == 0,
            _ => true,
        };
        if (cmd > FSCONFIG_CMD_CREATE_EXCL) return Err(Errno.EOPNOTSUPP);
        if (!ok) return Err(Errno.EINVAL);
        if (fd < 0) return Err(Errno.EINVAL);
        using var fRef = t.Fds.Borrow(fd);
        if (fRef.File == null) return Err(Errno.EBADF);
        if (fRef.File is not FsContextFile fc) return Err(Errno.EINVAL);
        // devpts keeps the old monolithic options (a legacy context): only flags and strings.
        if (fc.FsType == "devpts" && cmd is FSCONFIG_SET_BINARY or FSCONFIG_SET_PATH or FSCONFIG_SET_PATH_EMPTY or FSCONFIG_SET_FD)
            return Err(Errno.EOPNOTSUPP);
        string? key = null;
        if (keyAddr != 0)
        {
            var e = ReadString(t, keyAddr, FsconfigStringMax, out key);
            if (e != Errno.None) return Err(e);
        }
        var param = new Param(null, false, cmd == FSCONFIG_SET_FLAG);
        switch (cmd)
        {
            case FSCONFIG_SET_STRING:
            {
                var e = ReadString(t, valueAddr, FsconfigStringMax, out var v);
                if (e != Errno.None) return Err(e);
                param = new Param(v, true, false);
                break;
            }
            case FSCONFIG_SET_BINARY:
            {
                var buf = new byte[aux];
                if (!t.Mem.Read(valueAddr, buf)) return Err(Errno.EFAULT);
                break;
            }
            case FSCONFIG_SET_PATH or FSCONFIG_SET_PATH_EMPTY:
            {
                var e = PathSyscalls.ReadPath(t, valueAddr, out var path);
                if (e != Errno.None) return Err(e);
                if (path.Length == 0 && cmd == FSCONFIG_SET_PATH) return Err(Errno.ENOENT);
                break;
            }
            case FSCONFIG_SET_FD:
            {
                using var other = t.Fds.Borrow(aux);
                if (other.File == null) return Err(Errno.EBADF);
                break;
            }
        }
        lock (fc) return Err(Configure(t, fc, cmd, key, param));
    }

    /// <summary>vfs_fsconfig_locked: the commands, or one parameter, against the context's phase.</summary>
    static Errno Configure(Task t, FsContextFile fc, uint cmd, string? key, Param param)
    {
        if (fc.Phase == FsContextPhase.AwaitingReconf) fc.Phase = FsContextPhase.ReconfParams;
        switch (cmd)
        {
            case FSCONFIG_CMD_CREATE or FSCONFIG_CMD_CREATE_EXCL:
            {
                if (fc.Phase != FsContextPhase.CreateParams) return Errno.EBUSY;
                if (!MountSyscalls.MountCapable(t, fc.FsType)) return Errno.EPERM;
                var e = MountSyscalls.CheckOptions(t, fc.FsType, fc.Options);
                Inode? root = null;
                Super? super = null;
                if (e == Errno.None) e = MountSyscalls.MakeFs(t, fc.FsType, fc.Options, fc.ReadOnly ?? false, out root, out super);
                if (e != Errno.None) { fc.Phase = FsContextPhase.Failed; return e; }
                fc.Root = root;
                fc.Super = super;
                fc.Phase = FsContextPhase.AwaitingMount;
                return Errno.None;
            }
            case FSCONFIG_CMD_RECONFIGURE:
            {
                if (fc.Phase != FsContextPhase.ReconfParams) return Errno.EBUSY;
                var m = fc.Target!;
                var e = MountSyscalls.MountCapable(t, m.FsType) ? MountSyscalls.ReconfigureSuper(t, m, fc.Options, fc.ReadOnly) : Errno.EPERM;
                if (e != Errno.None) { fc.Phase = FsContextPhase.Failed; return e; }
                fc.Clean();
                return Errno.None;
            }
        }
        if (fc.Phase is not (FsContextPhase.CreateParams or FsContextPhase.ReconfParams)) return Errno.EBUSY;
        return SetParam(t, fc, key!, param);
    }

    /// <summary>vfs_parse_fs_param: a superblock flag (ro, rw, sync …, whatever the value's kind), else the file
    /// system's own parameter, else "source" (a string, once), else EINVAL.</summary>
    static Errno SetParam(Task t, FsContextFile fc, string key, Param p)
    {
        if (key == "ro" || key == "rw") { fc.ReadOnly = key == "ro"; return Errno.None; }
        if (MountSyscalls.SbFlagNames.Contains(key)) return Errno.None;
        if (key != "source" && (p.IsString || p.IsFlag))
        {
            // devpts's legacy context takes any string or flag now and parses them all at CMD_CREATE.
            var one = new Dictionary<string, string?>(StringComparer.Ordinal) { [key] = p.Value };
            if (fc.FsType == "devpts" || MountSyscalls.CheckOptions(t, fc.FsType, one) == Errno.None)
            {
                fc.Options[key] = p.Value;
                return Errno.None;
            }
            return Errno.EINVAL;
        }
        if (key != "source" || !p.IsString || fc.Source != null) return Errno.EINVAL;
        fc.Source = p.Value;
        return Errno.None;
    }

    /// <summary>MOUNT_ATTR_* flags as the mount's MNT_* (attr_flags_to_mnt_flags; atime apart).</summary>
    static int MntFlags(ulong attr)
    {
        int m = 0;
        if ((attr & MOUNT_ATTR_RDONLY) != 0) m |= Mount.MNT_READONLY;
        if ((attr & MOUNT_ATTR_NOSUID) != 0) m |= Mount.MNT_NOSUID;
        if ((attr & MOUNT_ATTR_NODEV) != 0) m |= Mount.MNT_NODEV;
        if ((attr & MOUNT_ATTR_NOEXEC) != 0) m |= Mount.MNT_NOEXEC;
        if ((attr & MOUNT_ATTR_NODIRATIME) != 0) m |= Mount.MNT_NODIRATIME;
        if ((attr & MOUNT_ATTR_NOSYMFOLLOW) != 0) m |= Mount.MNT_NOSYMFOLLOW;
        return m;
    }

    static long FsMount(Task t, int fsfd, uint flags, uint attr)
    {
        if (!MountSyscalls.MayMount(t)) return Err(Errno.EPERM);
        if ((flags & ~(uint)FSMOUNT_CLOEXEC) != 0) return Err(Errno.EINVAL);
        if ((attr & ~FsmountValid) != 0) return Err(Errno.EINVAL);
        int mntFlags = MntFlags(attr);
        switch (attr & MOUNT_ATTR__ATIME)
        {
            case MOUNT_ATTR_STRICTATIME: break;
            case MOUNT_ATTR_NOATIME: mntFlags |= Mount.MNT_NOATIME; break;
            case MOUNT_ATTR_RELATIME: mntFlags |= Mount.MNT_RELATIME; break;
            default: return Err(Errno.EINVAL);
        }
        using var fRef = t.Fds.Borrow(fsfd);
        if (fRef.File == null) return Err(Errno.EBADF);
        if (fRef.File is not FsContextFile fc) return Err(Errno.EINVAL);
        Mount m;
        lock (fc)
        {
            if (fc.Root == null) return Err(Errno.EINVAL); // no superblock yet (fspick's context has its mount's)
            if (fc.Phase != FsContextPhase.AwaitingMount) return Err(Errno.EBUSY);
            m = new Mount(new Dentry("/", null, fc.Root), null, null, fc.FsType, fc.Source ?? "none", fc.Super!, mntFlags);
            fc.Target = m;
            fc.Clean();
        }
        MountNamespace.Detached(m, t.Ns.Mnt.Owner);
        bool cloexec = (flags & FSMOUNT_CLOEXEC) != 0;
        return Install(t, DetachedFd(m, m.Root, cloexec), cloexec);
    }

    /// <summary>An O_PATH fd on a detached tree's root that takes the tree away at its last close.</summary>
    static PathOnlyFile DetachedFd(Mount m, Dentry root, bool cloexec) =>
        new(OpenFlags.O_PATH | (cloexec ? OpenFlags.O_CLOEXEC : 0), new VfsPath(m, root), root.Inode) { DetachedTree = m };

    static long FsPick(Task t, int dfd, ulong pathAddr, uint flags)
    {
        if (!MountSyscalls.MayMount(t)) return Err(Errno.EPERM);
        if ((flags & ~(uint)(FSPICK_CLOEXEC | FSPICK_SYMLINK_NOFOLLOW | FSPICK_NO_AUTOMOUNT | FSPICK_EMPTY_PATH)) != 0) return Err(Errno.EINVAL);
        int at = ((flags & FSPICK_SYMLINK_NOFOLLOW) != 0 ? PathSyscalls.AT_SYMLINK_NOFOLLOW : 0)
            | ((flags & FSPICK_EMPTY_PATH) != 0 ? PathSyscalls.AT_EMPTY_PATH : 0);
        var e = PathSyscalls.Resolve(t, dfd, pathAddr, at, out var p);
        if (e != Errno.None) return Err(e);
        if (!p.Mount.IsRoot(p.Dentry)) return Err(Errno.EINVAL);
        bool cloexec = (flags & FSPICK_CLOEXEC) != 0;
        var fc = new FsContextFile(p.Mount.FsType, cloexec ? OpenFlags.O_CLOEXEC : 0) { Phase = FsContextPhase.ReconfParams, Target = p.Mount, Root = p.Mount.Root.Inode };
        return Install(t, fc, cloexec);
    }

    static long MoveMount(Task t, int fromFd, ulong fromAddr, int toFd, ulong toAddr, uint flags)
    {
        if (!MountSyscalls.MayMount(t)) return Err(Errno.EPERM);
        if ((flags & ~MOVE_MOUNT_MASK) != 0) return Err(Errno.EINVAL);
        int fromAt = ((flags & MOVE_MOUNT_F_SYMLINKS) != 0 ? 0 : PathSyscalls.AT_SYMLINK_NOFOLLOW)
            | ((flags & MOVE_MOUNT_F_EMPTY_PATH) != 0 ? PathSyscalls.AT_EMPTY_PATH : 0);
        int toAt = ((flags & MOVE_MOUNT_T_SYMLINKS) != 0 ? 0 : PathSyscalls.AT_SYMLINK_NOFOLLOW)
            | ((flags & MOVE_MOUNT_T_EMPTY_PATH) != 0 ? PathSyscalls.AT_EMPTY_PATH : 0);
        var e = PathSyscalls.Resolve(t, fromFd, fromAddr, fromAt, out var from);
        if (e != Errno.None) return Err(e);
        e = PathSyscalls.Resolve(t, toFd, toAddr, toAt, out var to);
        if (e != Errno.None) return Err(e);
        if ((flags & MOVE_MOUNT_SET_GROUP) != 0) return Err(SetGroup(t, from, to));
        return Err(MountSyscalls.MoveMount(t, from, to));
    }

    /// <summary>MOVE_MOUNT_SET_GROUP (do_set_group): 'to' joins the peer group of 'from' (and gets its master);
    /// both must be mount roots of the caller's namespace, 'to' not shared yet, 'from' shared or a slave, and
    /// 'to' reachable from the same root as 'from'.</summary>
    static Errno SetGroup(Task t, VfsPath from, VfsPath to)
    {
        Mount f = from.Mount, d = to.Mount;
        if (!MountSyscalls.Mine(t, f) || !MountSyscalls.Mine(t, d)) return Errno.EINVAL;
        if (!f.IsRoot(from.Dentry) || !d.IsRoot(to.Dentry)) return Errno.EINVAL;
        if (f.Super != d.Super) return Errno.EINVAL;
        if (!MountNamespace.IsUnder(new VfsPath(d, d.Root), new VfsPath(f, f.Root))) return Errno.EINVAL;
        if (f.Peers == null && f.Master == null) return Errno.EINVAL;
        if (d.Peers != null || d.Master != null) return Errno.EBUSY;
        lock (d)
        {
            d.Master = f.Master;
            d.Peers = f.Peers;
        }
        return Errno.None;
    }

    static long OpenTree(Task t, int dfd, ulong pathAddr, uint flags)
    {
        const uint valid = (uint)(PathSyscalls.AT_EMPTY_PATH | PathSyscalls.AT_NO_AUTOMOUNT | AT_RECURSIVE
            | PathSyscalls.AT_SYMLINK_NOFOLLOW | OPEN_TREE_CLONE | OpenFlags.O_CLOEXEC);
        if ((flags & ~valid) != 0) return Err(Errno.EINVAL);
        if ((flags & (AT_RECURSIVE | OPEN_TREE_CLONE)) == AT_RECURSIVE) return Err(Errno.EINVAL);
        bool clone = (flags & OPEN_TREE_CLONE) != 0;
        if (clone && !MountSyscalls.MayMount(t)) return Err(Errno.EPERM);
        var e = PathSyscalls.Resolve(t, dfd, pathAddr, (int)flags & (PathSyscalls.AT_SYMLINK_NOFOLLOW | PathSyscalls.AT_EMPTY_PATH), out var p);
        if (e != Errno.None) return Err(e);
        bool cloexec = (flags & OpenFlags.O_CLOEXEC) != 0;
        if (!clone)
            return Install(t, new PathOnlyFile(OpenFlags.O_PATH | (cloexec ? OpenFlags.O_CLOEXEC : 0), p, p.Inode), cloexec);
        // __do_loopback: never an unbindable mount, nor one outside the caller's namespace and detached trees.
        var old = p.Mount;
        if (old.Unbindable) return Err(Errno.EINVAL);
        if (!MountSyscalls.Mine(t, old) && old.Ns is not { IsAnonymous: true }) return Err(Errno.EINVAL);
        var plan = MountSyscalls.PlanCopy(p, (flags & AT_RECURSIVE) != 0);
        var top = old.Clone(p.Dentry, makePrivate: false);
        var ns = MountNamespace.Detached(top, t.Ns.Mnt.Owner);
        MountSyscalls.CopyBelow(ns, old, top, plan);
        return Install(t, DetachedFd(top, top.Root, cloexec), cloexec);
    }

    static long MountSetattr(Task t, int dfd, ulong pathAddr, uint flags, ulong attrAddr, ulong size)
    {
        if ((flags & ~(uint)(PathSyscalls.AT_EMPTY_PATH | AT_RECURSIVE | PathSyscalls.AT_SYMLINK_NOFOLLOW | PathSyscalls.AT_NO_AUTOMOUNT)) != 0)
            return Err(Errno.EINVAL);
        if (size > PageSize) return Err(Errno.E2BIG);
        if (size < MountAttrSizeVer0) return Err(Errno.EINVAL);
        if (!MountSyscalls.MayMount(t)) return Err(Errno.EPERM);
        // copy_struct_from_user: a larger struct's tail must be zeros.
        var buf = new byte[size];
        if (!t.Mem.Read(attrAddr, buf)) return Err(Errno.EFAULT);
        if (buf.AsSpan(MountAttrSizeVer0).IndexOfAnyExcept((byte)0) >= 0) return Err(Errno.E2BIG);
        ulong set = BitConverter.ToUInt64(buf, 0), clr = BitConverter.ToUInt64(buf, 8), propagation = BitConverter.ToUInt64(buf, 16),
            usernsFd = BitConverter.ToUInt64(buf, 24);
        if (set == 0 && clr == 0 && propagation == 0) return 0;
        var e = MountAttr(t, set, clr, propagation, usernsFd, out int setFlags, out int clrFlags);
        if (e != Errno.None) return Err(e);
        e = PathSyscalls.Resolve(t, dfd, pathAddr, (int)flags & (PathSyscalls.AT_SYMLINK_NOFOLLOW | PathSyscalls.AT_EMPTY_PATH), out var p);
        if (e != Errno.None) return Err(e);
        var m = p.Mount;
        if (!m.IsRoot(p.Dentry)) return Err(Errno.EINVAL);
        if (m.Ns == null) return Err(Errno.EINVAL);
        // An attached mount (or a namespace's root) must be the caller's; a detached tree is whoever holds it.
        if ((m.Parent != null || !m.Ns.IsAnonymous) && !MountSyscalls.Mine(t, m)) return Err(Errno.EINVAL);
        var all = new List<Mount> { m };
        if ((flags & AT_RECURSIVE) != 0) all.AddRange(m.Ns.Below(m));
        // mount_setattr_prepare: a mount going read-only must have no writers (all or nothing).
        if ((setFlags & Mount.MNT_READONLY) != 0 && HasNewlyReadOnlyWriter(t, all)) return Err(Errno.EBUSY);
        foreach (var c in all)
            lock (c) c.Flags = (c.Flags & ~clrFlags) | setFlags;
        m.Ns.Touch();
        if (propagation != 0)
            foreach (var c in all)
                lock (c) MountSyscalls.SetPropagation(t, c, propagation);
        return 0;
    }

    static bool HasNewlyReadOnlyWriter(Task t, List<Mount> all)
    {
        var turning = all.Where(c => (c.Flags & Mount.MNT_READONLY) == 0).ToHashSet();
        return turning.Count > 0 && MountSyscalls.HasWriters(t, turning.Contains);
    }

    /// <summary>build_mount_kattr: struct mount_attr's checks, and the MNT_* flags to set and to clear. The atime
    /// settings are one value: changing it needs all of MOUNT_ATTR__ATIME in attr_clr.</summary>
    static Errno MountAttr(Task t, ulong set, ulong clr, ulong propagation, ulong usernsFd, out int setFlags, out int clrFlags)
    {
        setFlags = clrFlags = 0;
        if (propagation is not (0 or MountSyscalls.MS_UNBINDABLE or MountSyscalls.MS_PRIVATE or MountSyscalls.MS_SLAVE or MountSyscalls.MS_SHARED))
            return Errno.EINVAL;
        if ((set >> 32) != 0 || (clr >> 32) != 0) return Errno.EINVAL;
        if (((set | clr) & ~SetattrValid) != 0) return Errno.EINVAL;
        setFlags = MntFlags(set);
        clrFlags = MntFlags(clr);
        if ((clr & MOUNT_ATTR__ATIME) != 0)
        {
            if ((clr & MOUNT_ATTR__ATIME) != MOUNT_ATTR__ATIME) return Errno.EINVAL;
            clrFlags |= Mount.MNT_RELATIME | Mount.MNT_NOATIME;
            switch (set & MOUNT_ATTR__ATIME)
            {
                case MOUNT_ATTR_RELATIME: setFlags |= Mount.MNT_RELATIME; break;
                case MOUNT_ATTR_NOATIME: setFlags |= Mount.MNT_NOATIME; break;
                case MOUNT_ATTR_STRICTATIME: break;
                default: return Errno.EINVAL;
            }
        }
        else if ((set & MOUNT_ATTR__ATIME) != 0) return Errno.EINVAL;
        // Idmapped mounts: no file system here supports them (after Linux's checks of the namespace fd).
        if (((set | clr) & MOUNT_ATTR_IDMAP) != 0)
        {
            if ((clr & MOUNT_ATTR_IDMAP) != 0 || usernsFd > int.MaxValue) return Errno.EINVAL;
            using var fRef = t.Fds.Borrow((int)usernsFd);
            return fRef.File == null ? Errno.EBADF : Errno.EINVAL;
        }
        return Errno.None;
    }
}
