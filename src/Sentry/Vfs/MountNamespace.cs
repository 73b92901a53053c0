using System.Text;

namespace AppKernel.Sentry.Vfs;

/// <summary>
/// A mount namespace: its tree of mounts, which mount covers which dentry. As in Linux the tree hangs from an
/// invisible anchor (rootfs) whose root the sandbox's "/" covers, so "/" itself has a parent (pivot_root moves it).
/// </summary>
public sealed class MountNamespace
{
    // Keyed by the covered inode, not the dentry: directories of memory file systems are not kept in the
    // dentry cache, so a later walk reaches the same inode through a new dentry.
    readonly Dictionary<(Mount, Inode), Mount> _mounted = new();
    // Every mount but the anchor, in mount order (what mountinfo lists).
    readonly List<Mount> _all = new();
    // How many mounts hang directly on each mount (HasChildren without a scan: umount asks it per peer).
    readonly Dictionary<Mount, int> _children = new();
    readonly object _lock = new();
    /// <summary>The anchor: no parent, never listed, covered by "/".</summary>
    public Mount Anchor { get; }
    /// <summary>Most mounts a namespace holds (Linux's fs.mount-max is 100000; the sandbox keeps gVisor's 10000).</summary>
    public const int MountMax = 10000;
    /// <summary>The namespace's inode number on nsfs (what /proc/pid/ns/mnt names).</summary>
    public uint Inum { get; }
    /// <summary>The user namespace that owns it: mounting and unmounting need CAP_SYS_ADMIN there (may_mount).</summary>
    public AppKernel.Sentry.Kernel.UserNamespace Owner = AppKernel.Sentry.Kernel.UserNamespace.Initial;

    /// <summary>A namespace whose "/" is root, hung on an anchor of anchorFs (an empty directory).</summary>
    public MountNamespace(Mount root, Inode anchorFs)
    {
        Anchor = new Mount(new Dentry("/", null, anchorFs), null, null, "rootfs", "rootfs", false);
        Anchor.Ns = this;
        Inum = NsInodes.Next();
        Attach(root, new VfsPath(Anchor, Anchor.Root));
    }

    MountNamespace(Mount anchor, bool anonymous = false)
    {
        Anchor = anchor;
        Anchor.Ns = this;
        IsAnonymous = anonymous;
        // An anonymous namespace has no nsfs inode (Linux's alloc_mnt_ns(anon)), so it uses up no number.
        if (!anonymous) Inum = NsInodes.Next();
    }

    /// <summary>A detached tree's namespace (fsmount, open_tree(OPEN_TREE_CLONE)): root is its anchor and
    /// has no parent, so ".." stops there; the tree lives until its fd closes or move_mount grafts it.</summary>
    public bool IsAnonymous { get; }

    /// <summary>A new anonymous namespace holding the (unattached) mount root.</summary>
    public static MountNamespace Detached(Mount root, AppKernel.Sentry.Kernel.UserNamespace owner)
    {
        root.Parent = null;
        root.MountPoint = null;
        return new MountNamespace(root, anonymous: true) { Owner = owner };
    }

    /// <summary>Whether m is the root of a detached tree (Linux's anon_ns_root).</summary>
    public static bool IsDetachedRoot(Mount m) => m.Ns is { IsAnonymous: true } ns && ns.Anchor == m;

    /// <summary>The last close of a detached tree's fd: unmounts it if nothing grafted it (dissolve_on_fput).</summary>
    public static void Dissolve(Mount m)
    {
        if (!IsDetachedRoot(m)) return;
        m.Ns!.Detach(m);
    }

    /// <summary>move_mount of a detached tree: its root (and everything below it) leaves its anonymous namespace
    /// and hangs over 'at' in this one; under a shared parent each mount of it becomes shared
    /// (attach_recursive_mnt's invent_group_ids).</summary>
    public void Graft(Mount root, VfsPath at)
    {
        var from = root.Ns!;
        List<Mount> below;
        lock (from._lock)
        {
            below = from._all.ToList();
            from._all.Clear();
            from._mounted.Clear();
            from._children.Clear();
        }
        Attach(root, at);
        lock (_lock)
        {
            foreach (var c in below)
            {
                c.Ns = this;
                if (at.Mount.Peers != null && c.Peers == null) c.Peers = PeerGroup.New();
                _mounted[(c.Parent!, c.MountPoint!.Inode)] = c;
                _all.Add(c);
                Counted(c.Parent, 1);
            }
        }
        Touch();
    }

