using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Vfs;

/// <summary>
/// openat2's RESOLVE_* restrictions on a walk; the default restricts nothing. Anchor is the directory a scoped
/// walk (BENEATH, IN_ROOT) stays in.
/// </summary>
public readonly record struct ResolveRules(ulong Flags, VfsPath Anchor)
{
    public const ulong RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04,
        RESOLVE_BENEATH = 0x08, RESOLVE_IN_ROOT = 0x10, RESOLVE_CACHED = 0x20;
    public bool NoXdev => (Flags & RESOLVE_NO_XDEV) != 0;
    public bool NoSymlinks => (Flags & RESOLVE_NO_SYMLINKS) != 0;
    public bool NoMagiclinks => (Flags & (RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS)) != 0;
    public bool Beneath => (Flags & RESOLVE_BENEATH) != 0;
    public bool InRoot => (Flags & RESOLVE_IN_ROOT) != 0;

    /// <summary>The root of the walk: the anchor for IN_ROOT, else the task's.</summary>
    public VfsPath Root(Task t) => InRoot ? Anchor : t.Fs.Root;

    /// <summary>Whether following a symlink is refused: ELOOP without symlinks (or magic links), EXDEV for a magic
    /// link in a scoped walk or one leading to another mount under NO_XDEV.</summary>
    public Errno CheckFollow(bool magic, VfsPath from, VfsPath magicTarget)
    {
        if (NoSymlinks || (magic && NoMagiclinks)) return Errno.ELOOP;
        if (magic && (Beneath || InRoot || (NoXdev && magicTarget.Mount != from.Mount))) return Errno.EXDEV;
        return Errno.None;
    }
}

/// <summary>
/// The one path walker: resolves a path component by component from a start directory,
/// following symlinks (at most 40), handling "..", mount crossings and the task's root, within openat2's
/// <see cref="ResolveRules"/> when given.
/// </summary>
public static class PathWalker
{
    public const int MaxSymlinks = 40;
    public const int PathMax = 4096;
    public const int NameMax = 255;

    /// <summary>Resolves path fully. followFinal: whether a symlink as the last component is followed.</summary>
    public static Errno Resolve(Task t, VfsPath start, string path, bool followFinal, out VfsPath result, ResolveRules rules = default)
    {
        int links = 0;
        return Walk(t, start, path, followFinal, ref links, out result, rules);
    }

    /// <summary>Whether s stands for more than max bytes (a char is 1 to 3 bytes, so the count is only needed near the limit).</summary>
    static bool LongerThan(ReadOnlySpan<char> s, int max) => s.Length > max || (s.Length * 3 > max && LinuxText.ByteCount(s) > max);

    /// <summary>Resolves all but the last component; name is the last component ("" for "/" or a path ending in "." or "..").</summary>
    public static Errno ResolveParent(Task t, VfsPath start, string path, out VfsPath parent, out string name, ResolveRules rules = default)
    {
        name = "";
        parent = default;
        if (path.Length == 0) return Errno.ENOENT;
        if (LongerThan(path, PathMax - 1)) return Errno.ENAMETOOLONG;
        string trimmed = path.TrimEnd('/');
        if (trimmed.Length == 0)
        {
            if (rules.Beneath) return Errno.EXDEV;
            parent = rules.Root(t);
            return Errno.None;
        }
        int slash = trimmed.LastIndexOf('/');
        string dir = slash < 0 ? "." : slash == 0 ? "/" : trimmed[..slash];
        name = slash < 0 ? trimmed : trimmed[(slash + 1)..];
        if (LongerThan(name, NameMax)) return Errno.ENAMETOOLONG;
        int links = 0;
        var e = Walk(t, start, dir, true, ref links, out parent, rules);
        if (e != Errno.None) return e;
        if (!parent.Inode.IsDir) return Errno.ENOTDIR;
        // The last name is looked up in parent, so searching it is needed first (link_path_walk's may_lookup),
        // whether or not the name exists.
        return Permissions.CheckSearch(t, parent.Inode);
    }

    /// <summary>
    /// Resolves path for O_CREAT. existing is the file when the name exists (through symlinks if follow);
    /// otherwise parent and name say where to create it, a dangling final symlink leading to its target's place.
    /// </summary>
    public static Errno ResolveForCreate(Task t, VfsPath start, string path, bool follow, out VfsPath parent, out string name, out VfsPath existing, ResolveRules rules = default)
    {
        int links = 0;
        return CreateWalk(t, start, path, follow, ref links, out parent, out name, out existing, rules);
    }

