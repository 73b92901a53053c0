using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Tmpfs;

public sealed class TmpfsSymlink : TmpfsNode
{
    string? _target;

    public TmpfsSymlink(TmpfsFs fs, string target, Task? t) : base(fs, InodeMode.S_IFLNK | 0x1ff, t) => _target = target;
    internal TmpfsSymlink(TmpfsFs fs, Inode lower, in LinuxStat st) : base(fs, lower, st) { }

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
