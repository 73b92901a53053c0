using System.Text;
using AppKernel.Sentry.Kernel;
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
        t[Nr.chroot] = (k, _, _, _, _, _, _) => Err(Errno.EPERM);
    }

    /// <summary>Reads a path argument (EFAULT, ENAMETOOLONG).</summary>
    public static Errno ReadPath(Task t, ulong addr, out string path) =>
        t.Mem.ReadString(addr, PathWalker.PathMax - 1, out path);

    /// <summary>Resolves dirfd + path, with AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW semantics.</summary>
    public static Errno Resolve(Task t, int dirfd, ulong pathAddr, int atFlags, out VfsPath result)
    {
        result = default;
        var e = ReadPath(t, pathAddr, out var path);
        if (e != Errno.None) return e;
        if (path.Length == 0)
        {
            if ((atFlags & AT_EMPTY_PATH) == 0) return Errno.ENOENT;
            if (dirfd == AT_FDCWD) { result = t.Fs.Cwd; return Errno.None; }
            var f = t.Fds.Get(dirfd);
            if (f == null) return Errno.EBADF;
            if (!f.Path.IsValid) return Errno.EBADF;
            result = f.Path;
            return Errno.None;
        }
        e = t.StartDir(dirfd, path, out var start);
        if (e != Errno.None) return e;
        return PathWalker.Resolve(t, start, path, (atFlags & AT_SYMLINK_NOFOLLOW) == 0, out result);
    }

    static long Open(Task t, int dirfd, ulong pathAddr, int flags, uint mode)
    {
        var e = ReadPath(t, pathAddr, out var path);
        if (e != Errno.None) return Err(e);
        e = t.StartDir(dirfd, path, out var start);
        if (e != Errno.None) return Err(e);
        if ((flags & OpenFlags.O_TMPFILE) == OpenFlags.O_TMPFILE) return OpenTmpfile(t, start, path, flags, mode);
        bool creat = (flags & OpenFlags.O_CREAT) != 0;
        bool follow = (flags & OpenFlags.O_NOFOLLOW) == 0 && !(creat && (flags & OpenFlags.O_EXCL) != 0);
        e = PathWalker.Resolve(t, start, path, follow, out var target);
        bool created = false;
        if (e == Errno.ENOENT && creat)
        {
            var pe = PathWalker.ResolveParent(t, start, path, out var parent, out var name);
            if (pe != Errno.None) return Err(pe);
            if (name.Length == 0 || path.EndsWith('/')) return Err(Errno.EISDIR);
            pe = ChangeSyscalls.CheckWritableDir(t, parent);
            if (pe != Errno.None) return Err(pe);
            pe = parent.Inode.Create(t, name, InodeMode.S_IFREG | (mode & 0xfff & ~(uint)t.Fs.Umask), out _);
            if (pe != Errno.None) return Err(pe);
            pe = PathWalker.Child(t, parent, name, out target);
            if (pe != Errno.None) return Err(pe);
            created = true;
            e = Errno.None;
        }
        if (e != Errno.None) return Err(e);
        if (creat && !created && (flags & OpenFlags.O_EXCL) != 0) return Err(Errno.EEXIST);
        var inode = target.Inode;
        if ((flags & OpenFlags.O_PATH) != 0)
        {
            if ((flags & OpenFlags.O_DIRECTORY) != 0 && !inode.IsDir) return Err(Errno.ENOTDIR);
            var pf = new FileSystems.Host.PathOnlyFile(OpenFlags.O_PATH | (flags & OpenFlags.O_NOFOLLOW), target, inode);
            return Install(t, pf, flags);
        }
        if (inode.IsSymlink) return Err(Errno.ELOOP);
        if ((flags & OpenFlags.O_DIRECTORY) != 0 && !inode.IsDir) return Err(Errno.ENOTDIR);
        if (inode.IsDir && (OpenFlags.CanWrite(flags) || creat)) return Err(Errno.EISDIR);
        var pe2 = created ? Errno.None : Permissions.Check(t, inode, (OpenFlags.CanRead(flags) || (flags & OpenFlags.O_ACCMODE) == 3 ? 4 : 0) | (OpenFlags.CanWrite(flags) ? 2 : 0));
        if (pe2 != Errno.None) return Err(pe2);
        if ((OpenFlags.CanWrite(flags) || (flags & OpenFlags.O_TRUNC) != 0) && target.Mount.ReadOnly && IsWritableOnRo(inode) == false)
            return Err(Errno.EROFS);
        if ((flags & OpenFlags.O_TRUNC) != 0 && OpenFlags.CanWrite(flags) && InodeMode.IsReg(inode.Mode))
        {
            var te = inode.Truncate(0);
            if (te != Errno.None) return Err(te);
        }
        // Status flags kept on the description; 64-bit Linux always adds O_LARGEFILE.
        int status = (flags & (OpenFlags.O_ACCMODE | OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK | OpenFlags.O_DSYNC |
                               OpenFlags.O_DIRECT | OpenFlags.O_NOATIME | OpenFlags.O_ASYNC | 0x100000)) | OpenFlags.O_LARGEFILE;
        e = inode.Open(t, target, status, out var fd);
        if (e != Errno.None) return Err(e);
        return Install(t, fd!, flags);
    }

    /// <summary>O_TMPFILE: an unnamed regular file in the directory at path.</summary>
    static long OpenTmpfile(Task t, VfsPath start, string path, int flags, uint mode)
    {
        if (!OpenFlags.CanWrite(flags)) return Err(Errno.EINVAL);
        var e = PathWalker.Resolve(t, start, path, true, out var dir);
        if (e != Errno.None) return Err(e);
        if (!dir.Inode.IsDir) return Err(Errno.ENOTDIR);
        e = ChangeSyscalls.CheckWritableDir(t, dir);
        if (e != Errno.None) return Err(e);
        e = dir.Inode.CreateUnnamed(t, InodeMode.S_IFREG | (mode & 0xfff & ~(uint)t.Fs.Umask), (flags & OpenFlags.O_EXCL) == 0, out var file);
        if (e != Errno.None) return Err(e);
        file!.Stat(out var st);
        var at = new VfsPath(dir.Mount, new Dentry($"#{st.Ino}", dir.Dentry, file));
        int status = (flags & (OpenFlags.O_ACCMODE | OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK)) | OpenFlags.O_LARGEFILE;
        e = file.Open(t, at, status, out var fd);
        if (e != Errno.None) return Err(e);
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
        if (dirfd == AT_FDCWD && t.Mem.Read(pathAddr, out byte first) && first == 0) return Err(Errno.ENOENT);
        var e = Resolve(t, dirfd, pathAddr, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, out var p);
        if (e != Errno.None) return Err(e);
        e = p.Inode.ReadLink(t, out var target);
        if (e != Errno.None) return Err(e == Errno.EINVAL ? Errno.EINVAL : e);
        var bytes = Encoding.UTF8.GetBytes(target);
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
        var s = MountNamespace.PathOf(t.Fs.Cwd, t.Fs.Root);
        var bytes = Encoding.UTF8.GetBytes(s + "\0");
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

    static long Fchdir(Task t, int fd)
    {
        var f = t.Fds.Get(fd);
        if (f == null || !f.Path.IsValid) return Err(Errno.EBADF);
        if (!f.Path.Inode.IsDir) return Err(Errno.ENOTDIR);
        t.Fs.Cwd = f.Path;
        return 0;
    }

}

