using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Anon;

/// <summary>The inode behind eventfds and epoll instances ("anon_inode:[...]"): it cannot be opened by path.</summary>
public sealed class AnonInode : SynthInode
{
    public AnonInode() { Perm = 0x180; Dev = 0xd; }
    protected override uint TypeBits => 0; // Linux's anon inodes have no file type
    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        return Errno.ENXIO;
    }
}
