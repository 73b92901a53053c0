using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.Kernel;

/// <summary>A task's root, working directory and umask.</summary>
public sealed class FsContext
{
    public VfsPath Root;
    public VfsPath Cwd;
    public int Umask = 0x12; // 022

    /// <summary>A new mount namespace's copy: root and cwd move to the copies of their mounts (copy_mnt_ns).</summary>
    public void MoveTo(Dictionary<Mount, Mount> map)
    {
        lock (this)
        {
            if (map.TryGetValue(Root.Mount, out var r)) Root = new VfsPath(r, Root.Dentry);
            if (map.TryGetValue(Cwd.Mount, out var c)) Cwd = new VfsPath(c, Cwd.Dentry);
        }
    }
}
