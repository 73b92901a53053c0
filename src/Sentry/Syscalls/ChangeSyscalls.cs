using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Kernel.Landlock;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;
using static AppKernel.Sentry.Syscalls.PathSyscalls;

namespace AppKernel.Sentry.Syscalls;

/// <summary>Syscalls that change the tree or a file's attributes: mkdir, unlink, rmdir, rename, symlink,
/// link, chmod, chown, truncate, utimensat. The file system says EROFS when it cannot change.</summary>
static class ChangeSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.mkdir] = (k, path, mode, _, _, _, _) => Mkdir(k, AT_FDCWD, path, (uint)mode);
        t[Nr.mkdirat] = (k, dirfd, path, mode, _, _, _) => Mkdir(k, (int)dirfd, path, (uint)mode);
        t[Nr.mknod] = (k, path, mode, _, _, _, _) => Mknod(k, AT_FDCWD, path, (uint)mode);
        t[Nr.mknodat] = (k, dirfd, path, mode, _, _, _) => Mknod(k, (int)dirfd, path, (uint)mode);
        t[Nr.unlink] = (k, path, _, _, _, _, _) => Unlink(k, AT_FDCWD, path, false);
        t[Nr.rmdir] = (k, path, _, _, _, _, _) => Unlink(k, AT_FDCWD, path, true);
        t[Nr.unlinkat] = (k, dirfd, path, flags, _, _, _) =>
            (flags & ~(ulong)AT_REMOVEDIR) != 0 ? Err(Errno.EINVAL) : Unlink(k, (int)dirfd, path, (flags & AT_REMOVEDIR) != 0);
        t[Nr.symlink] = (k, target, path, _, _, _, _) => Symlink(k, target, AT_FDCWD, path);
        t[Nr.symlinkat] = (k, target, dirfd, path, _, _, _) => Symlink(k, target, (int)dirfd, path);
        t[Nr.link] = (k, oldp, newp, _, _, _, _) => Link(k, AT_FDCWD, oldp, AT_FDCWD, newp, 0);
        t[Nr.linkat] = (k, od, oldp, nd, newp, flags, _) => Link(k, (int)od, oldp, (int)nd, newp, (int)flags);
        t[Nr.rename] = (k, oldp, newp, _, _, _, _) => Rename(k, AT_FDCWD, oldp, AT_FDCWD, newp, 0);
        t[Nr.renameat] = (k, od, oldp, nd, newp, _, _) => Rename(k, (int)od, oldp, (int)nd, newp, 0);
        t[Nr.renameat2] = (k, od, oldp, nd, newp, flags, _) => Rename(k, (int)od, oldp, (int)nd, newp, (uint)flags);
        t[Nr.chmod] = (k, path, mode, _, _, _, _) => OnPath(k, AT_FDCWD, path, 0, i => Chmod(k, i, (uint)mode));
        t[Nr.fchmodat] = (k, dirfd, path, mode, _, _, _) => OnPath(k, (int)dirfd, path, 0, i => Chmod(k, i, (uint)mode));
        t[Nr.fchmod] = (k, fd, mode, _, _, _, _) => OnFd(k, (int)fd, i => Chmod(k, i, (uint)mode));
        t[Nr.chown] = (k, path, u, g, _, _, _) => OnPath(k, AT_FDCWD, path, 0, i => Chown(k, i, (uint)u, (uint)g));
        t[Nr.lchown] = (k, path, u, g, _, _, _) => OnPath(k, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, i => Chown(k, i, (uint)u, (uint)g));
        t[Nr.fchownat] = (k, dirfd, path, u, g, flags, _) => OnPath(k, (int)dirfd, path, (int)flags, i => Chown(k, i, (uint)u, (uint)g));
        t[Nr.fchown] = (k, fd, u, g, _, _, _) => OnFd(k, (int)fd, i => Chown(k, i, (uint)u, (uint)g));
        t[Nr.truncate] = (k, path, len, _, _, _, _) => TruncatePath(k, path, (long)len);
        t[Nr.ftruncate] = (k, fd, len, _, _, _, _) => Ftruncate(k, (int)fd, (long)len);
        t[Nr.utimensat] = (k, dirfd, path, times, flags, _, _) => Utimensat(k, (int)dirfd, path, times, (int)flags);
        t[Nr.utimes] = (k, path, tv, _, _, _, _) => Utimes(k, AT_FDCWD, path, tv, false);
        t[Nr.futimesat] = (k, dirfd, path, tv, _, _, _) => Utimes(k, (int)dirfd, path, tv, false);
        t[Nr.utime] = (k, path, buf, _, _, _, _) => Utimes(k, AT_FDCWD, path, buf, true);
        t[Nr.fchmodat2] = (k, dirfd, path, mode, flags, _, _) => Fchmodat2(k, (int)dirfd, path, (uint)mode, (int)flags);
        t[Nr.fallocate] = (k, fd, mode, off, len, _, _) => Fallocate(k, (int)fd, (int)mode, (long)off, (long)len);
    }

    /// <summary>Creating or removing in dir needs write and search permission and a writable mount.</summary>
    public static Errno CheckWritableDir(Task t, VfsPath dir)
    {
        if (dir.Mount.ReadOnly) return Errno.EROFS;
        return Permissions.Check(t, dir.Inode, 3);
    }

    static Errno Parent(Task t, int dirfd, ulong pathAddr, out VfsPath parent, out string name, out string path)
    {
        parent = default; name = "";
        var e = ReadPath(t, pathAddr, out path);
        if (e != Errno.None) return e;
        e = t.StartDir(dirfd, path, out var start);
        if (e != Errno.None) return e;
        return PathWalker.ResolveParent(t, start, path, out parent, out name);
    }

    /// <summary>type: the new node's S_IFMT bits, for Landlock's MAKE_* right (0: a link, which checks its own).</summary>
    static long CreateCommon(Task t, int dirfd, ulong pathAddr, bool allowTrailingSlash, uint type, Func<VfsPath, string, Errno> make)
    {
        var e = Parent(t, dirfd, pathAddr, out var parent, out var name, out var path);
        if (e != Errno.None) return Err(e);
        if (name is "" or "." or "..") return Err(Errno.EEXIST);
        if (PathWalker.Child(t, parent, name, out _) == Errno.None) return Err(Errno.EEXIST);
        if (!allowTrailingSlash && path.EndsWith('/')) return Err(Errno.ENOENT);
        if (parent.Inode.IsDeleted) return Err(Errno.ENOENT);
        // Landlock's path hook comes after mnt_want_write and before the permission checks, as Linux's.
        e = parent.Mount.ReadOnly || type == 0 ? Errno.None : LandlockChecks.Make(t, parent, type);
        if (e == Errno.None) e = CheckWritableDir(t, parent);
        if (e != Errno.None) return Err(e);
        e = make(parent, name);
        if (e != Errno.None) return Err(e);
        Fsnotify.InDir(parent.Inode, name, InotifyMask.IN_CREATE, InodeMode.IsDir(type));
        return 0;
    }

    static long Mkdir(Task t, int dirfd, ulong path, uint mode) =>
        CreateCommon(t, dirfd, path, true, InodeMode.S_IFDIR, (p, n) => p.Inode.Mkdir(t, n, Permissions.CreationMode(t, p.Inode, mode)));

    static long Mknod(Task t, int dirfd, ulong path, uint mode)
    {
        uint type = mode & InodeMode.S_IFMT;
        if (type == 0) type = InodeMode.S_IFREG;
        if (type is InodeMode.S_IFCHR or InodeMode.S_IFBLK or InodeMode.S_IFDIR) return Err(Errno.EPERM); // no device nodes in the sandbox
        if (type is not (InodeMode.S_IFREG or InodeMode.S_IFIFO or InodeMode.S_IFSOCK)) return Err(Errno.EINVAL);
        return CreateCommon(t, dirfd, path, false, type, (p, n) => p.Inode.Create(t, n, type | Permissions.CreationMode(t, p.Inode, mode), out _));
    }

    static long Symlink(Task t, ulong targetAddr, int dirfd, ulong path)
    {
        var e = ReadPath(t, targetAddr, out var target);
        if (e != Errno.None) return Err(e);
        if (target.Length == 0) return Err(Errno.ENOENT);
        return CreateCommon(t, dirfd, path, false, InodeMode.S_IFLNK, (p, n) => p.Inode.Symlink(t, n, target));
    }

    static long Unlink(Task t, int dirfd, ulong pathAddr, bool dir)
    {
        var e = Parent(t, dirfd, pathAddr, out var parent, out var name, out var path);
        if (e != Errno.None) return Err(e);
        if (dir && name == ".") return Err(Errno.EINVAL);
        if (dir && name == "..") return Err(Errno.ENOTEMPTY);
        if (dir && name == "") return Err(Errno.EBUSY); // the root (LAST_ROOT)
        if (!dir && name == "") return Err(Errno.EISDIR);
        if (parent.Mount.ReadOnly) return Err(Errno.EROFS); // Linux's mnt_want_write comes before the lookup
        e = PathWalker.Child(t, parent, name, out var victim);
        if (e != Errno.None) return Err(e);
        if (!dir && path.EndsWith('/')) return Err(victim.Inode.IsDir ? Errno.EISDIR : Errno.ENOTDIR);
        if (dir && !victim.Inode.IsDir) return Err(Errno.ENOTDIR);
        if (!dir && victim.Inode.IsDir) return Err(Errno.EISDIR);
        if (victim.Dentry == victim.Mount.Root) return Err(Errno.EBUSY);
        e = LandlockChecks.Remove(t, parent, victim.Inode);
        if (e == Errno.None) e = CheckWritableDir(t, parent);
        if (e == Errno.None) e = Permissions.CheckSticky(t, parent.Inode, victim.Inode);
        if (e != Errno.None) return Err(e);
        e = parent.Inode.Unlink(t, name, dir);
        if (e != Errno.None) return Err(e);
        if (!dir) Fsnotify.OnInode(victim.Inode, InotifyMask.IN_ATTRIB);
        Fsnotify.LinkRemoved(victim.Inode);
        Fsnotify.InDir(parent.Inode, name, InotifyMask.IN_DELETE, dir);
        return 0;
    }

    static long Link(Task t, int oldDirfd, ulong oldAddr, int newDirfd, ulong newAddr, int flags)
    {
        if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) != 0) return Err(Errno.EINVAL);
        var e = Resolve(t, oldDirfd, oldAddr, (flags & AT_SYMLINK_FOLLOW) != 0 ? flags & AT_EMPTY_PATH : AT_SYMLINK_NOFOLLOW | (flags & AT_EMPTY_PATH), out var src);
        if (e != Errno.None) return Err(e);
        if (src.Inode.IsDir) return Err(Errno.EPERM);
        return CreateCommon(t, newDirfd, newAddr, false, 0, (p, n) =>
        {
            if (p.Mount != src.Mount) return Errno.EXDEV;
            var le = Permissions.CheckHardlinkSource(t, src.Inode);
            if (le == Errno.None && src.Dentry.Parent is { } srcDir)
                le = LandlockChecks.Refer(t, new VfsPath(src.Mount, srcDir), src, p, default, removable: false, exchange: false);
            if (le == Errno.None) le = p.Inode.Link(t, n, src.Inode);
            if (le == Errno.None) Fsnotify.OnInode(src.Inode, InotifyMask.IN_ATTRIB); // its link count, before the name's CREATE
            return le;
        });
    }

    static long Rename(Task t, int oldDirfd, ulong oldAddr, int newDirfd, ulong newAddr, uint flags)
    {
        const uint NOREPLACE = 1, EXCHANGE = 2, WHITEOUT = 4;
        if ((flags & ~(NOREPLACE | EXCHANGE | WHITEOUT)) != 0 || (flags & (NOREPLACE | EXCHANGE)) == (NOREPLACE | EXCHANGE)) return Err(Errno.EINVAL);
        if ((flags & WHITEOUT) != 0) return Err(Errno.EINVAL);
        var e = Parent(t, oldDirfd, oldAddr, out var op, out var on, out var oldPath);
        if (e != Errno.None) return Err(e);
        e = Parent(t, newDirfd, newAddr, out var np, out var nn, out var newPath);
        if (e != Errno.None) return Err(e);
        if (on is "" or "." or "..") return Err(Errno.EBUSY);
        if (nn is "" or "." or "..") return Err((flags & NOREPLACE) != 0 ? Errno.EEXIST : Errno.EBUSY); // do_renameat2's new_type check
        e = PathWalker.Child(t, op, on, out var src);
        if (e != Errno.None) return Err(e);
        if (!src.Inode.IsDir && (oldPath.EndsWith('/') || newPath.EndsWith('/'))) return Err(Errno.ENOTDIR);
        bool exists = PathWalker.Child(t, np, nn, out var dst) == Errno.None;
        if (exists && (flags & NOREPLACE) != 0) return Err(Errno.EEXIST);
        if (!exists && (flags & EXCHANGE) != 0) return Err(Errno.ENOENT);
        // A mount point (a name another mount covers) is not renamed, nor replaced (vfs_rename's EBUSY).
        if (src.Mount != op.Mount || (exists && dst.Mount != np.Mount)) return Err(Errno.EBUSY);
        if (op.Mount != np.Mount) return Err(Errno.EXDEV);
        e = LandlockChecks.Refer(t, op, src, np, exists ? dst : default, removable: true, exchange: (flags & EXCHANGE) != 0);
        if (e == Errno.None) e = CheckWritableDir(t, op);
        if (e == Errno.None) e = CheckWritableDir(t, np);
        if (e == Errno.None) e = Permissions.CheckSticky(t, op.Inode, src.Inode);
        if (e == Errno.None && exists) e = Permissions.CheckSticky(t, np.Inode, dst.Inode);
        if (e != Errno.None) return Err(e);
        // A directory may not move below itself (either way round for an exchange).
        if (src.Inode.IsDir && IsUnder(np.Dentry, src.Inode)) return Err(Errno.EINVAL);
        if ((flags & EXCHANGE) != 0 && dst.Inode.IsDir && IsUnder(op.Dentry, dst.Inode)) return Err(Errno.EINVAL);
        if (exists && (flags & EXCHANGE) == 0 && dst.Inode.IsDir && IsUnder(op.Dentry, dst.Inode)) return Err(Errno.ENOTEMPTY);
        if (exists && dst.Inode == src.Inode) return 0; // two names of one file: Linux does nothing, and says so
        e = op.Inode.Rename(t, on, np.Inode, nn, flags);
        if (e != Errno.None) return Err(e);
        if ((flags & EXCHANGE) != 0)
        {
            Fsnotify.Moved(op.Inode, on, np.Inode, nn, src.Inode, null);
            Fsnotify.Moved(np.Inode, nn, op.Inode, on, dst.Inode, null);
            return 0;
        }
        Fsnotify.Moved(op.Inode, on, np.Inode, nn, src.Inode, exists ? dst.Inode : null);
        if (exists) Fsnotify.LinkRemoved(dst.Inode);
        return 0;
    }

    static bool IsUnder(Dentry? d, Inode dir)
    {
        for (; d != null; d = d.Parent)
            if (d.Inode == dir) return true;
        return false;
    }

    /// <summary>A change to the inode at path; on success inotify sees ev (attributes unless told otherwise).</summary>
    static long OnPath(Task t, int dirfd, ulong path, int flags, Func<Inode, Errno> change, uint ev = InotifyMask.IN_ATTRIB)
    {
        if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) return Err(Errno.EINVAL);
        var e = Resolve(t, dirfd, path, flags, out var p);
        if (e != Errno.None) return Err(e);
        if (p.Mount.ReadOnly) return Err(Errno.EROFS);
        return Notified(change(p.Inode), p, ev);
    }

    static long OnFd(Task t, int fd, Func<Inode, Errno> change, uint ev = InotifyMask.IN_ATTRIB)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null || f.Inode == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err(Errno.EBADF);
        if (f.Path.IsValid && f.Path.Mount.ReadOnly) return Err(Errno.EROFS);
        return Notified(change(f.Inode), f.Path, ev);
    }

    static long Notified(Errno e, VfsPath p, uint ev)
    {
        if (e != Errno.None) return Err(e);
        Fsnotify.OnFile(p, ev, viaPath: false);
        return 0;
    }

    static long Fchmodat2(Task t, int dirfd, ulong path, uint mode, int flags) =>
        OnPath(t, dirfd, path, flags, i => i.IsSymlink ? Errno.EOPNOTSUPP : Chmod(t, i, mode));

    static Errno Chmod(Task t, Inode i, uint mode)
    {
        if (i.Stat(out var st) != Errno.None) return Errno.ENOENT;
        if (!t.Creds.HasOver(Credentials.CAP_FOWNER, st.Uid, st.Gid) && t.Creds.Fsuid != st.Uid) return Errno.EPERM;
        mode &= 0xfff;
        // A non-member may not keep the set-group-ID bit (Linux clears it silently).
        if (!t.Creds.HasOver(Credentials.CAP_FSETID, st.Uid, st.Gid) && !t.Creds.InGroup(st.Gid)) mode &= ~0x400u;
        return i.SetMode(mode);
    }

    const string SecurityCapability = "security.capability";

    static Errno Chown(Task t, Inode i, uint uid, uint gid)
    {
        // The ids are the caller's namespace's: to kernel ids, EINVAL for one with no mapping (chown_common).
        var ns = t.Creds.UserNs;
        if (uid != uint.MaxValue && (uid = ns.UidFromUser(uid)) == IdMap.Invalid) return Errno.EINVAL;
        if (gid != uint.MaxValue && (gid = ns.GidFromUser(gid)) == IdMap.Invalid) return Errno.EINVAL;
        if (i.Stat(out var st) != Errno.None) return Errno.ENOENT;
        if (!t.Creds.HasOver(Credentials.CAP_CHOWN, st.Uid, st.Gid))
        {
            // The owner may only change the group, and only to one of its own.
            if (uid != uint.MaxValue && uid != st.Uid) return Errno.EPERM;
            if (gid != uint.MaxValue && gid != st.Gid && (t.Creds.Fsuid != st.Uid || !t.Creds.InGroup(gid))) return Errno.EPERM;
            if (gid != uint.MaxValue && t.Creds.Fsuid != st.Uid) return Errno.EPERM;
        }
        var e = i.SetOwner(uid, gid);
        // chown clears set-user-ID and set-group-ID on regular files.
        if (e == Errno.None && InodeMode.IsReg(st.Mode) && (uid != uint.MaxValue || gid != uint.MaxValue) && (st.Mode & 0xc00) != 0)
            i.SetMode(st.Mode & 0xfff & ~(t.Creds.HasOver(Credentials.CAP_FSETID, st.Uid, st.Gid) && (st.Mode & 0x8) == 0 ? 0x800u : 0xc00u));
        // ATTR_KILL_PRIV: a file capability does not survive a change of owner (cap_inode_killpriv).
        if (e == Errno.None && !InodeMode.IsDir(st.Mode) && i.GetXattr(SecurityCapability, out _) == Errno.None)
            i.RemoveXattr(SecurityCapability);
        return e;
    }

    /// <summary>Setting times needs ownership, except "now" for both, which write permission allows.</summary>
    static Errno SetTimes(Task t, Inode i, long? a, long? m, bool bothNow)
    {
        if (i.Stat(out var st) != Errno.None) return Errno.ENOENT;
        if (!t.Creds.HasOver(Credentials.CAP_FOWNER, st.Uid, st.Gid) && t.Creds.Fsuid != st.Uid)
        {
            if (!bothNow) return Errno.EPERM;
            if (Permissions.Check(t, i, 2) != Errno.None) return Errno.EACCES;
        }
        return i.SetTimes(a, m);
    }

    /// <summary>truncate(2): write permission, then Landlock's TRUNCATE on the file (Linux's order).</summary>
    static long TruncatePath(Task t, ulong path, long len)
    {
        var e = Resolve(t, AT_FDCWD, path, 0, out var p);
        if (e != Errno.None) return Err(e);
        if (p.Mount.ReadOnly) return Err(Errno.EROFS);
        e = Permissions.Check(t, p.Inode, 2);
        if (e == Errno.None && !p.Inode.IsDir) e = LandlockChecks.Path(t, p, LandlockAccess.FS_TRUNCATE);
        return Notified(e != Errno.None ? e : Truncate(t, p.Inode, len), p, InotifyMask.IN_MODIFY);
    }

    static Errno Truncate(Task t, Inode i, long len)
    {
        if (len < 0) return Errno.EINVAL;
        if (i.IsDir) return Errno.EISDIR;
        if (!InodeMode.IsReg(i.Mode)) return Errno.EINVAL;
        var e = i.Stat(out var st);
        if (e == Errno.None) e = GuestIO.LimitNewSize(t, st.Size, len);
        return e != Errno.None ? e : i.Truncate(len);
    }

    static long Ftruncate(Task t, int fd, long len)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null || f.Inode == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err(Errno.EBADF);
        if (len < 0) return Err(Errno.EINVAL);
        if (!OpenFlags.CanWrite(f.Flags) || !InodeMode.IsReg(f.Inode.Mode)) return Err(Errno.EINVAL);
        if (f.Stat(out var st) != Errno.None) return Err(Errno.EBADF);
        var e = LandlockChecks.Truncate(f);
        if (e == Errno.None) e = GuestIO.LimitNewSize(t, st.Size, len);
        return Notified(e != Errno.None ? e : f.Inode.Truncate(len), f.Path, InotifyMask.IN_MODIFY);
    }

    static long Fallocate(Task t, int fd, int mode, long off, long len)
    {
        const int KEEP_SIZE = 1;
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null || f.Inode == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err(Errno.EBADF);
        if (off < 0 || len <= 0) return Err(Errno.EINVAL);
        if (!OpenFlags.CanWrite(f.Flags)) return Err(Errno.EBADF);
        if (InodeMode.IsDir(f.Inode.Mode)) return Err(Errno.EISDIR);
        if ((f.Inode.Mode & InodeMode.S_IFMT) == InodeMode.S_IFIFO) return Err(Errno.ESPIPE);
        if (!InodeMode.IsReg(f.Inode.Mode)) return Err(Errno.ENODEV);
        if ((mode & ~KEEP_SIZE) != 0) return Err(Errno.EOPNOTSUPP);
        if (f.Path.IsValid && f.Path.Mount.ReadOnly) return Err(Errno.EROFS);
        if (f.Stat(out var st) != Errno.None) return Err(Errno.EBADF);
        // RLIMIT_FSIZE: a tmpfs checks it even with KEEP_SIZE (shmem_fallocate's inode_newsize_ok), disk file systems
        // only when the size grows.
        bool keep = (mode & KEEP_SIZE) != 0;
        if (!keep || (f.Path.IsValid && f.Path.Mount.FsType == "tmpfs"))
        {
            var le = GuestIO.LimitNewSize(t, st.Size, off + len);
            if (le != Errno.None) return Err(le);
        }
        // A tmpfs file's pages are charged to its file system's size; other memory files have no holes to fill, so
        // only the size can change.
        if (f.Inode is FileSystems.Tmpfs.TmpfsFile tf)
            return Notified(tf.Allocate(off, len, (mode & KEEP_SIZE) != 0), f.Path, InotifyMask.IN_MODIFY);
        return Notified((mode & KEEP_SIZE) == 0 && off + len > st.Size ? f.Inode.Truncate(off + len) : Errno.None, f.Path, InotifyMask.IN_MODIFY);
    }

    const long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;

    static long Utimensat(Task t, int dirfd, ulong path, ulong times, int flags)
    {
        if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) return Err(Errno.EINVAL);
        if (times == 0) return SetTimesAt(t, dirfd, path, null, flags);
        Span<Timespec> ts = stackalloc Timespec[2]; // atime, mtime
        if (!t.Mem.Read(times, System.Runtime.InteropServices.MemoryMarshal.AsBytes(ts))) return Err(Errno.EFAULT);
        return SetTimesAt(t, dirfd, path, new[] { ts[0].Sec, ts[0].Nsec, ts[1].Sec, ts[1].Nsec }, flags);
    }

    /// <summary>utimes/futimesat (struct timeval[2]) and utime (struct utimbuf, seconds only).</summary>
    static long Utimes(Task t, int dirfd, ulong path, ulong times, bool seconds)
    {
        if (times == 0) return SetTimesAt(t, dirfd, path, null, 0);
        Span<Timeval> tv = stackalloc Timeval[2]; // atime, mtime
        if (seconds)
        {
            if (!t.Mem.Read(times, out Utimbuf u)) return Err(Errno.EFAULT);
            tv[0] = new Timeval { Sec = u.Actime };
            tv[1] = new Timeval { Sec = u.Modtime };
        }
        else if (!t.Mem.Read(times, System.Runtime.InteropServices.MemoryMarshal.AsBytes(tv))) return Err(Errno.EFAULT);
        if (tv[0].Usec is < 0 or >= 1_000_000 || tv[1].Usec is < 0 or >= 1_000_000) return Err(Errno.EINVAL);
        return SetTimesAt(t, dirfd, path, new[] { tv[0].Sec, tv[0].Usec * 1000, tv[1].Sec, tv[1].Usec * 1000 }, 0);
    }

    /// <summary>ts: {atime sec, nsec, mtime sec, nsec} with UTIME_NOW/UTIME_OMIT, or null for "now".</summary>
    static long SetTimesAt(Task t, int dirfd, ulong path, long[]? ts, int flags)
    {
        long? a = TmpNow(), m = a;
        bool bothNow = true;
        if (ts != null)
        {
            a = Time(ts[0], ts[1], out var ea);
            m = Time(ts[2], ts[3], out var em);
            if (ea || em) return Err(Errno.EINVAL);
            bothNow = ts[1] == UTIME_NOW && ts[3] == UTIME_NOW;
            if (ts[1] == UTIME_OMIT && ts[3] == UTIME_OMIT) return 0; // Linux does nothing, not even look up the path
        }
        // inotify as Linux's fsnotify_change: both times are a change of attributes, the access time alone an access,
        // the modification time alone a modification.
        uint ev = a != null && m != null ? InotifyMask.IN_ATTRIB : a != null ? InotifyMask.IN_ACCESS : InotifyMask.IN_MODIFY;
        if (path == 0)
        {
            // No path means the fd itself; with AT_FDCWD there is none, and the null name is read (do_utimes_path).
            if (dirfd == AT_FDCWD) return Err(Errno.EFAULT);
            return OnFd(t, dirfd, i => SetTimes(t, i, a, m, bothNow), ev);
        }
        return OnPath(t, dirfd, path, flags, i => SetTimes(t, i, a, m, bothNow), ev);
    }

    static long? Time(long sec, long nsec, out bool bad)
    {
        bad = false;
        if (nsec == UTIME_OMIT) return null;
        if (nsec == UTIME_NOW) return TmpNow();
        if (nsec is < 0 or >= 1_000_000_000) { bad = true; return null; }
        return sec * 1_000_000_000 + nsec;
    }

    static long TmpNow() => FileSystems.Tmpfs.TmpfsNode.NowNs();
}
