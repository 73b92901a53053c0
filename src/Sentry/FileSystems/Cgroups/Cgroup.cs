using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>
/// One cgroup of the cgroup2 hierarchy, which is also its directory: the interface files, the child cgroups, the live
/// tasks in it and its limits. Everything changing here is guarded by the hierarchy's lock (Linux's cgroup_mutex).
/// </summary>
public sealed class Cgroup : CgroupNode
{
    public CgroupHierarchy Hierarchy { get; }
    public Cgroup? Parent { get; }
    public string Name { get; }
    public int Level { get; }
    /// <summary>Removed by rmdir: its files read ENODEV, nothing is made in it, and no task can enter it.</summary>
    public bool Deleted { get; internal set; }

    internal readonly Dictionary<string, Cgroup> Children = new(StringComparer.Ordinal);
    /// <summary>The live (not yet exited) tasks whose cgroup this is, with their CPU time when they came.</summary>
    internal readonly Dictionary<Task, CpuSample> Tasks = new();
    /// <summary>CPU time used here by tasks that left or exited.</summary>
    internal CpuSample UsedByGone;
    /// <summary>Tasks charged to this cgroup by the pids controller: from fork until reaped (zombies count).</summary>
    internal int PidsCharged;
    // Each controller's settings: made anew whenever the controller is enabled for this cgroup (a new css).
    internal PidsState Pids = new();
    internal MemoryState Memory = new();
    internal CpuState Cpu = new();
    internal int MaxDescendants = int.MaxValue, MaxDepth = int.MaxValue, NrDescendants;
    /// <summary>The controllers this cgroup enables for its children (cgroup.subtree_control).</summary>
    internal Controllers SubtreeControl;
    /// <summary>The interface files, core ones first, then each enabled controller's.</summary>
    internal readonly Dictionary<string, CgroupFile> Files = new(StringComparer.Ordinal);

    internal Cgroup(CgroupHierarchy h, Cgroup? parent, string name, uint perm, uint uid, uint gid) : base(perm, uid, gid)
    {
        Hierarchy = h;
        Parent = parent;
        Name = name;
        Level = parent == null ? 0 : parent.Level + 1;
        foreach (var f in CoreFiles.For(this, uid, gid)) Files[f.Name] = f;
    }

    public bool IsRoot => Parent == null;
    public override bool IsDeleted => Deleted;
    public override bool CacheChildren => false; // rmdir and controller changes must not leave cached names
    protected override uint TypeBits => InodeMode.S_IFDIR;
    protected override ulong Nlink { get { lock (Hierarchy.Lock) return 2 + (ulong)Children.Count; } }

    /// <summary>The controllers this cgroup has (its parent's subtree_control; the root: the hierarchy's).</summary>
    public Controllers Available => Parent?.SubtreeControl ?? Hierarchy.Controllers;

    /// <summary>Whether this cgroup or one below it has a live task (cgroup.events' populated).</summary>
    public bool Populated
    {
        get
        {
            if (Tasks.Count > 0) return true;
            foreach (var c in Children.Values)
                if (c.Populated) return true;
            return false;
        }
    }

    /// <summary>Whether d is this cgroup or below it.</summary>
    public bool Contains(Cgroup d)
    {
        for (var c = d; c != null; c = c.Parent)
            if (c == this) return true;
        return false;
    }

    /// <summary>The tasks charged here and below (pids.current).</summary>
    public int PidsCurrent => PidsCharged + Children.Values.Sum(c => c.PidsCurrent);

    /// <summary>This cgroup and every descendant, parents first.</summary>
    public IEnumerable<Cgroup> Subtree()
    {
        yield return this;
        foreach (var c in Children.Values.ToList())
            foreach (var d in c.Subtree()) yield return d;
    }

    public override Errno Lookup(Task t, string name, out Inode? child)
    {
        child = null;
        lock (Hierarchy.Lock)
        {
            if (Deleted) return Errno.ENOENT;
            if (Files.TryGetValue(name, out var f)) child = f;
            else if (Children.TryGetValue(name, out var c)) child = c;
        }
        return child == null ? Errno.ENOENT : Errno.None;
    }

    public override Errno ReadDir(Task t, List<DirEntry> into)
    {
        lock (Hierarchy.Lock)
        {
            if (Deleted) return Errno.ENOENT;
            foreach (var f in Files.Values) into.Add(new DirEntry(f.Name, f.Ino, InodeMode.DirentType(f.Mode)));
            foreach (var c in Children.Values) into.Add(new DirEntry(c.Name, c.Ino, InodeMode.DirentType(c.Mode)));
        }
        return Errno.None;
    }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd) =>
        SynthDirFile.Open(flags, path, this, out fd);

    public override Errno Mkdir(Task t, string name, uint mode) => Hierarchy.Mkdir(t, this, name, mode);

    /// <summary>rmdir removes an empty cgroup; an interface file cannot be removed (kernfs has no unlink: EPERM).</summary>
    public override Errno Unlink(Task t, string name, bool dir) => dir ? Hierarchy.Rmdir(this, name) : Errno.EPERM;

    // kernfs has no create, so the VFS answers EACCES; nor symlink, link or (on cgroup2) rename: EPERM.
    public override Errno Create(Task t, string name, uint mode, out Inode? child)
    {
        child = null;
        return Errno.EACCES;
    }

    public override Errno Symlink(Task t, string name, string target) => Errno.EPERM;
    public override Errno Link(Task t, string name, Inode target) => Errno.EPERM;
    public override Errno Rename(Task t, string oldName, Inode newDir, string newName, uint flags) => Errno.EPERM;
}
