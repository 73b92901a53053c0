using AppKernel.Sentry.FileSystems.Anon;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;
using static AppKernel.Sentry.Vfs.InotifyMask;

namespace AppKernel.Sentry.Syscalls;

/// <summary>inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch (events: <see cref="Fsnotify"/>).</summary>
static class InotifySyscalls
{
    const int IN_CLOEXEC = OpenFlags.O_CLOEXEC, IN_NONBLOCK = OpenFlags.O_NONBLOCK;
    const int MayRead = 4;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.inotify_init] = (k, _, _, _, _, _, _) => Init(k, 0);
        t[Nr.inotify_init1] = (k, flags, _, _, _, _, _) => Init(k, (int)flags);
        t[Nr.inotify_add_watch] = (k, fd, path, mask, _, _, _) => AddWatch(k, (int)fd, path, (uint)mask);
        t[Nr.inotify_rm_watch] = (k, fd, wd, _, _, _, _) => RmWatch(k, (int)fd, (int)wd);
    }

    static long Init(Task t, int flags)
    {
        if ((flags & ~(IN_CLOEXEC | IN_NONBLOCK)) != 0) return Err(Errno.EINVAL);
        var f = new InotifyFile(flags & IN_NONBLOCK);
        int fd = t.Fds.Install(f, (flags & IN_CLOEXEC) != 0, 0, t.Limits.NoFile);
        if (fd < 0) f.DecRef();
        return fd;
    }

    static long AddWatch(Task t, int fd, ulong pathAddr, uint mask)
    {
        // Linux's order: the mask, the fd, then the path.
        if ((mask & IN_ALL_EVENTS) == 0) return Err(Errno.EINVAL);
        if ((mask & (IN_MASK_ADD | IN_MASK_CREATE)) == (IN_MASK_ADD | IN_MASK_CREATE)) return Err(Errno.EINVAL);
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null) return Err(Errno.EBADF);
        if (f is not InotifyFile ino) return Err(Errno.EINVAL);
        int at = (mask & IN_DONT_FOLLOW) != 0 ? PathSyscalls.AT_SYMLINK_NOFOLLOW : 0;
        var e = PathSyscalls.Resolve(t, PathSyscalls.AT_FDCWD, pathAddr, at, out var p);
        if (e != Errno.None) return Err(e);
        if ((mask & IN_ONLYDIR) != 0 && !p.Inode.IsDir) return Err(Errno.ENOTDIR);
        e = Permissions.Check(t, p.Inode, MayRead);
        if (e != Errno.None) return Err(e);
        return ino.AddWatch(p.Inode, mask & Valid);
    }

    static long RmWatch(Task t, int fd, int wd)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null) return Err(Errno.EBADF);
        if (f is not InotifyFile ino) return Err(Errno.EINVAL);
        return Err(ino.RemoveWatch(wd));
    }
}
