using System.Text;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Kernel.Landlock;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>Syscalls that name files by path: open, readlink, access, getcwd, chdir, and the
/// modifying ones, which fail with EROFS on the read-only root.</summary>
static class PathSyscalls
{
    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EACCESS = 0x200,
        AT_SYMLINK_FOLLOW = 0x400, AT_NO_AUTOMOUNT = 0x800, AT_EMPTY_PATH = 0x1000;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.open] = (k, path, flags, mode, _, _, _) => Open(k, AT_FDCWD, path, (int)flags, (uint)mode);
        t[Nr.openat] = (k, dirfd, path, flags, mode, _, _) => Open(k, (int)dirfd, path, (int)flags, (uint)mode);
        t[Nr.openat2] = (k, dirfd, path, how, size, _, _) => Openat2(k, (int)dirfd, path, how, size);
        t[Nr.creat] = (k, path, mode, _, _, _, _) =>
            Open(k, AT_FDCWD, path, OpenFlags.O_CREAT | OpenFlags.O_WRONLY | OpenFlags.O_TRUNC, (uint)mode);
        t[Nr.readlink] = (k, path, buf, size, _, _, _) => ReadLink(k, AT_FDCWD, path, buf, (long)size);
        t[Nr.readlinkat] = (k, dirfd, path, buf, size, _, _) => ReadLink(k, (int)dirfd, path, buf, (long)size);
        t[Nr.access] = (k, path, mode, _, _, _, _) => Access(k, AT_FDCWD, path, (int)mode, 0);
        t[Nr.faccessat] = (k, dirfd, path, mode, _, _, _) => Access(k, (int)dirfd, path, (int)mode, 0);
        t[Nr.faccessat2] = (k, dirfd, path, mode, flags, _, _) => Access(k, (int)dirfd, path, (int)mode, (int)flags);
        t[Nr.getcwd] = (k, buf, size, _, _, _, _) => Getcwd(k, buf, size);
        t[Nr.chdir] = (k, path, _, _, _, _, _) => Chdir(k, path);
        t[Nr.fchdir] = (k, fd, _, _, _, _, _) => Fchdir(k, (int)fd);
        t[Nr.chroot] = (k, path, _, _, _, _, _) => Chroot(k, path);
    }

    /// <summary>Reads a path argument (EFAULT, ENAMETOOLONG).</summary>
    public static Errno ReadPath(Task t, ulong addr, out string path) =>
        t.Mem.ReadString(addr, PathWalker.PathMax - 1, out path);

    /// <summary>Resolves dirfd + path, with AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW semantics.</summary>
    public static Errno Resolve(Task t, int dirfd, ulong pathAddr, int atFlags, out VfsPath result)
    {
        result = default;
        var e = ReadPath(t, pathAddr, out var path);
        return e != Errno.None ? e : Resolve(t, dirfd, path, atFlags, out result);
    }

    /// <summary>Resolves dirfd + a path already read from the guest (read once: another thread may change it).</summary>
    public static Errno Resolve(Task t, int dirfd, string path, int atFlags, out VfsPath result)
    {
        result = default;
        if (path.Length == 0)
        {
            if ((atFlags & AT_EMPTY_PATH) == 0) return Errno.ENOENT;
            if (dirfd == AT_FDCWD) { result = t.Fs.Cwd; return Errno.None; }
            using var fRef = t.Fds.Borrow(dirfd); var f = fRef.File;
            if (f == null) return Errno.EBADF;
            if (!f.Path.IsValid) return Errno.EBADF;
            result = f.Path;
            return Errno.None;
        }
        var e = t.StartDir(dirfd, path, out var start);
        if (e != Errno.None) return e;
        return PathWalker.Resolve(t, start, path, (atFlags & AT_SYMLINK_NOFOLLOW) == 0, out result);
    }

    const int OpenHowSizeVer0 = 24, PageSize = 4096;
    /// <summary>Every flag openat2 accepts (Linux's VALID_OPEN_FLAGS); openat ignores the others, openat2 refuses them.</summary>
    const ulong ValidOpenFlags = 0x7f_ffc3;
    /// <summary>What O_PATH may come with in openat2.</summary>
    const int OPathFlags = OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW | OpenFlags.O_PATH | OpenFlags.O_CLOEXEC;
    const ulong ValidResolve = 0x3f;

    /// <summary>openat2: struct open_how (flags, mode, resolve) with Linux's size rules and strict checks, then the
    /// open itself walked within the RESOLVE_* rules.</summary>
    static long Openat2(Task t, int dirfd, ulong pathAddr, ulong howAddr, ulong size)
    {
        if (size < OpenHowSizeVer0) return Err(Errno.EINVAL);
        if (size > PageSize) return Err(Errno.E2BIG);
        Span<ulong> how = stackalloc ulong[3];
        var e = GuestIO.CopyStructFromUser(t, howAddr, size, System.Runtime.InteropServices.MemoryMarshal.AsBytes(how));
        if (e != Errno.None) return Err(e);
        ulong flags = how[0], mode = how[1], resolve = how[2];
        if ((flags & ~ValidOpenFlags) != 0 || (resolve & ~ValidResolve) != 0) return Err(Errno.EINVAL);
        bool creates = (flags & OpenFlags.O_CREAT) != 0 || (flags & OpenFlags.O_TMPFILE) == OpenFlags.O_TMPFILE;
        if (creates ? (mode & ~0xfffUL) != 0 : mode != 0) return Err(Errno.EINVAL);
        if ((flags & OpenFlags.O_PATH) != 0 && (flags & ~(ulong)OPathFlags) != 0) return Err(Errno.EINVAL);
        if ((resolve & (ResolveRules.RESOLVE_BENEATH | ResolveRules.RESOLVE_IN_ROOT)) == (ResolveRules.RESOLVE_BENEATH | ResolveRules.RESOLVE_IN_ROOT))
            return Err(Errno.EINVAL);
        // A cached-only lookup is never tried for what would write; any other walk here blocks on nothing.
        if ((resolve & ResolveRules.RESOLVE_CACHED) != 0 && ((flags & OpenFlags.O_TRUNC) != 0 || creates))
            return Err(Errno.EAGAIN);
        return Open(t, dirfd, pathAddr, (int)flags, (uint)mode, new ResolveRules(resolve, default));
    }

    static long Open(Task t, int dirfd, ulong pathAddr, int flags, uint mode, ResolveRules rules = default)
    {
        var e = ReadPath(t, pathAddr, out var path);
        if (e != Errno.None) return Err(e);
        VfsPath start;
        if (rules.Beneath || rules.InRoot)
        {
            // A scoped walk starts at dirfd (its anchor) whatever the path: an absolute one is judged by the rules.
            e = t.StartDir(dirfd, ".", out start);
            if (e != Errno.None) return Err(e);
            rules = rules with { Anchor = start };
        }
        else
        {
            e = t.StartDir(dirfd, path, out start);
            if (e != Errno.None) return Err(e);
        }
        if ((flags & OpenFlags.O_TMPFILE) == OpenFlags.O_TMPFILE)
            return (flags & OpenFlags.O_CREAT) != 0 ? Err(Errno.EINVAL) : OpenTmpfile(t, start, path, flags, mode, rules);
        bool creat = (flags & OpenFlags.O_CREAT) != 0, excl = creat && (flags & OpenFlags.O_EXCL) != 0;
        bool follow = (flags & OpenFlags.O_NOFOLLOW) == 0 && !excl;
        VfsPath target;
        bool created = false;
        if (creat)
        {
            if (path.EndsWith('/')) return Err(Errno.EISDIR);
            e = PathWalker.ResolveForCreate(t, start, path, follow, out var parent, out var name, out target, rules);
            if (e != Errno.None) return Err(e);
            if (target.IsValid && excl) return Err(Errno.EEXIST);
            if (!target.IsValid)
            {
                if (parent.Inode.IsDeleted) return Err(Errno.ENOENT);
                e = parent.Mount.ReadOnly ? Errno.EROFS : LandlockChecks.Make(t, parent, InodeMode.S_IFREG);
                if (e == Errno.None) e = ChangeSyscalls.CheckWritableDir(t, parent);
                if (e != Errno.None) return Err(e);
                e = parent.Inode.Create(t, name, InodeMode.S_IFREG | Permissions.CreationMode(t, parent.Inode, mode), out _);
                if (e != Errno.None) return Err(e);
                Fsnotify.InDir(parent.Inode, name, InotifyMask.IN_CREATE, isDir: false);
                e = PathWalker.Child(t, parent, name, out target);
                if (e != Errno.None) return Err(e);
                created = true;
            }
        }
        else
        {
            t.ResolvingToRead = (flags & (OpenFlags.O_ACCMODE | OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_TRUNC)) == OpenFlags.O_RDONLY;
            try { e = PathWalker.Resolve(t, start, path, follow, out target, rules); }
            finally { t.ResolvingToRead = false; }
            if (e != Errno.None) return Err(e);
        }
        var inode = target.Inode;
        if ((flags & OpenFlags.O_PATH) != 0)
        {
            if ((flags & OpenFlags.O_DIRECTORY) != 0 && !inode.IsDir) return Err(Errno.ENOTDIR);
            var pf = new FileSystems.Host.PathOnlyFile(OpenFlags.O_PATH | (flags & (OpenFlags.O_NOFOLLOW | OpenFlags.O_DIRECTORY)), target, inode);
            return Install(t, pf, flags);
        }
        if ((flags & OpenFlags.O_DIRECTORY) != 0 && !inode.IsDir) return Err(Errno.ENOTDIR);
        if (inode.IsSymlink) return Err(Errno.ELOOP);
        bool trunc = (flags & OpenFlags.O_TRUNC) != 0;
        if (inode.IsDir && (OpenFlags.CanWrite(flags) || creat || trunc)) return Err(Errno.EISDIR);
        trunc &= InodeMode.IsReg(inode.Mode);
        // O_TRUNC truncates even with O_RDONLY, given write permission (Linux's behaviour).
        bool writes = OpenFlags.CanWrite(flags) || trunc;
        // A device node on a nodev mount cannot be opened (may_open_dev); a /proc fd link's reopen of a pathless
        // file is no node of that mount.
        if ((inode.Mode & InodeMode.S_IFMT) is InodeMode.S_IFCHR or InodeMode.S_IFBLK && target.Mount.NoDev
            && inode is not FileSystems.Proc.ReopenInode) return Err(Errno.EACCES);
        if (!created)
        {
            e = Permissions.Check(t, inode, (OpenFlags.CanRead(flags) || (flags & OpenFlags.O_ACCMODE) == 3 ? 4 : 0) | (writes ? 2 : 0));
            if (e != Errno.None) return Err(e);
        }
        if (writes && target.Mount.ReadOnly && !IsWritableOnRo(inode)) return Err(Errno.EROFS);
        e = LandlockChecks.Open(t, target, flags, exec: false, out var landlockRights);
        if (e != Errno.None) return Err(e);
        if (trunc && !created)
        {
            if ((landlockRights & LandlockAccess.FS_TRUNCATE) == 0) return Err(Errno.EACCES);
            e = inode.Truncate(0);
            if (e != Errno.None) return Err(e);
        }
        // Status flags kept on the description; 64-bit Linux always adds O_LARGEFILE.
        int status = (flags & (OpenFlags.O_ACCMODE | OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK | OpenFlags.O_DSYNC |
                               OpenFlags.O_DIRECT | OpenFlags.O_NOATIME | OpenFlags.O_ASYNC | 0x100000)) | OpenFlags.O_LARGEFILE;
        // O_NOCTTY is no status flag, but a terminal's open must see it (its file drops it).
        e = inode.Open(t, target, status | (flags & OpenFlags.O_NOCTTY), out var fd);
        if (e != Errno.None) return Err(e);
        if ((flags & OpenFlags.O_DIRECT) != 0 && !TakesDirectIo(target, inode))
        {
            fd!.DecRef();
            return Err(Errno.EINVAL);
        }
        fd!.LandlockRights = landlockRights;
        long r = Install(t, fd!, flags);
        if (r < 0) return r;
        Fsnotify.OnFile(target, InotifyMask.IN_OPEN);
        if (trunc && !created) Fsnotify.OnFile(target, InotifyMask.IN_MODIFY, viaPath: false); // Linux truncates after the open
        return r;
    }

    /// <summary>Whether a file may be opened O_DIRECT (Linux's FMODE_CAN_ODIRECT, checked once the file is open): only
    /// the regular files of file systems that hold data; directories, devices and the files of proc, sysfs and
    /// cgroup2 are EINVAL.</summary>
    static bool TakesDirectIo(VfsPath at, Inode inode) =>
        InodeMode.IsReg(inode.Mode) && at.Mount.FsType is not ("proc" or "sysfs" or "cgroup2");

    /// <summary>O_TMPFILE: an unnamed regular file in the directory at path.</summary>
    static long OpenTmpfile(Task t, VfsPath start, string path, int flags, uint mode, ResolveRules rules)
    {
        if (!OpenFlags.CanWrite(flags)) return Err(Errno.EINVAL);
        var e = PathWalker.Resolve(t, start, path, true, out var dir, rules);
        if (e != Errno.None) return Err(e);
        if (!dir.Inode.IsDir) return Err(Errno.ENOTDIR);
        e = ChangeSyscalls.CheckWritableDir(t, dir);
        if (e != Errno.None) return Err(e);
        e = dir.Inode.CreateUnnamed(t, InodeMode.S_IFREG | Permissions.CreationMode(t, dir.Inode, mode), (flags & OpenFlags.O_EXCL) == 0, out var file);
        if (e != Errno.None) return Err(e);
        file!.Stat(out var st);
        var at = new VfsPath(dir.Mount, new Dentry($"#{st.Ino}", dir.Dentry, file));
        int status = (flags & (OpenFlags.O_ACCMODE | OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK)) | OpenFlags.O_LARGEFILE;
        e = LandlockChecks.Open(t, at, flags, exec: false, out var landlockRights);
        if (e != Errno.None) return Err(e);
        e = file.Open(t, at, status, out var fd);
        if (e != Errno.None) return Err(e);
        fd!.LandlockRights = landlockRights;
        return Install(t, fd!, flags);
    }

    static bool IsWritableOnRo(Inode i) => (i.Mode & InodeMode.S_IFMT) is InodeMode.S_IFCHR or InodeMode.S_IFBLK or InodeMode.S_IFIFO or InodeMode.S_IFSOCK;

    static long Install(Task t, FileDescription f, int flags)
    {
        int fd = t.Fds.Install(f, (flags & OpenFlags.O_CLOEXEC) != 0, 0, t.Limits.NoFile);
        if (fd < 0) f.DecRef();
        return fd;
    }

    static long ReadLink(Task t, int dirfd, ulong pathAddr, ulong buf, long size)
    {
        if (size <= 0) return Err(Errno.EINVAL);
        // The path is read once (each read of guest memory is a round trip to the stub, and the guest may change it).
        var e = ReadPath(t, pathAddr, out var path);
        if (e != Errno.None) return Err(e);
        if (dirfd == AT_FDCWD && path.Length == 0) return Err(Errno.ENOENT);
        // A readlink that ends at a regular file is mostly a realpath before that file's open (gcc's header search
        // does one before each include it opens): the walk brings the file's read-only fd along, as an open's does,
        // and the open then needs no request of its own.
        VfsPath p;
        t.ResolvingToRead = true;
        try { e = Resolve(t, dirfd, path, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, out p); }
        finally { t.ResolvingToRead = false; }
        if (e != Errno.None) return Err(e);
        e = p.Inode.ReadLink(t, out var target);
        // readlinkat(fd, "") of a file that is not a symlink: ENOENT, as Linux says.
        if (e == Errno.EINVAL && path.Length == 0) return Err(Errno.ENOENT);
        if (e != Errno.None) return Err(e);
        var bytes = LinuxText.Encode(target);
        int n = (int)Math.Min(bytes.Length, size);
        return t.Mem.Write(buf, bytes.AsSpan(0, n)) ? n : Err(Errno.EFAULT);
    }

    static long Access(Task t, int dirfd, ulong pathAddr, int mode, int flags)
    {
        if ((mode & ~7) != 0) return Err(Errno.EINVAL);
        if ((flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) return Err(Errno.EINVAL);
        var e = Resolve(t, dirfd, pathAddr, flags, out var p);
        if (e != Errno.None) return Err(e);
        if ((mode & 2) != 0 && p.Mount.ReadOnly && !IsWritableOnRo(p.Inode)) return Err(Errno.EROFS);
        return Err(Permissions.Check(t, p.Inode, mode));
    }

    static long Getcwd(Task t, ulong buf, ulong size)
    {
        if (t.Fs.Cwd.Inode.IsDeleted) return Err(Errno.ENOENT);
        // A cwd outside the root (after chroot, or pivot_root) shows its path from the top of the tree, marked.
        var s = MountNamespace.PathOf(t.Fs.Cwd, t.Fs.Root, out bool reachable);
        if (!reachable) s = "(unreachable)" + s;
        var bytes = LinuxText.EncodeZ(s);
        if ((ulong)bytes.Length > size) return Err(Errno.ERANGE);
        return t.Mem.Write(buf, bytes) ? bytes.Length : Err(Errno.EFAULT);
    }

    static long Chdir(Task t, ulong pathAddr)
    {
        var e = Resolve(t, AT_FDCWD, pathAddr, 0, out var p);
        if (e != Errno.None) return Err(e);
        if (!p.Inode.IsDir) return Err(Errno.ENOTDIR);
        e = Permissions.Check(t, p.Inode, 1);
        if (e != Errno.None) return Err(e);
        t.Fs.Cwd = p;
        return 0;
    }

    /// <summary>chroot: the directory (search permission, EACCES) becomes the task's root for its walks and '..';
    /// CAP_SYS_CHROOT (EPERM) is asked last, as Linux does. The cwd stays where it is.</summary>
    static long Chroot(Task t, ulong pathAddr)
    {
        var e = Resolve(t, AT_FDCWD, pathAddr, 0, out var p);
        if (e != Errno.None) return Err(e);
        if (!p.Inode.IsDir) return Err(Errno.ENOTDIR);
        e = Permissions.Check(t, p.Inode, 1);
        if (e != Errno.None) return Err(e);
        if (!t.Creds.HasIn(t.Creds.UserNs, Credentials.CAP_SYS_CHROOT)) return Err(Errno.EPERM);
        lock (t.Fs) t.Fs.Root = p;
        return 0;
    }

    static long Fchdir(Task t, int fd)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null || !f.Path.IsValid) return Err(Errno.EBADF);
        if (!f.Path.Inode.IsDir) return Err(Errno.ENOTDIR);
        var e = Permissions.Check(t, f.Path.Inode, 1);
        if (e != Errno.None) return Err(e);
        t.Fs.Cwd = f.Path;
        return 0;
    }

}