    /// <summary>Changes of the tree and its mounts' flags (Linux's ns->event): /proc/[pid]/mounts and mountinfo poll
    /// POLLERR|POLLPRI once it moved past what they last saw.</summary>
    readonly FileSystems.Synthetic.ChangeEvent _changes = new();

    /// <summary>Records a change (touch_mnt_namespace) and wakes the mount tables' pollers.</summary>
    public void Touch() => _changes.Changed();

    /// <summary>What a mount table file opened now watches (mounts_open's p->event).</summary>
    public FileSystems.Synthetic.IChangeWatch Watch() => _changes.Watch();

    /// <summary>A snapshot of the mounts, in mount order.</summary>
    public IReadOnlyList<Mount> All
    {
        get { lock (_lock) return _all.ToArray(); }
    }

    /// <summary>"/": the topmost mount on the anchor.</summary>
    public VfsPath RootPath => CrossDown(new VfsPath(Anchor, Anchor.Root));

    /// <summary>Mounts fsRoot over the directory at 'at' with default flags (the kernel's own mounts).</summary>
    public Mount MountAt(VfsPath at, Inode fsRoot, string fsType, string source, bool readOnly, int flags = Mount.MNT_RELATIME)
    {
        var m = new Mount(new Dentry("/", null, fsRoot), null, null, fsType, source, new Super { ReadOnly = readOnly }, flags);
        Attach(m, at);
        return m;
    }

    /// <summary>Hangs m (not yet in any tree) over at. Under a shared parent it becomes shared too, in a group of
    /// its own (Linux's invent_group_ids on attach).</summary>
    public void Attach(Mount m, VfsPath at)
    {
        lock (_lock)
        {
            m.Parent = at.Mount;
            m.MountPoint = at.Dentry;
            m.Ns = this;
            if (at.Mount.Peers != null && m.Peers == null) m.Peers = PeerGroup.New();
            _mounted[(at.Mount, at.Inode)] = m;
            _all.Add(m);
            Counted(at.Mount, 1);
        }
        Touch();
    }

    /// <summary>Mounts hanging directly or indirectly below m, in mount order.</summary>
    public List<Mount> Below(Mount m)
    {
        lock (_lock)
        {
            var set = Descendants(m);
            return _all.Where(set.Contains).ToList();
        }
    }

    /// <summary>The mounts below m, found from m down (under _lock): a stack of thousands of mounts is walked
    /// once, not once per mount up to the top.</summary>
    HashSet<Mount> Descendants(Mount m)
    {
        var children = new Dictionary<Mount, List<Mount>>();
        foreach (var c in _all)
            if (c.Parent != null) { if (!children.TryGetValue(c.Parent, out var l)) children[c.Parent] = l = new(); l.Add(c); }
        var set = new HashSet<Mount>();
        var todo = new Stack<Mount>();
        todo.Push(m);
        while (todo.Count > 0)
            if (children.TryGetValue(todo.Pop(), out var l))
                foreach (var c in l)
                    if (c != m && set.Add(c)) todo.Push(c);
        return set;
    }

    /// <summary>Whether any mount hangs on m.</summary>
    public bool HasChildren(Mount m)
    {
        lock (_lock) return _children.GetValueOrDefault(m) > 0;
    }

    void Counted(Mount? parent, int delta)
    {
        if (parent == null) return;
        int n = _children.GetValueOrDefault(parent) + delta;
        if (n > 0) _children[parent] = n; else _children.Remove(parent);
    }

    /// <summary>Takes m and everything below it out of the tree (umount; MNT_DETACH leaves them usable by whoever
    /// still holds them, as Linux's lazy unmount does).</summary>
    public void Detach(Mount m)
    {
        lock (_lock)
        {
            var below = Descendants(m);
            foreach (var c in _all.Where(below.Contains).Append(m).ToList())
            {
                if (c.Parent != null && c.MountPoint != null && _mounted.TryGetValue((c.Parent, c.MountPoint.Inode), out var cur) && cur == c)
                    _mounted.Remove((c.Parent, c.MountPoint.Inode));
                _all.Remove(c);
                Counted(c.Parent, -1);
                c.Ns = null;
                // An unmounted mount propagates no more (umount_tree makes it private).
                c.Peers = null;
                c.Master = null;
            }
        }
        Touch();
    }

    /// <summary>The mount hanging directly on (m, at), if any.</summary>
    public Mount? ChildAt(Mount m, Dentry at)
    {
        lock (_lock) return _mounted.TryGetValue((m, at.Inode), out var c) ? c : null;
    }

