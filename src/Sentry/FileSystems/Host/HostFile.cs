using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;
using AppKernel.Sentry.Vfs;
using static Tmds.Linux.LibC;

namespace AppKernel.Sentry.FileSystems.Host;

/// <summary>An open regular file backed by a host fd the gofer donated: reads and writes go straight to it.</summary>
public sealed unsafe class HostFile : FileDescription, IMappable, AppKernel.Platform.IHostReadable
{
    readonly int _hfd;
    volatile bool _closed;
    int _largeReads;
    /// <summary>A read this large goes straight into guest memory where the platform can (PreadAsStub): one copy
    /// instead of two. Only from a file's second such read on: the first one has the stub take the fd, which a file
    /// read once would not earn back.</summary>
    const ulong IntoGuestMin = 16 << 10;

    public HostFile(int flags, VfsPath path, Inode inode, int hfd) : base(flags, path, inode) => _hfd = hfd;

    public override long ReadAt(Task t, Span<byte> buf, long offset)
    {
        if (offset < 0) return -(long)Errno.EINVAL;
        fixed (byte* p = buf)
        {
            long n = (long)pread(_hfd, p, buf.Length, offset);
            return n < 0 ? -(long)errno : n;
        }
    }

    /// <summary>At most this much per stub pread: a stub command that takes too long (10 s) counts as a broken stub,
    /// and a slow disk must not make a huge read one.</summary>
    const ulong IntoGuestPiece = 4 << 20;
    /// <summary>A read this large is worth waking a sleeping stub thread for (~0.1 ms here).</summary>
    const ulong WakeWorthy = 1 << 20;

    protected override bool MayReadIntoGuest(Task t, ulong count) =>
        count >= IntoGuestMin && t.Stub != null
        && (Volatile.Read(ref _largeReads) >= 2 || Interlocked.Increment(ref _largeReads) >= 2);

    protected override bool ReadAtIntoGuest(Task t, ulong addr, ulong count, long offset, out long n)
    {
        n = 0;
        if (offset < 0 || t.Stub is not { } c) return false;
        long total = 0;
        while ((ulong)total < count)
        {
            ulong want = Math.Min(count - (ulong)total, IntoGuestPiece);
            // Once begun, a read goes on this way even if the stub thread went to sleep meanwhile (a long piece).
            if (!c.PreadAsStub(this, addr + (ulong)total, want, offset + total, wake: total > 0 || want >= WakeWorthy, out long r))
            {
                if (total == 0) return false;
                break; // the stub cannot go on (gone, or broken by its guest)
            }
            if (r < 0)
            {
                n = total > 0 ? total : r;
                return true;
            }
            total += r;
            if ((ulong)r < want) break;
        }
        n = total;
        return true;
    }

    public int HostFd => _hfd;
    public bool Closed => _closed;

    // The host fd carries O_APPEND when the description does, so a pwrite appends (as Linux's does).
    public override long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset)
    {
        if (offset < 0) return -(long)Errno.EINVAL;
        fixed (byte* p = buf)
        {
            long n = (long)pwrite(_hfd, p, buf.Length, offset);
            return n < 0 ? -(long)errno : n;
        }
    }

    public override long Write(Task t, ReadOnlySpan<byte> buf)
    {
        if ((Flags & OpenFlags.O_APPEND) == 0) return base.Write(t, buf);
        lock (this)
        {
            long n = WriteAt(t, buf, 0);
            if (n > 0) Offset = (long)lseek(_hfd, 0, SEEK_END);
            return n;
        }
    }

    public override IMappable? Mappable => this;

    public MappedFile Identity
    {
        get
        {
            Stat(out var st);
            return new MappedFile(Path.IsValid ? MountNamespace.AbsolutePath(Path) : "", st.Dev, st.Ino) { At = Path };
        }
    }

    // The host file itself: its pages are the page cache every other opener sees (executables and libraries
    // are mapped, not copied).
    public Errno HostPages(bool shared, bool writable, out int hostFd) { hostFd = _hfd; return Errno.None; }

    public Errno CopyInto(AppKernel.Platform.GuestMemory mem, ulong addr, ulong offset, ulong len) => CopyIntoByReads(mem, addr, offset, len);

    protected override void Release()
    {
        _closed = true;
        close(_hfd);
    }
}

/// <summary>An O_PATH description: names a file without opening it.</summary>
public sealed class PathOnlyFile : FileDescription
{
    public PathOnlyFile(int flags, VfsPath path, Inode inode) : base(flags, path, inode) { }
    /// <summary>fsmount's and open_tree(OPEN_TREE_CLONE)'s fd: the detached tree it holds goes at the last close
    /// unless move_mount attached it (Linux's FMODE_NEED_UNMOUNT).</summary>
    public Mount? DetachedTree { get; init; }
    protected override void Release() { if (DetachedTree is { } m) MountNamespace.Dissolve(m); }
    public override long ReadAt(Task t, Span<byte> buf, long offset) => -(long)Errno.EBADF;
    public override long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset) => -(long)Errno.EBADF;
    public override long Seek(long offset, int whence) => -(long)Errno.EBADF;
    public override long Ioctl(Task t, uint cmd, ulong arg) => -(long)Errno.EBADF;
}
