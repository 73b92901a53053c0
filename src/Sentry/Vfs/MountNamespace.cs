using System.Text;

namespace AppKernel.Sentry.Vfs;

/// <summary>The mount tree: which mount covers which dentry.</summary>
public sealed class MountNamespace
{
    // Keyed by the covered inode, not the dentry: directories of memory file systems are not kept in the
    // dentry cache, so a later walk reaches the same inode through a new dentry.
    readonly Dictionary<(Mount, Inode), Mount> _mounted = new();
    readonly List<Mount> _all = new();
    public Mount Root { get; }

    public MountNamespace(Mount root)
    {
        Root = root;
        _all.Add(root);
    }

    public IReadOnlyList<Mount> All => _all;

    public VfsPath RootPath => new(Root, Root.Root);

    /// <summary>Mounts fsRoot over the directory at 'at'.</summary>
    public Mount MountAt(VfsPath at, Inode fsRoot, string fsType, string source, bool readOnly)
    {
        var m = new Mount(new Dentry("/", null, fsRoot), at.Mount, at.Dentry, fsType, source, readOnly);
        lock (_mounted)
        {
            _mounted[(at.Mount, at.Inode)] = m;
            _all.Add(m);
        }
        return m;
    }

    /// <summary>
    /// umount2: takes away the mount whose root p is (EINVAL if p is no mount's root, or the namespace's root).
    /// Mounts below it make it EBUSY unless detach (MNT_DETACH) takes them too; open files inside keep working,
    /// as Linux's lazy unmount leaves them.
    /// </summary>
    public Errno Unmount(VfsPath p, bool detach)
    {
        var m = p.Mount;
        if (p.Dentry != m.Root || m == Root || m.Parent == null || m.MountPoint == null) return Errno.EINVAL;
        lock (_mounted)
        {
            var below = _all.Where(c => c != m && Under(c, m)).ToList();
            if (below.Count > 0 && !detach) return Errno.EBUSY;
            foreach (var c in below.Append(m))
            {
                if (c.Parent != null && c.MountPoint != null && _mounted.TryGetValue((c.Parent, c.MountPoint.Inode), out var cur) && cur == c)
                    _mounted.Remove((c.Parent, c.MountPoint.Inode));
                _all.Remove(c);
            }
        }
        return Errno.None;
    }

    static bool Under(Mount c, Mount ancestor)
    {
        for (var p = c.Parent; p != null; p = p.Parent)
            if (p == ancestor) return true;
        return false;
    }

    /// <summary>Follows mounts stacked on p down to the topmost.</summary>
    public VfsPath CrossDown(VfsPath p)
    {
        lock (_mounted)
            while (_mounted.TryGetValue((p.Mount, p.Inode), out var m)) p = new VfsPath(m, m.Root);
        return p;
    }

    /// <summary>p's path from the top of its mount tree (what /proc/pid/maps shows for a mapped file).</summary>
    public static string AbsolutePath(VfsPath p)
    {
        var m = p.Mount;
        while (m.Parent != null) m = m.Parent;
        return PathOf(p, new VfsPath(m, m.Root));
    }

    /// <summary>The absolute path of p as seen from root (Linux's d_path).</summary>
    public static string PathOf(VfsPath p, VfsPath root)
    {
        var parts = new List<string>();
        var cur = p;
        int guard = 0;
        while (guard++ < 4096)
        {
            if (cur.Mount == root.Mount && cur.Dentry == root.Dentry) break;
            if (cur.Dentry == cur.Mount.Root)
            {
                if (cur.Mount.Parent == null) break;
                cur = new VfsPath(cur.Mount.Parent, cur.Mount.MountPoint!);
                continue;
            }
            parts.Add(cur.Dentry.Name);
            cur = new VfsPath(cur.Mount, cur.Dentry.Parent!);
        }
        if (parts.Count == 0) return "/";
        var sb = new StringBuilder();
        for (int i = parts.Count - 1; i >= 0; i--) sb.Append('/').Append(parts[i]);
        return sb.ToString();
    }
}
