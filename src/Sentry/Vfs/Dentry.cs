namespace AppKernel.Sentry.Vfs;

/// <summary>A name in the tree: the dentry cache keeps positive lookups of cacheable directories.</summary>
public sealed class Dentry
{
    public string Name { get; }
    public Dentry? Parent { get; }
    public Inode Inode { get; }
    Dictionary<string, Dentry>? _children;

    public Dentry(string name, Dentry? parent, Inode inode)
    {
        Name = name;
        Parent = parent;
        Inode = inode;
    }

    public Dentry? CachedChild(string name)
    {
        lock (this) return _children != null && _children.TryGetValue(name, out var d) ? d : null;
    }

    public Dentry AddChild(string name, Inode inode)
    {
        var d = new Dentry(name, this, inode);
        if (!Inode.CacheChildren) return d;
        lock (this)
        {
            _children ??= new Dictionary<string, Dentry>(StringComparer.Ordinal);
            if (_children.TryGetValue(name, out var existing)) return existing;
            _children[name] = d;
        }
        return d;
    }
}

/// <summary>A mounted file system: its root dentry and where it hangs in its parent.</summary>
public sealed class Mount
{
    public Dentry Root { get; }
    public Mount? Parent { get; }
    public Dentry? MountPoint { get; }
    public string FsType { get; }
    public string Source { get; }
    public bool ReadOnly { get; }
    public int Id { get; }
    static int s_nextId = 1;

    public Mount(Dentry root, Mount? parent, Dentry? mountPoint, string fsType, string source, bool readOnly)
    {
        Root = root; Parent = parent; MountPoint = mountPoint; FsType = fsType; Source = source; ReadOnly = readOnly;
        Id = Interlocked.Increment(ref s_nextId);
    }
}

/// <summary>A position in the mount tree: a dentry seen through a mount.</summary>
public readonly record struct VfsPath(Mount Mount, Dentry Dentry)
{
    public bool IsValid => Mount != null;
    public Inode Inode => Dentry.Inode;
}
