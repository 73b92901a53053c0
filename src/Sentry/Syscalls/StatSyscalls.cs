using System.Runtime.InteropServices;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;
using static AppKernel.Sentry.Syscalls.PathSyscalls;

namespace AppKernel.Sentry.Syscalls;

/// <summary>stat, lstat, fstat, newfstatat, statx, statfs, fstatfs.</summary>
static class StatSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.fstat] = (k, fd, buf, _, _, _, _) => Fstat(k, (int)fd, buf);
        t[Nr.stat] = (k, path, buf, _, _, _, _) => StatAt(k, AT_FDCWD, path, buf, 0);
        t[Nr.lstat] = (k, path, buf, _, _, _, _) => StatAt(k, AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
        t[Nr.newfstatat] = (k, dirfd, path, buf, flags, _, _) => StatAt(k, (int)dirfd, path, buf, (int)flags);
        t[Nr.statx] = (k, dirfd, path, flags, mask, buf, _) => Statx(k, (int)dirfd, path, (int)flags, (uint)mask, buf);
        t[Nr.statfs] = (k, path, buf, _, _, _, _) => Statfs(k, path, null, buf);
        t[Nr.fstatfs] = (k, fd, buf, _, _, _, _) => Statfs(k, 0, (int)fd, buf);
    }

    static long Fstat(Task t, int fd, ulong buf)
    {
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null) return Err(Errno.EBADF);
        var e = f.Stat(out var st);
        if (e != Errno.None) return Err(e);
        return t.Mem.Write(buf, AsSeenBy(t, st)) ? 0 : Err(Errno.EFAULT);
    }

    static long StatAt(Task t, int dirfd, ulong pathAddr, ulong buf, int flags)
    {
        if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)) != 0) return Err(Errno.EINVAL);
        var e = ReadPath(t, pathAddr, out var path);
        if (e != Errno.None) return Err(e);
        if (path.Length == 0 && (flags & AT_EMPTY_PATH) != 0 && dirfd != AT_FDCWD) return Fstat(t, dirfd, buf);
        e = Resolve(t, dirfd, path, flags, out var p);
        if (e != Errno.None) return Err(e);
        e = p.Inode.Stat(out var st);
        if (e != Errno.None) return Err(e);
        return t.Mem.Write(buf, AsSeenBy(t, st)) ? 0 : Err(Errno.EFAULT);
    }

    /// <summary>The owner and group in the caller's user namespace (an unmapped one is the overflow id).</summary>
    static LinuxStat AsSeenBy(Task t, LinuxStat st)
    {
        st.Uid = t.Creds.UserNs.UidToUser(st.Uid);
        st.Gid = t.Creds.UserNs.GidToUser(st.Gid);
        return st;
    }

    const uint STATX_BASIC_STATS = 0x7ff, STATX_MNT_ID = 0x1000, STATX__RESERVED = 0x80000000;

    static long Statx(Task t, int dirfd, ulong pathAddr, int flags, uint mask, ulong buf)
    {
        if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | 0x6000)) != 0) return Err(Errno.EINVAL);
        if ((flags & 0x6000) == 0x6000) return Err(Errno.EINVAL);
        if ((mask & STATX__RESERVED) != 0) return Err(Errno.EINVAL);
        var e = ReadPath(t, pathAddr, out var path);
        if (e != Errno.None) return Err(e);
        LinuxStat st;
        int mnt = 0;
        if (path.Length == 0 && (flags & AT_EMPTY_PATH) != 0 && dirfd != AT_FDCWD)
        {
            using var fRef = t.Fds.Borrow(dirfd); var f = fRef.File;
            if (f == null) return Err(Errno.EBADF);
            e = f.Stat(out st);
            if (f.Path.IsValid) mnt = f.Path.Mount.Id;
        }
        else
        {
            e = Resolve(t, dirfd, path, flags, out var p);
            if (e != Errno.None) return Err(e);
            e = p.Inode.Stat(out st);
            mnt = p.Mount.Id;
        }
        if (e != Errno.None) return Err(e);
        st = AsSeenBy(t, st);
        var x = new LinuxStatx
        {
            Mask = STATX_BASIC_STATS | STATX_MNT_ID, Blksize = (uint)st.Blksize, Nlink = (uint)st.Nlink, Uid = st.Uid, Gid = st.Gid,
            Mode = (ushort)st.Mode, Ino = st.Ino, Size = (ulong)st.Size, Blocks = (ulong)st.Blocks,
            Atime = new StatxTimestamp { Sec = st.Atime, Nsec = (uint)st.AtimeNsec },
            Mtime = new StatxTimestamp { Sec = st.Mtime, Nsec = (uint)st.MtimeNsec },
            Ctime = new StatxTimestamp { Sec = st.Ctime, Nsec = (uint)st.CtimeNsec },
            RdevMajor = Major(st.Rdev), RdevMinor = Minor(st.Rdev), DevMajor = Major(st.Dev), DevMinor = Minor(st.Dev),
            MntId = (ulong)mnt,
        };
        return t.Mem.Write(buf, x) ? 0 : Err(Errno.EFAULT);
    }

    static uint Major(ulong dev) => (uint)(((dev >> 8) & 0xfff) | ((dev >> 32) & 0xfffff000));
    static uint Minor(ulong dev) => (uint)((dev & 0xff) | ((dev >> 12) & 0xffffff00));

    const long CGROUP2_SUPER_MAGIC = 0x63677270;
    const long PIPEFS_MAGIC = 0x50495045, SOCKFS_MAGIC = 0x534F434B, ANON_INODE_FS_MAGIC = 0x09041934;

    static long Statfs(Task t, ulong pathAddr, int? fd, ulong buf)
    {
        VfsPath p;
        if (fd != null)
        {
            using var fRef = t.Fds.Borrow(fd.Value); var f = fRef.File;
            if (f == null) return Err(Errno.EBADF);
            if (!f.Path.IsValid)
            {
                // A pipe, socket or anonymous-inode file: its pseudo file system's simple_statfs.
                long pseudo = f switch { FileSystems.Pipe.PipeEnd => PIPEFS_MAGIC, Net.Socket => SOCKFS_MAGIC, _ => ANON_INODE_FS_MAGIC };
                return t.Mem.Write(buf, new LinuxStatFs { Type = pseudo, Bsize = 4096, Frsize = 4096, Namelen = 255, Flags = ST_VALID }) ? 0 : Err(Errno.EFAULT);
            }
            p = f.Path;
        }
        else
        {
            var e = Resolve(t, AT_FDCWD, pathAddr, 0, out p);
            if (e != Errno.None) return Err(e);
        }
        long magic = p.Mount.FsType switch
        {
            "proc" => 0x9fa0, "sysfs" => 0x62656572, "devtmpfs" or "tmpfs" => 0x01021994, "overlay" => 0x794c7630, "mqueue" => 0x19800202, "cgroup2" => CGROUP2_SUPER_MAGIC, _ => 0xef53,
        };
        var s = new LinuxStatFs
        {
            Type = magic, Bsize = 4096, Blocks = 1 << 20, Bfree = 1 << 19, Bavail = 1 << 19, Files = 1 << 20, Ffree = 1 << 19,
            Namelen = 255, Frsize = 4096, Flags = StatFsFlags(p.Mount),
        };
        if (p.Mount.Root.Inode is FileSystems.Tmpfs.TmpfsDir { Fs.Space: { } space })
        {
            // A tmpfs's own numbers (shmem_statfs); without nr_inodes= its inode limit is Linux's default.
            long max = space.MaxPages, free = max == 0 ? 0 : max - space.UsedPages;
            long inodes = space.InodeLimit ?? FileSystems.Tmpfs.TmpfsSpace.DefaultPages(FileSystems.Proc.SystemInfo.TotalMemory(t.Kernel));
            (s.Blocks, s.Bfree, s.Bavail) = (max, free, free);
            (s.Files, s.Ffree) = (inodes, Math.Max(0, inodes - space.Inodes));
        }
        return t.Mem.Write(buf, s) ? 0 : Err(Errno.EFAULT);
    }

    const long ST_RDONLY = 1, ST_NOSUID = 2, ST_NODEV = 4, ST_NOEXEC = 8, ST_VALID = 0x20, ST_NOSYMFOLLOW = 0x100,
        ST_NOATIME = 0x400, ST_NODIRATIME = 0x800, ST_RELATIME = 0x1000;

    /// <summary>statfs's f_flags: the mount's flags (Linux's flags_by_mnt) and ST_VALID.</summary>
    static long StatFsFlags(Mount m)
    {
        long f = ST_VALID;
        if (m.ReadOnly) f |= ST_RDONLY;
        if (m.NoSuid) f |= ST_NOSUID;
        if (m.NoDev) f |= ST_NODEV;
        if (m.NoExec) f |= ST_NOEXEC;
        if ((m.Flags & Mount.MNT_NOATIME) != 0) f |= ST_NOATIME;
        if ((m.Flags & Mount.MNT_NODIRATIME) != 0) f |= ST_NODIRATIME;
        if ((m.Flags & Mount.MNT_RELATIME) != 0) f |= ST_RELATIME;
        if (m.NoSymFollow) f |= ST_NOSYMFOLLOW;
        return f;
    }
}
