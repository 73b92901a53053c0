using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.Kernel;

/// <summary>A task's root, working directory and umask.</summary>
public sealed class FsContext
{
    public VfsPath Root;
    public VfsPath Cwd;
    public int Umask = 0x12; // 022
}