    static Errno CreateWalk(Task t, VfsPath start, string path, bool follow, ref int links, out VfsPath parent, out string name, out VfsPath existing, ResolveRules rules)
    {
        existing = default;
        var e = ResolveParent(t, start, path, out parent, out name, rules);
        if (e != Errno.None) return e;
        if (name is "" or "." or "..") return Resolve(t, start, path, true, out existing, rules);
        e = Child(t, parent, name, out var child);
        if (e == Errno.ENOENT) return Errno.None;
        if (e != Errno.None) return e;
        if (!child.Inode.IsSymlink || !follow)
        {
            existing = child;
            return Errno.None;
        }
        if (++links > MaxSymlinks) return Errno.ELOOP;
        if (child.Inode.FollowMagic(t, out existing)) return rules.CheckFollow(true, child, existing);
        e = rules.CheckFollow(false, child, default);
        if (e != Errno.None) return e;
        if (child.Mount.NoSymFollow) return Errno.ELOOP;
        e = child.Inode.ReadLink(t, out var target);
        if (e != Errno.None) return e;
        if (target.Length == 0) return Errno.ENOENT;
        return CreateWalk(t, parent, target, true, ref links, out parent, out name, out existing, rules);
    }

    static Errno Walk(Task t, VfsPath start, string path, bool followFinal, ref int links, out VfsPath result, ResolveRules rules)
    {
        result = default;
        if (path.Length == 0) return Errno.ENOENT;
        if (LongerThan(path, PathMax - 1)) return Errno.ENAMETOOLONG;
        var root = rules.Root(t);
        if (path[0] == '/' && rules.Beneath) return Errno.EXDEV; // an absolute path (or symlink) leaves the scope
        var cur = path[0] == '/' ? root : start;
        bool trailingSlash = path[^1] == '/';
        int i = 0;
        while (i < path.Length)
        {
            while (i < path.Length && path[i] == '/') i++;
            if (i >= path.Length) break;
            int j = path.IndexOf('/', i);
            if (j < 0) j = path.Length;
            var name = path.AsSpan(i, j - i);
            i = j;
            bool last = path.AsSpan(i).TrimStart('/').Length == 0;
            if (LongerThan(name, NameMax)) return Errno.ENAMETOOLONG;
            if (!cur.Inode.IsDir) return Errno.ENOTDIR;
            var pe = Permissions.CheckSearch(t, cur.Inode);
            if (pe != Errno.None) return pe;
            if (name is ".") continue;
            if (name is "..")
            {
                if (rules.Beneath && cur.SameAs(rules.Anchor)) return Errno.EXDEV;
                var up = Parent(cur, root);
                if (rules.NoXdev && up.Mount != cur.Mount) return Errno.EXDEV;
                cur = up;
                continue;
            }
            var e = Child(t, cur, name.ToString(), last ? default : path.AsSpan(i), out var next);
            if (e != Errno.None) return e;
            if (rules.NoXdev && next.Mount != cur.Mount) return Errno.EXDEV;
            if (next.Inode.IsSymlink && (!last || followFinal || trailingSlash))
            {
                if (++links > MaxSymlinks) return Errno.ELOOP;
                if (next.Inode.FollowMagic(t, out var magic))
                {
                    e = rules.CheckFollow(true, cur, magic);
                    if (e != Errno.None) return e;
                    cur = magic;
                    continue;
                }
                e = rules.CheckFollow(false, cur, default);
                if (e != Errno.None) return e;
                if (next.Mount.NoSymFollow) return Errno.ELOOP;
                e = next.Inode.ReadLink(t, out var target);
                if (e != Errno.None) return e;
                if (target.Length == 0) return Errno.ENOENT;
                e = Walk(t, cur, target, true, ref links, out next, rules);
                if (e != Errno.None) return e;
            }
            cur = next;
        }
        if (trailingSlash && !cur.Inode.IsDir) return Errno.ENOTDIR;
        result = cur;
        return Errno.None;
    }

    static VfsPath Parent(VfsPath cur, VfsPath root)
    {
        while (true)
        {
            if (cur.SameAs(root)) return cur;
            if (cur.Mount.IsRoot(cur.Dentry))
            {
                if (cur.Mount.Parent == null) return cur;
                cur = new VfsPath(cur.Mount.Parent, cur.Mount.MountPoint!);
                continue;
            }
            return new VfsPath(cur.Mount, cur.Dentry.Parent!);
        }
    }

    /// <summary>Looks up one name in a directory, through the dentry cache, and crosses mounts on the result.</summary>
    public static Errno Child(Task t, VfsPath dir, string name, out VfsPath child) => Child(t, dir, name, default, out child);

    /// <summary><see cref="Child(Task, VfsPath, string, out VfsPath)"/> in a walk that goes on with ahead (the rest of
    /// the path), which the directory may look up in the same round trip (<see cref="Inode.Lookup(Task, string, ReadOnlySpan{char}, out Inode?)"/>).</summary>
    public static Errno Child(Task t, VfsPath dir, string name, ReadOnlySpan<char> ahead, out VfsPath child)
    {
        child = default;
        var d = dir.Dentry.CachedChild(name);
        bool stale = d != null && !dir.Inode.Revalidate(name, d.Inode);
        if (d == null || stale)
        {
            var e = dir.Inode.Lookup(t, name, ahead, out var inode);
            if (e != Errno.None) return e;
            d = dir.Dentry.AddChild(name, inode!, replace: stale);
        }
        child = MountNamespace.CrossDown(new VfsPath(dir.Mount, d));
        return Errno.None;
    }
}
