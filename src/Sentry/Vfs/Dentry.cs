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

    /// <summary>Caches a lookup's result (one already cached wins), or with replace, takes the place of a cached
    /// child that failed revalidation.</summary>
    public Dentry AddChild(string name, Inode inode, bool replace = false)
    {
        var d = new Dentry(name, this, inode);
        if (!Inode.CacheChildren) return d;
        lock (this)
        {
            _children ??= new Dictionary<string, Dentry>(StringComparer.Ordinal);
            if (!replace && _children.TryGetValue(name, out var existing)) return existing;
            _children[name] = d;
        }
        return d;
    }
}

/// <summary>A position in the mount tree: a dentry seen through a mount.</summary>
public readonly record struct VfsPath(Mount Mount, Dentry Dentry)
{
    public bool IsValid => Mount != null;
    public Inode Inode => Dentry.Inode;

    /// <summary>The same directory of the same mount. Memory and gofer file systems keep no dentry cache, so two
    /// walks to one directory may make two dentries: the inode decides.</summary>
    public bool SameAs(VfsPath o) => Mount == o.Mount && (Dentry == o.Dentry || Dentry.Inode == o.Dentry.Inode);
}