/// <summary>Unix permission checks from the task's fs uid/gid and the file's mode.</summary>
public static class PermissionCheck
{
    public static Errno Exec(Task t, Inode inode) => Permissions.Check(t, inode, 1);
}

static class Permissions
{
    /// <summary>mode: 4 read, 2 write, 1 execute/search.</summary>
    public static Errno Check(Task t, Inode inode, int mode)
    {
        if (mode == 0) return Errno.None;
        if (inode.Stat(out var st) != Errno.None) return Errno.EACCES;
        uint perm = st.Mode & 0x1ff;
        if (t.Creds.Fsuid == 0)
        {
            // Root may do anything but execute a file with no execute bit at all.
            if ((mode & 1) != 0 && !InodeMode.IsDir(st.Mode) && (perm & 0x49) == 0) return Errno.EACCES;
            return Errno.None;
        }
        uint bits = st.Uid == t.Creds.Fsuid ? (perm >> 6) & 7
            : t.Creds.InGroup(st.Gid) ? (perm >> 3) & 7
            : perm & 7;
        return ((uint)mode & ~bits) == 0 ? Errno.None : Errno.EACCES;
    }

    /// <summary>In a sticky directory only the owner of an entry (or of the directory, or root) may remove or rename it.</summary>
    public static Errno CheckSticky(Task t, Inode dir, Inode victim)
    {
        if (t.Creds.Fsuid == 0 || dir.Stat(out var ds) != Errno.None || (ds.Mode & 0x200) == 0) return Errno.None;
        if (ds.Uid == t.Creds.Fsuid) return Errno.None;
        return victim.Stat(out var vs) == Errno.None && vs.Uid == t.Creds.Fsuid ? Errno.None : Errno.EPERM;
    }
}
