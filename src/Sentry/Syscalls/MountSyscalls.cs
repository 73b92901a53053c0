using AppKernel.Sentry.FileSystems.DevPts;
using AppKernel.Sentry.FileSystems.Proc;
using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.FileSystems.Tmpfs;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// mount(2), umount2(2) and pivot_root(2) on the caller's mount namespace, in Linux's order (path_mount): new
/// mounts of the file systems the Sentry makes itself (devpts, tmpfs, proc, sysfs, and mqueue: the kernel's one instance), bind mounts (MS_REC copies
/// the mounts below), remounts (flags of one mount with MS_BIND, or of the file system too), propagation types
/// and moves. Nothing of the host is ever mounted from inside.
/// </summary>
static class MountSyscalls
{
    internal const ulong MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16, MS_REMOUNT = 32,
        MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024, MS_NODIRATIME = 2048,
        MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384, MS_SILENT = 32768, MS_POSIXACL = 1 << 16,
        MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20, MS_RELATIME = 1 << 21,
        MS_I_VERSION = 1 << 23, MS_STRICTATIME = 1 << 24, MS_LAZYTIME = 1 << 25, MS_NOUSER = 1UL << 31,
        MS_MGC_VAL = 0xC0ED0000, MS_MGC_MSK = 0xffff0000;
    const ulong Propagation = MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED;
    const ulong AtimeFlags = MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;
    const int MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;
    const int PageSize = 4096;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.mount] = (k, src, target, type, flags, data, _) => Mount(k, src, target, type, flags, data);
        t[Nr.umount2] = (k, target, flags, _, _, _, _) => Unmount(k, target, (int)flags);
        t[Nr.pivot_root] = (k, newRoot, putOld, _, _, _, _) => PivotRoot(k, newRoot, putOld);
        MountApiSyscalls.Register(t);
    }

    /// <summary>A string argument of mount (Linux's copy_mount_string: NULL stays null, a fault is EFAULT).</summary>
    internal static Errno ReadArg(Task t, ulong addr, int max, out string? s)
    {
        s = null;
        if (addr == 0) return Errno.None;
        var e = t.Mem.ReadString(addr, max, out var v);
        if (e == Errno.ENAMETOOLONG) return Errno.EINVAL;
        s = v;
        return e;
    }

    static long Mount(Task t, ulong srcAddr, ulong targetAddr, ulong typeAddr, ulong flags, ulong dataAddr)
    {
        // Linux copies type, source and data before it walks the target.
        var e = ReadArg(t, typeAddr, PageSize - 1, out var type);
        if (e != Errno.None) return Err(e);
        e = ReadArg(t, srcAddr, PathWalker.PathMax - 1, out var source);
        if (e != Errno.None) return Err(e);
        string? data = null;
        if (dataAddr != 0)
        {
            e = ReadData(t, dataAddr, out data);
            if (e != Errno.None) return Err(e);
        }
        e = PathSyscalls.Resolve(t, PathSyscalls.AT_FDCWD, targetAddr, 0, out var at);
        if (e != Errno.None) return Err(e);
        if ((flags & MS_MGC_MSK) == MS_MGC_VAL) flags &= ~MS_MGC_MSK;
        if ((flags & MS_NOUSER) != 0) return Err(Errno.EINVAL);
        // Landlock's sb_mount hook, then may_mount, after the path.
        if (!Kernel.Landlock.LandlockChecks.MayChangeMounts(t) || !MayMount(t)) return Err(Errno.EPERM);
        int mntFlags = MountFlags(flags, at.Mount);
        if ((flags & (MS_REMOUNT | MS_BIND)) == (MS_REMOUNT | MS_BIND)) return Err(Reconfigure(t, at, mntFlags));
        if ((flags & MS_REMOUNT) != 0) return Err(Remount(t, at, flags, mntFlags, data));
        if ((flags & MS_BIND) != 0) return Err(Bind(t, at, source, (flags & MS_REC) != 0));
        if ((flags & Propagation) != 0) return Err(ChangeType(t, at, flags));
        if ((flags & MS_MOVE) != 0) return Err(Move(t, at, source));
        return Err(NewMount(t, at, type, source, flags, mntFlags, data));
    }

    /// <summary>The options page: up to a page, a fault only if nothing at all can be read (copy_mount_options).</summary>
    static Errno ReadData(Task t, ulong addr, out string data)
    {
        data = "";
        var buf = new byte[PageSize];
        int n = 0;
        // Read up to the page end first, then the next page: the string may end before a hole.
        int first = (int)Math.Min((ulong)PageSize, PageSize - (addr & (PageSize - 1)));
        if (!t.Mem.Read(addr, buf.AsSpan(0, first))) return Errno.EFAULT;
        n = first;
        if (n < PageSize && Array.IndexOf(buf, (byte)0, 0, n) < 0 && t.Mem.Read(addr + (ulong)n, buf.AsSpan(n))) n = PageSize;
        int end = Array.IndexOf(buf, (byte)0, 0, n);
        data = LinuxText.Decode(buf.AsSpan(0, end < 0 ? Math.Min(n, PageSize - 1) : end));
        return Errno.None;
    }

    /// <summary>The per-mount flags mount's flags ask for (path_mount): relatime unless told otherwise; a remount
    /// that names no atime flag keeps the mount's.</summary>
    static int MountFlags(ulong flags, Vfs.Mount current)
    {
        int m = (flags & MS_NOATIME) == 0 ? Vfs.Mount.MNT_RELATIME : 0;
        if ((flags & MS_NOSUID) != 0) m |= Vfs.Mount.MNT_NOSUID;
        if ((flags & MS_NODEV) != 0) m |= Vfs.Mount.MNT_NODEV;
        if ((flags & MS_NOEXEC) != 0) m |= Vfs.Mount.MNT_NOEXEC;
        if ((flags & MS_NOATIME) != 0) m |= Vfs.Mount.MNT_NOATIME;
        if ((flags & MS_NODIRATIME) != 0) m |= Vfs.Mount.MNT_NODIRATIME;
        if ((flags & MS_STRICTATIME) != 0) m &= ~(Vfs.Mount.MNT_RELATIME | Vfs.Mount.MNT_NOATIME);
        if ((flags & MS_RDONLY) != 0) m |= Vfs.Mount.MNT_READONLY;
        if ((flags & MS_NOSYMFOLLOW) != 0) m |= Vfs.Mount.MNT_NOSYMFOLLOW;
        if ((flags & MS_REMOUNT) != 0 && (flags & AtimeFlags) == 0)
            m = (m & ~Vfs.Mount.AtimeMask) | (current.Flags & Vfs.Mount.AtimeMask);
        return m;
    }

    /// <summary>Whether m is in the caller's namespace (Linux's check_mnt).</summary>
    internal static bool Mine(Task t, Vfs.Mount m) => m.Ns == t.Ns.Mnt;

    /// <summary>Whether 'at' is a place in the caller's namespace: a /proc fd link to a pathless file (an eventfd,
    /// a pipe) leads into an internal mount, never a mount point (EINVAL as check_mnt).</summary>
    static bool MinePlace(Task t, VfsPath at) => Mine(t, at.Mount) && at.Inode is not ReopenInode;

    /// <summary>MS_REMOUNT|MS_BIND: one mount's flags, the file system untouched.</summary>
    static Errno Reconfigure(Task t, VfsPath at, int mntFlags)
    {
        var m = at.Mount;
        if (!Mine(t, m) || !m.IsRoot(at.Dentry)) return Errno.EINVAL;
        if ((mntFlags & Vfs.Mount.MNT_READONLY) != 0 && (m.Flags & Vfs.Mount.MNT_READONLY) == 0 && HasWriters(t, c => c == m))
            return Errno.EBUSY; // mnt_make_readonly
        lock (m) m.Flags = mntFlags | (m.Flags & ~Vfs.Mount.UserSettable);
        m.Ns?.Touch();
        return Errno.None;
    }

    /// <summary>MS_REMOUNT: the file system's read-only state and options, and the mount's flags.</summary>
    static Errno Remount(Task t, VfsPath at, ulong flags, int mntFlags, string? data)
    {
        var m = at.Mount;
        if (!Mine(t, m) || !m.IsRoot(at.Dentry)) return Errno.EINVAL;
        var options = Options(data);
        bool ro = (flags & MS_RDONLY) != 0;
        if (options.Remove("ro")) ro = true;
        if (options.Remove("rw")) ro = false;
        options.Remove("source");
        var e = ReconfigureSuper(t, m, options, ro);
        if (e != Errno.None) return e;
        lock (m) m.Flags = mntFlags | (m.Flags & ~Vfs.Mount.UserSettable);
        m.Ns?.Touch();
        return Errno.None;
    }

    /// <summary>A file system's reconfiguration (reconfigure_super): tmpfs's size and inode limit, and the
    /// read-only state when ro says (null: unchanged); other options of tmpfs are taken and ignored, as shmem's.</summary>
    internal static Errno ReconfigureSuper(Task t, Vfs.Mount m, Dictionary<string, string?> options, bool? ro)
    {
        // Going read-only with files open for writing is EBUSY, before anything changes (sb_prepare_remount_readonly).
        if (ro == true && !m.Super.ReadOnly && HasWriters(t, c => c.Super == m.Super)) return Errno.EBUSY;
        if (m.FsType == "tmpfs")
        {
            var e = ParseTmpfs(t, options, out var size, out var inodes, out _, out _, out _);
            if (e != Errno.None) return e;
            if (m.Root.Inode is TmpfsDir { Fs.Space: { } space })
            {
                if (size is { } bytes && (e = space.Resize(TmpfsSpace.PagesOf(bytes))) != Errno.None) return e;
                if (inodes != null) space.InodeLimit = inodes;
                m.Super.Options = TmpfsOptions(t, m.Root.Inode);
            }
        }
        if (ro is { } r) m.Super.ReadOnly = r;
        return Errno.None;
    }

    /// <summary>Whether a file open for writing is on a mount that matches (Linux's writer counts, per mount and
    /// per superblock, found by looking through the open files).</summary>
    internal static bool HasWriters(Task t, Func<Vfs.Mount, bool> on)
    {
        foreach (var task in t.Kernel.Tasks())
        {
            if (task.Exited) continue;
            foreach (int fd in task.Fds.OpenFds())
            {
                using var fRef = task.Fds.Borrow(fd);
                if (fRef.File is { } f && (f.Flags & OpenFlags.O_PATH) == 0 && OpenFlags.CanWrite(f.Flags)
                    && f.Path.IsValid && on(f.Path.Mount)) return true;
            }
        }
        return false;
    }

    /// <summary>MS_BIND: the source's mount seen from its directory (with MS_REC, with the mounts below it),
    /// hung over the target. The copy keeps the source mount's flags (a bind's own MS_RDONLY needs a remount).</summary>
    static Errno Bind(Task t, VfsPath at, string? sourcePath, bool recursive)
    {
        if (string.IsNullOrEmpty(sourcePath)) return Errno.EINVAL;
        var e = PathWalker.Resolve(t, sourcePath[0] == '/' ? t.Fs.Root : t.Fs.Cwd, sourcePath, true, out var src);
        if (e != Errno.None) return e;
        if (!MinePlace(t, at) || !Mine(t, src.Mount)) return Errno.EINVAL;
        if (src.Mount.Unbindable) return Errno.EINVAL;
        if (at.Inode.IsDeleted) return Errno.ENOENT;
        if (at.Inode.IsDir != src.Inode.IsDir) return Errno.ENOTDIR;
        var ns = t.Ns.Mnt;
        var plan = PlanCopy(src, recursive);
        // A namespace holds at most MountMax mounts (ENOSPC, count_mounts).
        long adding = (1L + plan.Count) * (1 + Vfs.Propagation.Receivers(at.Mount, at.Dentry));
        if (ns.All.Count + adding > MountNamespace.MountMax) return Errno.ENOSPC;
        var top = src.Mount.Clone(src.Dentry, makePrivate: false);
        ns.Attach(top, at);
        CopyBelow(ns, src.Mount, top, plan);
        Vfs.Propagation.Mounted(at.Mount, at.Dentry, top);
        return Errno.None;
    }

    /// <summary>What a copy of src's mount takes along: with recursive, the mounts below it within src's
    /// directory (Linux's copy_tree), parents first; else nothing.</summary>
    internal static List<(Vfs.Mount Child, Vfs.Mount Parent)> PlanCopy(VfsPath src, bool recursive)
    {
        var plan = new List<(Vfs.Mount Child, Vfs.Mount Parent)>();
        if (!recursive || src.Mount.Ns == null) return plan;
        var children = new Dictionary<Vfs.Mount, List<Vfs.Mount>>();
        foreach (var c in src.Mount.Ns.All)
            if (c.Parent != null) { if (!children.TryGetValue(c.Parent, out var l)) children[c.Parent] = l = new(); l.Add(c); }
        PlanBelow(children, src.Mount, src, plan);
        return plan;
    }

    /// <summary>Hangs copies of the planned mounts in ns below top, the copy of source.</summary>
    internal static void CopyBelow(MountNamespace ns, Vfs.Mount source, Vfs.Mount top, List<(Vfs.Mount Child, Vfs.Mount Parent)> plan)
    {
        var copies = new Dictionary<Vfs.Mount, Vfs.Mount> { [source] = top };
        foreach (var (child, parent) in plan)
        {
            var c = child.Clone(child.Root, makePrivate: false);
            copies[child] = c;
            ns.Attach(c, new VfsPath(copies[parent], child.MountPoint!));
        }
    }

    /// <summary>MS_REC: the mounts hanging below 'from' (within its directory 'within'), parents first, skipping
    /// unbindable ones and what is under them (Linux's copy_tree).</summary>
    static void PlanBelow(Dictionary<Vfs.Mount, List<Vfs.Mount>> children, Vfs.Mount from, VfsPath within, List<(Vfs.Mount, Vfs.Mount)> plan)
    {
        if (!children.TryGetValue(from, out var list)) return;
        foreach (var child in list)
        {
            if (child.Unbindable) continue;
            if (!MountNamespace.IsUnder(new VfsPath(from, child.MountPoint!), within)) continue;
            plan.Add((child, from));
            PlanBelow(children, child, new VfsPath(child, child.Root), plan);
        }
    }

    /// <summary>MS_SHARED, MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE (exactly one, with MS_REC and MS_SILENT at most) on a
    /// mount and, with MS_REC, every mount below it (Linux's do_change_type).</summary>
    internal static Errno ChangeType(Task t, VfsPath at, ulong flags)
    {
        var m = at.Mount;
        if (!m.IsRoot(at.Dentry)) return Errno.EINVAL;
        ulong type = flags & ~(MS_REC | MS_SILENT);
        if (type == 0 || (type & (type - 1)) != 0 || (type & Propagation) == 0) return Errno.EINVAL;
        var all = new List<Vfs.Mount> { m };
        if ((flags & MS_REC) != 0 && m.Ns != null) all.AddRange(m.Ns.Below(m));
        foreach (var c in all)
            lock (c) SetPropagation(t, c, type);
        return Errno.None;
    }

    internal static void SetPropagation(Task t, Vfs.Mount m, ulong type)
    {
        if (type == MS_SHARED)
        {
            m.Peers ??= PeerGroup.New();
            m.Unbindable = false;
            return;
        }
        // Slave, private and unbindable first leave the peer group: a slave then receives from its former peers
        // (or its master, when it had no peers); with neither it is private (do_make_slave).
        var oldPeers = m.Peers;
        var oldMaster = m.Master;
        m.Peers = null;
        // The last of a group takes its slaves with it: they receive from its own master from now on, or
        // from nothing (do_make_slave hands them over).
        if (oldPeers != null && oldPeers.Members.Length == 0)
            foreach (var s in oldPeers.Slaves) s.Master = oldMaster;
        if (type == MS_SLAVE)
        {
            if (oldPeers != null && oldPeers.Members.Length > 0) m.Master = oldPeers;
            m.Unbindable = false;
        }
        else
        {
            m.Master = null;
            m.Unbindable = type == MS_UNBINDABLE;
        }
    }

    /// <summary>MS_MOVE: a mount (the source must be one's root) hung elsewhere in the same namespace.</summary>
    static Errno Move(Task t, VfsPath at, string? sourcePath)
    {
        if (string.IsNullOrEmpty(sourcePath)) return Errno.EINVAL;
        var e = PathWalker.Resolve(t, sourcePath[0] == '/' ? t.Fs.Root : t.Fs.Cwd, sourcePath, true, out var src);
        if (e != Errno.None) return e;
        return MoveMount(t, src, at);
    }

    /// <summary>Linux's do_move_mount, for MS_MOVE and move_mount(2): an attached mount of the caller's namespace,
    /// or the root of a detached tree, hung over the topmost mount at 'at' — in the caller's namespace, or in
    /// another detached tree when a detached tree moves.</summary>
    internal static Errno MoveMount(Task t, VfsPath src, VfsPath at)
    {
        at = MountNamespace.CrossDown(at); // lock_mount: onto whatever is mounted there last
        if (at.Inode.IsDeleted) return Errno.ENOENT;
        var m = src.Mount;
        var p = at.Mount;
        bool attached = m.Parent != null;
        bool detachedTree = MountNamespace.IsDetachedRoot(m);
        if (!Mine(t, p) && !(detachedTree && p.Ns is { IsAnonymous: true } && p.Ns != m.Ns)) return Errno.EINVAL;
        if (m.Ns == null) return Errno.EINVAL; // is_mounted
        if (!(attached ? Mine(t, m) : detachedTree)) return Errno.EINVAL;
        if (!m.IsRoot(src.Dentry)) return Errno.EINVAL;
        if (attached && m.Parent == t.Ns.Mnt.Anchor) return Errno.EINVAL;
        if (at.Inode.IsDir != src.Inode.IsDir) return Errno.EINVAL;
        // Not out of a shared parent, and no unbindable mount into a shared one.
        if (attached && m.Parent!.Peers != null) return Errno.EINVAL;
        if (p.Peers != null && (m.Unbindable || m.Ns.Below(m).Any(c => c.Unbindable))) return Errno.EINVAL;
        // Not into itself (ELOOP).
        for (var q = p; q != null; q = q.Parent)
            if (q == m) return Errno.ELOOP;
        if (attached) t.Ns.Mnt.Move(m, at);
        else
        {
            p.Ns!.Graft(m, at);
            Vfs.Propagation.Mounted(at.Mount, at.Dentry, m);
        }
        return Errno.None;
    }

    /// <summary>Linux's may_mount: CAP_SYS_ADMIN in the user namespace that owns the caller's mount namespace.</summary>
    internal static bool MayMount(Task t) => t.Creds.HasIn(t.Ns.Mnt.Owner, Credentials.CAP_SYS_ADMIN);

    static Errno NewMount(Task t, VfsPath at, string? type, string? source, ulong flags, int mntFlags, string? data)
    {
        if (type == null) return Errno.EINVAL;
        var options = Options(data);
        bool ro = (flags & MS_RDONLY) != 0;
        if (options.Remove("ro")) ro = true;
        if (options.Remove("rw")) ro = false;
        foreach (var generic in SbFlagNames) options.Remove(generic);
        if (options.Remove("source", out var named))
        {
            if (source != null) return Errno.EINVAL; // "Multiple sources"
            source = named;
        }
        if (!FilesystemTypes.Names.Contains(type)) return Errno.ENODEV;
        var e = CheckOptions(t, type, options);
        if (e != Errno.None) return e;
        if (!MountCapable(t, type)) return Errno.EPERM;
        e = MakeFs(t, type, options, ro, out var root, out var super);
        if (e != Errno.None) return e;
        if (!MinePlace(t, at)) return Errno.EINVAL;
        if (at.Inode.IsDeleted) return Errno.ENOENT;
        if (!at.Inode.IsDir) return Errno.ENOTDIR;
        // The same file system again on its own root is refused (do_add_mount).
        if (at.Dentry == at.Mount.Root && SameSuper(at.Mount.Root.Inode, root)) return Errno.EBUSY;
        if (t.Ns.Mnt.All.Count + 1L + Vfs.Propagation.Receivers(at.Mount, at.Dentry) > MountNamespace.MountMax) return Errno.ENOSPC;
        var m = new Vfs.Mount(new Dentry("/", null, root), null, null, type, source ?? "none", super, mntFlags);
        t.Ns.Mnt.Attach(m, at);
        Vfs.Propagation.Mounted(at.Mount, at.Dentry, m);
        return Errno.None;
    }

    /// <summary>The superblock flags every file system takes besides ro/rw (vfs_parse_sb_flag's), dropped here.</summary>
    internal static readonly string[] SbFlagNames = { "sync", "async", "dirsync", "mand", "nomand", "lazytime", "nolazytime",
        "silent", "loud", "posixacl", "noacl", "iversion", "noiversion" };

    /// <summary>Checks a file system's own options (each type's parse_param): an unknown key or a bad value is
    /// EINVAL. Flag options carry a null value (fsconfig's FSCONFIG_SET_FLAG), the others a string.</summary>
    internal static Errno CheckOptions(Task t, string type, Dictionary<string, string?> options)
    {
        switch (type)
        {
            case "tmpfs": return ParseTmpfs(t, options, out _, out _, out _, out _, out _);
            case "devpts": return ParseDevPts(t, options, out _);
            case "proc":
                foreach (var (key, value) in options)
                    if (key is not ("gid" or "hidepid" or "subset") || value == null) return Errno.EINVAL;
                return Errno.None;
            case "cgroup2":
            {
                var rest = new Dictionary<string, string?>(options);
                FileSystems.Cgroups.CgroupHierarchy.TakeFlags(rest);
                return rest.Count == 0 ? Errno.None : Errno.EINVAL;
            }
            default: return options.Count == 0 ? Errno.None : Errno.EINVAL;
        }
    }

    /// <summary>mount_capable: proc and sysfs belong to the pid and network namespaces, the sandbox's initial ones,
    /// so they need CAP_SYS_ADMIN there; mqueue in its IPC namespace's owner, cgroup2 in its cgroup namespace's;
    /// tmpfs and devpts in the caller's.</summary>
    internal static bool MountCapable(Task t, string type)
    {
        var over = type switch
        {
            "proc" or "sysfs" => UserNamespace.Initial, "mqueue" => t.Ns.Ipc.Owner, "cgroup2" => t.Ns.Cgroup.Owner, _ => t.Creds.UserNs,
        };
        return t.Creds.HasIn(over, Credentials.CAP_SYS_ADMIN);
    }

    /// <summary>A new instance of a file system type (vfs_get_tree) from options CheckOptions took: its root and
    /// superblock, not mounted anywhere yet. A type the sandbox lists but cannot make is ENODEV.</summary>
    internal static Errno MakeFs(Task t, string type, Dictionary<string, string?> options, bool ro, out Inode root, out Super super)
    {
        root = null!;
        super = new Super { ReadOnly = ro };
        string[] cgroupFlags = [];
        switch (type)
        {
            case "devpts":
            {
                // A new instance (newinstance is what every devpts here is): its own terminals, numbered from 0.
                var e = ParseDevPts(t, options, out var o);
                if (e != Errno.None) return e;
                root = new DevPtsFs(t.Kernel, o).Root;
                break;
            }
            case "tmpfs":
            {
                var e = ParseTmpfs(t, options, out var size, out var inodes, out var mode, out var uid, out var gid);
                if (e != Errno.None) return e;
                var space = new TmpfsSpace(size is { } bytes ? TmpfsSpace.PagesOf(bytes) : DefaultTmpfsPages(t)) { InodeLimit = inodes };
                var dir = TmpfsFs.Create(mode ?? 0x3ff, space);
                dir.Uid = uid ?? t.Creds.Fsuid;
                dir.Gid = gid ?? t.Creds.Fsgid;
                root = dir;
                super.Options = TmpfsOptions(t, dir);
                break;
            }
            case "proc": root = new ProcRoot(t.Kernel, t.PidNs); break;
            case "sysfs": root = SysFs.Create(); break;
            case "mqueue": root = t.Mqueue.Root; break; // the mounter's IPC namespace's instance, as Linux's
            case "cgroup2":
            {
                // The one hierarchy, from the mounter's cgroup namespace root; nsdelegate is the hierarchy's setting.
                cgroupFlags = FileSystems.Cgroups.CgroupHierarchy.TakeFlags(options);
                if (options.Count != 0) return Errno.EINVAL;
                root = t.Ns.Cgroup.Root;
                break;
            }
            default: return Errno.ENODEV;
        }
        // apply_cgroup_root_flags: only a mount from the initial cgroup namespace sets or clears the flags, and it
        // does so once the super block is had, before the mount is placed.
        if (type == "cgroup2" && t.Ns.Cgroup == t.Kernel.Cgroups.InitNs) t.Kernel.Cgroups.SetFlags(cgroupFlags);
        return Errno.None;
    }

    /// <summary>devpts's options: mode, ptmxmode (octal), gid, uid, max, newinstance.</summary>
    static Errno ParseDevPts(Task t, Dictionary<string, string?> o, out DevPtsOptions options)
    {
        options = default!;
        foreach (var (key, value) in o)
            if (key is not ("mode" or "ptmxmode" or "gid" or "uid" or "max" or "newinstance") || (value == null) != (key == "newinstance"))
                return Errno.EINVAL;
        if (!Octal(o, "mode", 0x180, out var mode) || !Octal(o, "ptmxmode", 0, out var ptmx)) return Errno.EINVAL;
        uint? gid = null;
        if (o.TryGetValue("gid", out var g)) { if (!uint.TryParse(g, out var gv) || (gv = t.Creds.UserNs.GidFromUser(gv)) == IdMap.Invalid) return Errno.EINVAL; gid = gv; }
        if (o.TryGetValue("uid", out var u) && (!uint.TryParse(u, out var uv) || t.Creds.UserNs.UidFromUser(uv) == IdMap.Invalid)) return Errno.EINVAL;
        if (o.TryGetValue("max", out var max) && !uint.TryParse(max, out _)) return Errno.EINVAL;
        options = new DevPtsOptions(mode, gid, ptmx);
        return Errno.None;
    }

    /// <summary>Whether two roots are of one super block: the same inode, or cgroup2's one hierarchy.</summary>
    static bool SameSuper(Inode a, Inode b) =>
        a == b || (a is FileSystems.Cgroups.Cgroup x && b is FileSystems.Cgroups.Cgroup y && x.Hierarchy == y.Hierarchy);

    /// <summary>tmpfs's options (shmem_parse_one): size (bytes with k/m/g/t/p/e, or % of memory), nr_blocks,
    /// nr_inodes, mode (octal), uid, gid, huge, mpol, inode32/64, noswap; anything else is EINVAL.</summary>
    static Errno ParseTmpfs(Task t, Dictionary<string, string?> o, out ulong? size, out long? inodes, out uint? mode, out uint? uid, out uint? gid)
    {
        size = null; inodes = null; mode = null; uid = null; gid = null;
        foreach (var (key, value) in o)
        {
            // inode32, inode64 and noswap are flags; the rest take a value (fs_parse's type check).
            if ((value == null) != (key is "inode32" or "inode64" or "noswap")) return Errno.EINVAL;
            switch (key)
            {
                case "size": case "nr_blocks":
                    if (!TmpfsSpace.TryParseSize(key, value!, SystemInfo.TotalMemory(t.Kernel), out var bytes)) return Errno.EINVAL;
                    size = bytes;
                    break;
                case "nr_inodes":
                    if (!TmpfsSpace.MemParse(value!, out var n)) return Errno.EINVAL;
                    inodes = (long)n;
                    break;
                case "mode":
                    try { mode = Convert.ToUInt32(value, 8) & 0xfff; }
                    catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException) { return Errno.EINVAL; }
                    break;
                case "uid": // the mounter's namespace's ids (shmem_parse_one's make_kuid)
                    if (!uint.TryParse(value, out var u) || (u = t.Creds.UserNs.UidFromUser(u)) == IdMap.Invalid) return Errno.EINVAL;
                    uid = u;
                    break;
                case "gid":
                    if (!uint.TryParse(value, out var g) || (g = t.Creds.UserNs.GidFromUser(g)) == IdMap.Invalid) return Errno.EINVAL;
                    gid = g;
                    break;
                case "huge":
                    if (value is not ("never" or "always" or "within_size" or "advise" or "deny" or "force")) return Errno.EINVAL;
                    break;
                case "mpol": case "inode32": case "inode64": case "noswap": break;
                default: return Errno.EINVAL;
            }
        }
        return Errno.None;
    }

    static long DefaultTmpfsPages(Task t) => TmpfsSpace.DefaultPages(SystemInfo.TotalMemory(t.Kernel));

    /// <summary>What mountinfo shows of a tmpfs (shmem_show_options): a size other than the default, a mode other
    /// than 1777, an owner other than root.</summary>
    static string TmpfsOptions(Task t, Inode root)
    {
        var s = "";
        if (root is TmpfsDir { Fs.Space: { } space } && space.MaxPages != DefaultTmpfsPages(t))
            s += $",size={space.MaxPages * (PageSize / 1024)}k";
        if (root is TmpfsDir { Fs.Space.InodeLimit: { } inodes }) s += $",nr_inodes={inodes}";
        if (root.Stat(out var st) == Errno.None)
        {
            if ((st.Mode & 0xfff) != 0x3ff) s += $",mode={Convert.ToString(st.Mode & 0xfff, 8)}";
            if (st.Uid != 0) s += $",uid={st.Uid}";
            if (st.Gid != 0) s += $",gid={st.Gid}";
        }
        return s;
    }

    /// <summary>umount2: the path (following a final symlink unless UMOUNT_NOFOLLOW) must be a mount's root in the
    /// caller's namespace. Busy (mounts below it, open files, a task's root or cwd in it) is EBUSY unless
    /// MNT_DETACH, which takes it and what is below it away and leaves them to whoever holds them.</summary>
    static long Unmount(Task t, ulong targetAddr, int flags)
    {
        if ((flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) != 0) return Err(Errno.EINVAL);
        var e = PathSyscalls.Resolve(t, PathSyscalls.AT_FDCWD, targetAddr,
            (flags & UMOUNT_NOFOLLOW) != 0 ? PathSyscalls.AT_SYMLINK_NOFOLLOW : 0, out var at);
        if (e != Errno.None) return Err(e);
        if (!MayMount(t)) return Err(Errno.EPERM);
        at = MountNamespace.CrossDown(at); // LOOKUP_MOUNTPOINT: "." under a mount names the topmost one
        var m = at.Mount;
        if (!m.IsRoot(at.Dentry) || !Mine(t, m) || m.Parent == null) return Err(Errno.EINVAL);
        if (!Kernel.Landlock.LandlockChecks.MayChangeMounts(t)) return Err(Errno.EPERM);
        bool detach = (flags & MNT_DETACH) != 0;
        if ((flags & MNT_EXPIRE) != 0)
        {
            if (m == t.Fs.Root.Mount || (flags & (MNT_FORCE | MNT_DETACH)) != 0) return Err(Errno.EINVAL);
            if (Busy(t, m)) return Err(Errno.EBUSY);
            if (!m.ExpiryMark) { m.ExpiryMark = true; return Err(Errno.EAGAIN); }
        }
        if (m == t.Fs.Root.Mount && !detach)
        {
            // Linux's "unmount" of the caller's root remounts its file system read-only.
            m.Super.ReadOnly = true;
            return 0;
        }
        if (!detach && Busy(t, m)) return Err(Errno.EBUSY);
        // Every mount of the tree that hangs in a shared mount takes its copies in the peers along (propagate_umount).
        var tree = t.Ns.Mnt.Below(m).Prepend(m).ToList();
        var inTree = tree.ToHashSet();
        // Mounts hanging at the same place of one peer group find the same copies: asked once (a stack of thousands).
        var asked = new HashSet<(PeerGroup, Inode, Super)>();
        var propagated = tree.Where(c => c.Parent!.Peers is { } g && asked.Add((g, c.MountPoint!.Inode, c.Super)))
            .SelectMany(c => Vfs.Propagation.Unmounted(c.Parent!, c.MountPoint!, c))
            .Where(c => !inTree.Contains(c)).Distinct().ToList();
        t.Ns.Mnt.Detach(m);
        foreach (var c in propagated) c.Ns?.Detach(c);
        return 0;
    }

    /// <summary>Whether anything holds m (Linux's reference count over 2): a mount on it, a task's root or cwd, an
    /// open file.</summary>
    static bool Busy(Task t, Vfs.Mount m)
    {
        if (m.Ns != null && m.Ns.HasChildren(m)) return true;
        foreach (var task in t.Kernel.Tasks())
        {
            if (task.Exited) continue;
            if (task.Fs.Root.Mount == m || task.Fs.Cwd.Mount == m) return true;
            foreach (int fd in task.Fds.OpenFds())
            {
                using var fRef = task.Fds.Borrow(fd);
                if (fRef.File is { } f && f.Path.IsValid && f.Path.Mount == m) return true;
            }
        }
        return false;
    }

    /// <summary>
    /// pivot_root: new_root (a mount's root, below the caller's root) becomes the namespace's "/" and the old root
    /// hangs at put_old (at or below new_root); the tasks whose root or cwd was the old root move to the new one.
    /// Linux's checks in its order: EINVAL for shared mounts around, ENOENT, EBUSY for the old root's own mount,
    /// EINVAL for non-mount points and an unreachable put_old.
    /// </summary>
    static long PivotRoot(Task t, ulong newAddr, ulong oldAddr)
    {
        if (!MayMount(t)) return Err(Errno.EPERM);
        var e = ResolveDir(t, newAddr, out var nw);
        if (e != Errno.None) return Err(e);
        e = ResolveDir(t, oldAddr, out var old);
        if (e != Errno.None) return Err(e);
        if (!Kernel.Landlock.LandlockChecks.MayChangeMounts(t)) return Err(Errno.EPERM);
        var root = t.Fs.Root;
        if (old.Inode.IsDeleted) return Err(Errno.ENOENT);
        Vfs.Mount newMnt = nw.Mount, rootMnt = root.Mount, oldMnt = old.Mount;
        if (oldMnt.Peers != null || newMnt.Parent?.Peers != null || rootMnt.Parent?.Peers != null) return Err(Errno.EINVAL);
        if (!Mine(t, rootMnt) || !Mine(t, newMnt)) return Err(Errno.EINVAL);
        if (nw.Inode.IsDeleted) return Err(Errno.ENOENT);
        if (newMnt == rootMnt || oldMnt == rootMnt) return Err(Errno.EBUSY);
        if (!rootMnt.IsRoot(root.Dentry) || rootMnt.Parent == null) return Err(Errno.EINVAL);
        if (!newMnt.IsRoot(nw.Dentry) || newMnt.Parent == null) return Err(Errno.EINVAL);
        if (!MountNamespace.IsUnder(old, nw) || !MountNamespace.IsUnder(nw, root)) return Err(Errno.EINVAL);
        var ns = t.Ns.Mnt;
        var rootPlace = new VfsPath(rootMnt.Parent, rootMnt.MountPoint!);
        ns.Move(rootMnt, old);
        ns.Move(newMnt, rootPlace);
        // chroot_fs_refs: every task rooted (or working) at the old root now is at the new one.
        var newRoot = new VfsPath(newMnt, newMnt.Root);
        foreach (var task in t.Kernel.Tasks())
        {
            var fs = task.Fs;
            lock (fs)
            {
                if (fs.Root.SameAs(root)) fs.Root = newRoot;
                if (fs.Cwd.SameAs(root)) fs.Cwd = newRoot;
            }
        }
        return 0;
    }

    /// <summary>A directory argument (LOOKUP_FOLLOW | LOOKUP_DIRECTORY).</summary>
    static Errno ResolveDir(Task t, ulong addr, out VfsPath p)
    {
        var e = PathSyscalls.Resolve(t, PathSyscalls.AT_FDCWD, addr, 0, out p);
        if (e == Errno.None && !p.Inode.IsDir) e = Errno.ENOTDIR;
        return e;
    }

    /// <summary>A mount's data string: comma-separated key=value options.</summary>
    internal static Dictionary<string, string?> Options(string? data)
    {
        var o = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var part in (data ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            o[kv[0]] = kv.Length == 2 ? kv[1] : null;
        }
        return o;
    }

    static bool Octal(Dictionary<string, string?> o, string key, uint dflt, out uint v)
    {
        v = dflt;
        if (!o.TryGetValue(key, out var s)) return true;
        try { v = Convert.ToUInt32(s, 8); return v <= 0xfff; }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException) { return false; }
    }
}
