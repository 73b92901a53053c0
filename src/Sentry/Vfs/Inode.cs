using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Vfs;

public readonly record struct DirEntry(string Name, ulong Ino, byte Type);

/// <summary>A file system object. File systems subclass it; the path walker and syscalls only see this.</summary>
public abstract class Inode
{
    /// <summary>File type and permission bits (st_mode).</summary>
    public abstract uint Mode { get; }
    public bool IsDir => InodeMode.IsDir(Mode);
    public bool IsSymlink => InodeMode.IsLink(Mode);

    /// <summary>Whether the dentry cache may keep this directory's children (false for /proc's live views).</summary>
    public virtual bool CacheChildren => true;

    public abstract Errno Stat(out LinuxStat st);

    public virtual Errno Lookup(Task t, string name, out Inode? child)
    {
        child = null;
        return IsDir ? Errno.ENOENT : Errno.ENOTDIR;
    }

    /// <summary>Lists the directory, without "." and "..".</summary>
    public virtual Errno ReadDir(Task t, List<DirEntry> into) => IsDir ? Errno.None : Errno.ENOTDIR;

    public virtual Errno ReadLink(Task t, out string target)
    {
        target = "";
        return Errno.EINVAL;
    }

    /// <summary>/proc's magic links resolve to a file directly rather than by their text.</summary>
    public virtual bool FollowMagic(Task t, out VfsPath target)
    {
        target = default;
        return false;
    }

    /// <summary>Opens the inode; path is where it was found (for /proc/self/fd and maps).</summary>
    public abstract Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd);

    /// <summary>Whether the file system is mounted read-only (EROFS for writes).</summary>
    public virtual bool ReadOnly => true;
}
