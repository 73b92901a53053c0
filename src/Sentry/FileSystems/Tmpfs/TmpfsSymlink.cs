using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Tmpfs;

public sealed class TmpfsSymlink : TmpfsNode
{
    string? _target;

    public TmpfsSymlink(TmpfsFs fs, string target, Task? t) : base(fs, InodeMode.S_IFLNK | 0x1ff, t) => _target = target;
    internal TmpfsSymlink(TmpfsFs fs, Inode lower, in LinuxStat st) : base(fs, lower, st) { }

    /// <summary>Linux's SHORT_SYMLINK_LEN: a target whose length with its NUL is above it takes a page.</summary>
    public const int ShortSymlinkLen = 128;

    /// <summary>Whether the target was charged a page of the file system's space (given back with the last link).</summary>
    internal bool OwnsPage { get; init; }

    internal override void Unlinked()
    {
        if (OwnsPage) Fs.Space?.Uncharge(1);
        base.Unlinked();
    }

    protected override long Size => LinuxText.ByteCount(_target ?? "");

    protected override Errno CopyUpContent(in LinuxStat st) => Lower!.ReadLink(null!, out _target);

    public override Errno ReadLink(Task t, out string target)
    {
        lock (Lock)
            if (_target != null)
            {
                target = _target;
                return Errno.None;
            }
        return Lower!.ReadLink(t, out target);
    }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        return Errno.ELOOP;
    }
}