    /// <summary>pivot_root's move: takes m out of where it hangs and hangs it over 'at' (both in this tree).</summary>
    public void Move(Mount m, VfsPath at)
    {
        lock (_lock)
        {
            if (m.Parent != null && m.MountPoint != null && _mounted.TryGetValue((m.Parent, m.MountPoint.Inode), out var cur) && cur == m)
                _mounted.Remove((m.Parent, m.MountPoint.Inode));
            Counted(m.Parent, -1);
            m.Parent = at.Mount;
            m.MountPoint = at.Dentry;
            _mounted[(at.Mount, at.Inode)] = m;
            Counted(at.Mount, 1);
        }
        Touch();
    }

    /// <summary>
    /// A copy of the whole tree for unshare/clone(CLONE_NEWNS) (Linux's copy_mnt_ns): each mount cloned with its
    /// flags; shared mounts' copies are their peers. map says which copy stands for which mount, so the caller
    /// moves its root and cwd over.
    /// </summary>
    public MountNamespace Copy(out Dictionary<Mount, Mount> map)
    {
        map = new Dictionary<Mount, Mount>();
        lock (_lock)
        {
            var anchor = Anchor.Clone(Anchor.Root, makePrivate: false);
            var ns = new MountNamespace(anchor);
            map[Anchor] = anchor;
            foreach (var m in _all)
            {
                var c = m.Clone(m.Root, makePrivate: false);
                c.Unbindable = m.Unbindable;
                map[m] = c;
            }
            foreach (var m in _all)
            {
                var c = map[m];
                c.Parent = map[m.Parent!];
                c.MountPoint = m.MountPoint;
                c.Ns = ns;
                ns._mounted[(c.Parent, c.MountPoint!.Inode)] = c;
                ns._all.Add(c);
                ns.Counted(c.Parent, 1);
            }
            // Stacked mounts: the key of an overmount is its parent's root inode, already remapped above.
            return ns;
        }
    }

    /// <summary>Follows mounts stacked on p down to the topmost (in p's own mount's namespace: Linux's lookup_mnt is
    /// keyed by the parent mount; a detached mount has none).</summary>
    public static VfsPath CrossDown(VfsPath p)
    {
        var ns = p.Mount.Ns;
        if (ns == null) return p;
        lock (ns._lock)
            while (ns._mounted.TryGetValue((p.Mount, p.Inode), out var m)) p = new VfsPath(m, m.Root);
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
    public static string PathOf(VfsPath p, VfsPath root) => PathOf(p, root, out _);

    /// <summary>The absolute path of p as seen from root; reachable says whether root was met on the way up (else
    /// the path is from the top of p's tree, which getcwd marks "(unreachable)").</summary>
    public static string PathOf(VfsPath p, VfsPath root, out bool reachable)
    {
        var parts = new List<string>();
        var cur = p;
        int guard = 0;
        reachable = false;
        while (guard++ < 4096)
        {
            if (cur.SameAs(root)) { reachable = true; break; }
            if (cur.Mount.IsRoot(cur.Dentry))
            {
                if (cur.Mount.Parent == null) break;
                cur = new VfsPath(cur.Mount.Parent, cur.Mount.MountPoint!);
                continue;
            }
            if (cur.Dentry.Parent == null) break;
            parts.Add(cur.Dentry.Name);
            cur = new VfsPath(cur.Mount, cur.Dentry.Parent);
        }
        if (parts.Count == 0) return "/";
        var sb = new StringBuilder();
        for (int i = parts.Count - 1; i >= 0; i--) sb.Append('/').Append(parts[i]);
        return sb.ToString();
    }

    /// <summary>Whether p is at or below root in the tree (Linux's is_path_reachable).</summary>
    public static bool IsUnder(VfsPath p, VfsPath root)
    {
        PathOf(p, root, out bool reachable);
        return reachable;
    }
}

/// <summary>Inode numbers of namespaces on nsfs: Linux's init namespaces have fixed ones (PROC_*_INIT_INO); the
/// others come from proc's inode allocator, whose first two go to the init network and mount namespaces.</summary>
public static class NsInodes
{
    public const uint IpcInit = 0xEFFFFFFF, UtsInit = 0xEFFFFFFE, UserInit = 0xEFFFFFFD, PidInit = 0xEFFFFFFC,
        CgroupInit = 0xEFFFFFFB, TimeInit = 0xEFFFFFFA;
    public const uint NetInit = 0xF0000000;
    static uint s_next = NetInit + 1;
    public static uint Next() => Interlocked.Increment(ref s_next) - 1;
}
