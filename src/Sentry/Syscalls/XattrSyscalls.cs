using System.Text;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;
using static AppKernel.Sentry.Syscalls.PathSyscalls;

namespace AppKernel.Sentry.Syscalls;

/// <summary>Extended attributes: the user.* namespace for everyone, trusted.* and security.* for root.
/// File systems store them (tmpfs and the overlay in memory, the gofer's on the host). The two POSIX ACL names of
/// system.* are not stored bytes but the inode's ACLs (<see cref="PosixAcl"/>), read and written here.</summary>
static class XattrSyscalls
{
    const int XATTR_CREATE = 1, XATTR_REPLACE = 2, NameMax = 255, SizeMax = 65536;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.getxattr] = (k, path, name, val, size, _, _) => OnPath(k, path, 0, p => Get(k, p, name, val, size));
        t[Nr.lgetxattr] = (k, path, name, val, size, _, _) => OnPath(k, path, AT_SYMLINK_NOFOLLOW, p => Get(k, p, name, val, size));
        t[Nr.fgetxattr] = (k, fd, name, val, size, _, _) => OnFd(k, (int)fd, p => Get(k, p, name, val, size));
        t[Nr.listxattr] = (k, path, list, size, _, _, _) => OnPath(k, path, 0, p => List(k, p, list, size));
        t[Nr.llistxattr] = (k, path, list, size, _, _, _) => OnPath(k, path, AT_SYMLINK_NOFOLLOW, p => List(k, p, list, size));
        t[Nr.flistxattr] = (k, fd, list, size, _, _, _) => OnFd(k, (int)fd, p => List(k, p, list, size));
        t[Nr.setxattr] = (k, path, name, val, size, flags, _) => OnPath(k, path, 0, p => Set(k, p, name, val, size, (int)flags));
        t[Nr.lsetxattr] = (k, path, name, val, size, flags, _) => OnPath(k, path, AT_SYMLINK_NOFOLLOW, p => Set(k, p, name, val, size, (int)flags));
        t[Nr.fsetxattr] = (k, fd, name, val, size, flags, _) => OnFd(k, (int)fd, p => Set(k, p, name, val, size, (int)flags));
        t[Nr.removexattr] = (k, path, name, _, _, _, _) => OnPath(k, path, 0, p => Remove(k, p, name));
        t[Nr.lremovexattr] = (k, path, name, _, _, _, _) => OnPath(k, path, AT_SYMLINK_NOFOLLOW, p => Remove(k, p, name));
        t[Nr.fremovexattr] = (k, fd, name, _, _, _, _) => OnFd(k, (int)fd, p => Remove(k, p, name));
    }

    static long OnPath(Task t, ulong path, int flags, Func<VfsPath, long> op)
    {
        var e = Resolve(t, AT_FDCWD, path, flags, out var p);
        return e != Errno.None ? Err(e) : op(p);
    }

    static long OnFd(Task t, int fd, Func<VfsPath, long> op)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null || !f.Path.IsValid || (f.Flags & OpenFlags.O_PATH) != 0) return Err(Errno.EBADF);
        return op(f.Path);
    }

    /// <summary>Reads and checks an attribute name: ERANGE for empty or too long, EOPNOTSUPP for an unknown namespace.</summary>
    static Errno ReadName(Task t, ulong addr, out string name)
    {
        var e = t.Mem.ReadString(addr, NameMax + 1, out name);
        if (e == Errno.ENAMETOOLONG || (e == Errno.None && (name.Length == 0 || LinuxText.ByteCount(name) > NameMax))) return Errno.ERANGE;
        if (e != Errno.None) return e;
        bool known = name.StartsWith("user.") || name.StartsWith("trusted.") || name.StartsWith("security.") || IsAcl(name);
        if (!known) return Errno.EOPNOTSUPP;
        return name.EndsWith('.') && name.IndexOf('.') == name.Length - 1 ? Errno.EINVAL : Errno.None; // a bare prefix
    }

    static bool IsAcl(string name) => name is PosixAcl.AccessName or PosixAcl.DefaultName;

    static bool Privileged(Task t, string name) => !name.StartsWith("trusted.") || t.Creds.Has(Credentials.CAP_SYS_ADMIN);

    static long Get(Task t, VfsPath p, ulong nameAddr, ulong buf, ulong size)
    {
        var e = ReadName(t, nameAddr, out var name);
        if (e != Errno.None) return Err(e);
        if (IsAcl(name)) return GetAcl(t, p.Inode, name == PosixAcl.DefaultName, buf, size);
        if (!Privileged(t, name)) return Err(Errno.ENODATA);
        if (name.StartsWith("user.") && (e = Permissions.Check(t, p.Inode, 4)) != Errno.None) return Err(e);
        e = p.Inode.GetXattr(name, out var value);
        if (e != Errno.None) return Err(e);
        return CopyOut(t, value!, buf, size);
    }

    static long CopyOut(Task t, byte[] data, ulong buf, ulong size)
    {
        if (size == 0) return data.Length;
        if ((ulong)data.Length > size) return Err(Errno.ERANGE);
        return t.Mem.Write(buf, data) ? data.Length : Err(Errno.EFAULT);
    }

    static long List(Task t, VfsPath p, ulong buf, ulong size)
    {
        var names = new List<string>();
        var e = p.Inode.ListXattr(names);
        if (e != Errno.None) return Err(e);
        if (p.Inode.GetAcl(isDefault: false) != null) names.Add(PosixAcl.AccessName);
        if (p.Inode.GetAcl(isDefault: true) != null) names.Add(PosixAcl.DefaultName);
        var bytes = new List<byte>();
        foreach (var n in names)
            if (Privileged(t, n))
            {
                bytes.AddRange(LinuxText.Encode(n));
                bytes.Add(0);
            }
        return CopyOut(t, bytes.ToArray(), buf, size);
    }

    /// <summary>Common checks of set and remove: writable mount, user.* only on files and directories, ownership.</summary>
    static Errno CheckChange(Task t, VfsPath p, string name)
    {
        if (p.Mount.ReadOnly) return Errno.EROFS;
        if (!Privileged(t, name)) return Errno.EPERM;
        if (name.StartsWith("security.") && !t.Creds.Has(Credentials.CAP_SYS_ADMIN)) return Errno.EPERM;
        if (name.StartsWith("user."))
        {
            if (!p.Inode.IsDir && !InodeMode.IsReg(p.Inode.Mode)) return Errno.EPERM;
            return Permissions.Check(t, p.Inode, 2);
        }
        return Errno.None;
    }

    static long Set(Task t, VfsPath p, ulong nameAddr, ulong valAddr, ulong size, int flags)
    {
        if ((flags & ~(XATTR_CREATE | XATTR_REPLACE)) != 0) return Err(Errno.EINVAL);
        var e = ReadName(t, nameAddr, out var name);
        if (e != Errno.None) return Err(e);
        if (size > SizeMax) return Err(Errno.E2BIG);
        var value = new byte[size];
        if (size > 0 && !t.Mem.Read(valAddr, value)) return Err(Errno.EFAULT);
        if (IsAcl(name)) return ChangeAcl(t, p, name == PosixAcl.DefaultName, value);
        e = CheckChange(t, p, name);
        if (e != Errno.None) return Err(e);
        e = p.Inode.SetXattr(name, value, flags);
        if (e != Errno.None) return Err(e);
        Fsnotify.OnFile(p, InotifyMask.IN_ATTRIB);
        return 0;
    }

    static long Remove(Task t, VfsPath p, ulong nameAddr)
    {
        var e = ReadName(t, nameAddr, out var name);
        if (e != Errno.None) return Err(e);
        if (IsAcl(name)) return ChangeAcl(t, p, name == PosixAcl.DefaultName, null);
        e = CheckChange(t, p, name);
        if (e != Errno.None) return Err(e);
        e = p.Inode.RemoveXattr(name);
        if (e != Errno.None) return Err(e);
        Fsnotify.OnFile(p, InotifyMask.IN_ATTRIB);
        return 0;
    }

    /// <summary>vfs_get_acl: no permission needed; EOPNOTSUPP where the file system keeps none (a symlink too),
    /// ENODATA when there is none.</summary>
    static long GetAcl(Task t, Inode inode, bool isDefault, ulong buf, ulong size)
    {
        if (!inode.SupportsAcl) return Err(Errno.EOPNOTSUPP);
        var acl = inode.GetAcl(isDefault);
        return acl == null ? Err(Errno.ENODATA) : CopyOut(t, acl.ToXattr(t.Creds.UserNs), buf, size);
    }

    /// <summary>setxattr or removexattr of an ACL (value null removes; so does a bare header; an empty value is
    /// EINVAL as on Linux 6.1, which the sandbox reports — 6.2 made it a removal):
    /// do_set_acl then set_posix_acl, in Linux's order — a read-only mount, the value's form, EOPNOTSUPP without
    /// ACLs, a default ACL only on a directory (removing one elsewhere does nothing), the owner or CAP_FOWNER, the
    /// entries' order. An access ACL that says no more than a mode becomes that mode; setting or removing one
    /// drops set-group-ID for a caller outside the file's group without CAP_FSETID (posix_acl_update_mode).</summary>
    static long ChangeAcl(Task t, VfsPath p, bool isDefault, byte[]? value)
    {
        if (p.Mount.ReadOnly) return Err(Errno.EROFS);
        PosixAcl? acl = null;
        if (value != null)
        {
            var pe = PosixAcl.FromXattr(value, t.Creds.UserNs, out acl);
            if (pe != Errno.None) return Err(pe);
        }
        var inode = p.Inode;
        if (!inode.SupportsAcl) return Err(Errno.EOPNOTSUPP);
        if (isDefault && !inode.IsDir) return acl != null ? Err(Errno.EACCES) : 0;
        if (inode.Stat(out var st) != Errno.None) return Err(Errno.ENOENT);
        if (t.Creds.Fsuid != st.Uid && !t.Creds.HasOver(Credentials.CAP_FOWNER, st.Uid, st.Gid)) return Err(Errno.EPERM);
        if (acl != null && !acl.Valid()) return Err(Errno.EINVAL);
        uint mode = st.Mode;
        if (!isDefault)
        {
            if (acl != null && !acl.EquivMode(ref mode)) acl = null;
            if (!t.Creds.InGroup(st.Gid) && !t.Creds.HasOver(Credentials.CAP_FSETID, st.Uid, st.Gid)) mode &= ~InodeMode.S_ISGID;
        }
        var e = inode.SetAcl(isDefault, acl, mode);
        if (e != Errno.None) return Err(e);
        Fsnotify.OnFile(p, InotifyMask.IN_ATTRIB);
        return 0;
    }
}
