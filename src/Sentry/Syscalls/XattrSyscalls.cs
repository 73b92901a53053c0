using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;
using static AppKernel.Sentry.Syscalls.PathSyscalls;

namespace AppKernel.Sentry.Syscalls;

/// <summary>Extended attributes. The read-only host view exposes none (the gofer issue serves real ones):
/// reads find no attribute, lists are empty, writes are EROFS or ENOTSUP like a read-only file system.</summary>
static class XattrSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.getxattr] = (k, path, name, _, _, _, _) => Get(k, path, 0, name);
        t[Nr.lgetxattr] = (k, path, name, _, _, _, _) => Get(k, path, AT_SYMLINK_NOFOLLOW, name);
        t[Nr.fgetxattr] = (k, fd, name, _, _, _, _) => k.Fds.Get((int)fd) == null ? Err(Errno.EBADF) : NoAttr(k, name);
        t[Nr.listxattr] = (k, path, _, _, _, _, _) => List(k, path, 0);
        t[Nr.llistxattr] = (k, path, _, _, _, _, _) => List(k, path, AT_SYMLINK_NOFOLLOW);
        t[Nr.flistxattr] = (k, fd, _, _, _, _, _) => k.Fds.Get((int)fd) == null ? Err(Errno.EBADF) : 0;
        t[Nr.setxattr] = (k, path, _, _, _, _, _) => Set(k, path, 0);
        t[Nr.lsetxattr] = (k, path, _, _, _, _, _) => Set(k, path, AT_SYMLINK_NOFOLLOW);
        t[Nr.fsetxattr] = (k, fd, _, _, _, _, _) => k.Fds.Get((int)fd) is { } f ? Err(f.Path.IsValid && f.Path.Mount.ReadOnly ? Errno.EROFS : Errno.EOPNOTSUPP) : Err(Errno.EBADF);
        t[Nr.removexattr] = (k, path, _, _, _, _, _) => Set(k, path, 0);
        t[Nr.lremovexattr] = (k, path, _, _, _, _, _) => Set(k, path, AT_SYMLINK_NOFOLLOW);
        t[Nr.fremovexattr] = (k, fd, _, _, _, _, _) => k.Fds.Get((int)fd) is { } f ? Err(f.Path.IsValid && f.Path.Mount.ReadOnly ? Errno.EROFS : Errno.EOPNOTSUPP) : Err(Errno.EBADF);
    }

    static long NoAttr(Task t, ulong nameAddr)
    {
        var e = t.Mem.ReadString(nameAddr, 255, out var name);
        if (e == Errno.ENAMETOOLONG) return Err(Errno.ERANGE);
        if (e != Errno.None) return Err(e);
        if (name.Length == 0) return Err(Errno.ERANGE);
        if (!name.Contains('.')) return Err(Errno.EOPNOTSUPP);
        return Err(Errno.ENODATA);
    }

    static long Get(Task t, ulong path, int flags, ulong name)
    {
        var e = Resolve(t, AT_FDCWD, path, flags, out _);
        return e != Errno.None ? Err(e) : NoAttr(t, name);
    }

    static long List(Task t, ulong path, int flags)
    {
        var e = Resolve(t, AT_FDCWD, path, flags, out _);
        return e != Errno.None ? Err(e) : 0;
    }

    static long Set(Task t, ulong path, int flags)
    {
        var e = Resolve(t, AT_FDCWD, path, flags, out var p);
        if (e != Errno.None) return Err(e);
        return Err(p.Mount.ReadOnly ? Errno.EROFS : Errno.EOPNOTSUPP);
    }
}
