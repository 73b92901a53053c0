using System.Text;
using AppKernel.Platform.Native;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;
using AppKernel.Sentry.Vfs;
using static Tmds.Linux.LibC;

namespace AppKernel.Sentry.FileSystems.Host;

/// <summary>
/// A read-only view of a host directory. Every lookup is openat(parent, name, O_PATH|O_NOFOLLOW)
/// from an fd we hold, so no symlink or ".." in the guest's path ever reaches a host path outside the root.
/// (The gofer issue moves this behind the gofer protocol; the Sentry only sees Inode.)
/// </summary>
public static unsafe class HostFileSystem
{
    public static Inode Open(string dir)
    {
        int fd;
        var bytes = Encoding.UTF8.GetBytes(dir + "\0");
        fixed (byte* p = bytes) fd = openat(-100, p, 0x200000 /* O_PATH */ | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0) throw new IOException($"cannot open root file system {dir}: errno {errno}");
        return new HostInode(fd);
    }
}

public sealed unsafe class HostInode : Inode
{
    readonly int _fd; // O_PATH
    readonly uint _mode;

    internal HostInode(int fd)
    {
        _fd = fd;
        Stat(out var st);
        _mode = st.Mode;
    }

    ~HostInode() => close(_fd);

    public override uint Mode => _mode;

    public override Errno Stat(out LinuxStat st)
    {
        st = default;
        fixed (LinuxStat* p = &st)
        fixed (byte* empty = "\0"u8)
            if (fstatat(_fd, empty, (Tmds.Linux.stat*)p, 0x1000 /* AT_EMPTY_PATH */ | 0x100 /* AT_SYMLINK_NOFOLLOW */) < 0)
                return (Errno)errno;
        return Errno.None;
    }

    public override Errno Lookup(Task t, string name, out Inode? child)
    {
        child = null;
        if (!IsDir) return Errno.ENOTDIR;
        Span<byte> buf = stackalloc byte[PathWalker.NameMax * 4 + 1];
        int n = Encoding.UTF8.GetBytes(name, buf);
        buf[n] = 0;
        int fd;
        fixed (byte* p = buf) fd = openat(_fd, p, 0x200000 | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0) return (Errno)errno;
        child = new HostInode(fd);
        return Errno.None;
    }

    public override Errno ReadDir(Task t, List<DirEntry> into)
    {
        if (!IsDir) return Errno.ENOTDIR;
        int dfd;
        fixed (byte* dot = ".\0"u8) dfd = openat(_fd, dot, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (dfd < 0) return (Errno)errno;
        try
        {
            var buf = new byte[32768];
            while (true)
            {
                long n;
                fixed (byte* p = buf) n = Platform.Native.Host.syscall(Platform.Native.Host.SYS_getdents64, dfd, (long)p, buf.Length);
                if (n < 0) return (Errno)Platform.Native.Host.Errno;
                if (n == 0) return Errno.None;
                int off = 0;
                while (off < n)
                {
                    ulong ino = BitConverter.ToUInt64(buf, off);
                    ushort reclen = BitConverter.ToUInt16(buf, off + 16);
                    byte type = buf[off + 18];
                    int end = Array.IndexOf(buf, (byte)0, off + 19);
                    string name = Encoding.UTF8.GetString(buf, off + 19, end - (off + 19));
                    if (name != "." && name != "..") into.Add(new DirEntry(name, ino, type));
                    off += reclen;
                }
            }
        }
        finally { close(dfd); }
    }

    public override Errno ReadLink(Task t, out string target)
    {
        target = "";
        if (!IsSymlink) return Errno.EINVAL;
        var buf = new byte[PathWalker.PathMax];
        long n;
        fixed (byte* p = buf)
        fixed (byte* empty = "\0"u8)
            n = (long)readlinkat(_fd, empty, p, buf.Length);
        if (n < 0) return (Errno)errno;
        target = Encoding.UTF8.GetString(buf, 0, (int)n);
        return Errno.None;
    }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        if (OpenFlags.CanWrite(flags) || (flags & OpenFlags.O_TRUNC) != 0) return IsDir ? Errno.EISDIR : Errno.EROFS;
        switch (Mode & InodeMode.S_IFMT)
        {
            case InodeMode.S_IFREG:
            case InodeMode.S_IFDIR:
                break;
            case InodeMode.S_IFIFO:
            case InodeMode.S_IFSOCK:
                return Errno.ENXIO; // host IPC endpoints are never opened for the guest
            default:
                return Errno.EACCES; // host device nodes are never opened for the guest
        }
        // Reopen the exact inode we hold, never a path.
        int hfd;
        var proc = Encoding.ASCII.GetBytes($"/proc/self/fd/{_fd}\0");
        fixed (byte* p = proc) hfd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | (IsDir ? O_DIRECTORY : 0), 0);
        if (hfd < 0) return (Errno)errno;
        fd = new HostFile(flags, path, this, hfd);
        return Errno.None;
    }
}

/// <summary>An open regular file or directory of the host view.</summary>
public sealed unsafe class HostFile : FileDescription, IMappable
{
    readonly int _hfd;
    readonly DirectoryCursor? _dir;

    public HostFile(int flags, VfsPath path, Inode inode, int hfd) : base(flags, path, inode)
    {
        _hfd = hfd;
        if (inode.IsDir) _dir = new DirectoryCursor();
    }

    public override DirectoryCursor? Directory => _dir;

    public override long ReadAt(Task t, Span<byte> buf, long offset)
    {
        if (_dir != null) return -(long)Errno.EISDIR;
        if (offset < 0) return -(long)Errno.EINVAL;
        fixed (byte* p = buf)
        {
            long n = (long)pread(_hfd, p, buf.Length, offset);
            return n < 0 ? -(long)errno : n;
        }
    }

    public override long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset) => -(long)Errno.EBADF;

    public override IMappable? Mappable => _dir == null ? this : null;

    public MappedFile Identity
    {
        get
        {
            Stat(out var st);
            return new MappedFile(Path.IsValid ? MountNamespace.AbsolutePath(Path) : "", st.Dev, st.Ino);
        }
    }

    public bool SupportsSharedWritable => false;

    public Errno CopyInto(AppKernel.Platform.GuestMemory mem, ulong addr, ulong offset, ulong len) => CopyIntoByReads(mem, addr, offset, len);

    protected override void Release() => close(_hfd);
}

/// <summary>An O_PATH description: names a file without opening it.</summary>
public sealed class PathOnlyFile : FileDescription
{
    public PathOnlyFile(int flags, VfsPath path, Inode inode) : base(flags, path, inode) { }
    public override long ReadAt(Task t, Span<byte> buf, long offset) => -(long)Errno.EBADF;
    public override long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset) => -(long)Errno.EBADF;
    public override long Seek(long offset, int whence) => -(long)Errno.EBADF;
    public override long Ioctl(Task t, uint cmd, ulong arg) => -(long)Errno.EBADF;
}
