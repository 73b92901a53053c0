using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>
/// The kernel's one cgroup2 hierarchy (every cgroup2 mount shows it, from the mounter's cgroup namespace root):
/// mkdir/rmdir of cgroups, which cgroup each task is in (fork inherits it, exit leaves it), and cgroup.events'
/// populated changes. <see cref="Lock"/> guards the tree, the memberships and every cgroup's settings.
/// </summary>
public sealed class CgroupHierarchy
{
    public readonly object Lock = new();
    public Cgroup Root { get; }
    public CgroupNamespace InitNs { get; }
    /// <summary>The controllers the hierarchy offers (the root's cgroup.controllers).</summary>
    public Controllers Controllers { get; } = Controllers.None;
    /// <summary>The hierarchy's mount options (Linux 6.1's cgroup2 flags), in the order mountinfo shows them: a
    /// mount from the initial cgroup namespace sets them for every mount (apply_cgroup_root_flags).</summary>
    public static readonly string[] FlagNames = ["nsdelegate", "favordynmods", "memory_localevents", "memory_recursiveprot"];
    string[] _flags = [];

    public bool NsDelegate => _flags.Contains("nsdelegate");

    /// <summary>Every cgroup2 mount's super options (",nsdelegate" …).</summary>
    public string SuperOptions => string.Concat(_flags.Select(f => "," + f));

    /// <summary>Sets the flags to those of a mount's options the hierarchy knows, taking them out of options.</summary>
    public static string[] TakeFlags(Dictionary<string, string> options) => FlagNames.Where(options.Remove).ToArray();

    public void SetFlags(string[] flags) => _flags = flags;

    public CgroupHierarchy()
    {
        const uint DirPerm = 0x1ed; // 0755
        Root = new Cgroup(this, null, "", DirPerm, 0, 0);
        InitNs = new CgroupNamespace(Root, NsInodes.CgroupInit);
    }

    /// <summary>The cgroup t is in (or was in when it exited).</summary>
    public Cgroup Of(Task t) => t.Cgroup ?? Root;

    /// <summary>A new task joins into (CLONE_INTO_CGROUP's) or its parent's cgroup; the first task, the root.</summary>
    public void Attach(Task child, Task? parent, Cgroup? into = null)
    {
        var to = into ?? (parent != null ? Of(parent) : Root);
        Change(() =>
        {
            child.Cgroup = to;
            to.Tasks.Add(child);
        }, to);
    }

    /// <summary>An exiting task leaves its cgroup's live set (Linux's cgroup_exit, before its parent hears); its
    /// cgroup stays its own for /proc/PID/cgroup.</summary>
    public void Exit(Task t)
    {
        if (t.Cgroup is not { } c) return;
        Change(() => c.Tasks.Remove(t), c);
    }

    /// <summary>Moves the live tasks into to; the caller holds <see cref="Lock"/>. Returns the cgroups whose
    /// populated state changed, to notify once the lock is released.</summary>
    internal List<Cgroup> MoveLocked(IEnumerable<Task> tasks, Cgroup to)
    {
        var before = new Dictionary<Cgroup, bool>();
        void Remember(Cgroup c)
        {
            for (var a = c; a != null; a = a.Parent) before.TryAdd(a, a.Populated);
        }
        Remember(to);
        foreach (var task in tasks)
        {
            if (task.Exited || task.Cgroup is not { } from || from == to) continue;
            Remember(from);
            from.Tasks.Remove(task);
            task.Cgroup = to;
            to.Tasks.Add(task);
        }
        return before.Where(kv => kv.Key.Populated != kv.Value).Select(kv => kv.Key).ToList();
    }

    /// <summary>Runs change under the lock and tells cgroup.events' watchers of each populated change it made
    /// (only the cgroups from touched upwards can change).</summary>
    void Change(Action change, Cgroup touched)
    {
        List<Cgroup> changed = new();
        lock (Lock)
        {
            var before = new List<(Cgroup, bool)>();
            for (var a = touched; a != null; a = a.Parent) before.Add((a, a.Populated));
            change();
            foreach (var (c, was) in before)
                if (c.Populated != was) changed.Add(c);
        }
        NotifyEvents(changed);
    }

    internal static void NotifyEvents(List<Cgroup> changed)
    {
        foreach (var c in changed)
            if (c.Files.GetValueOrDefault("cgroup.events") is { } f) f.Notify();
    }

    /// <summary>cgroup_mkdir: a live parent, a name without a newline, within every ancestor's max.descendants
    /// and max.depth (EAGAIN); owned by the creator's fs ids, as its files.</summary>
    public Errno Mkdir(Task t, Cgroup parent, string name, uint mode)
    {
        if (name.Contains('\n')) return Errno.EINVAL;
        lock (Lock)
        {
            if (parent.Deleted) return Errno.ENOENT;
            if (parent.Files.ContainsKey(name) || parent.Children.ContainsKey(name)) return Errno.EEXIST;
            int level = 1;
            for (var a = parent; a != null; a = a.Parent, level++)
                if (a.NrDescendants >= a.MaxDescendants || level > a.MaxDepth) return Errno.EAGAIN;
            var c = new Cgroup(this, parent, name, mode & 0xfff, t.Creds.Fsuid, t.Creds.Fsgid);
            ControllerFiles.Add(c, parent.SubtreeControl);
            parent.Children.Add(name, c);
            for (var a = parent; a != null; a = a.Parent) a.NrDescendants++;
        }
        return Errno.None;
    }

    /// <summary>cgroup_rmdir: EBUSY while a live task is in it or below, or it has a child cgroup.</summary>
    public Errno Rmdir(Cgroup parent, string name)
    {
        lock (Lock)
        {
            if (!parent.Children.TryGetValue(name, out var c)) return Errno.ENOENT;
            if (c.Populated || c.Children.Count > 0) return Errno.EBUSY;
            c.Deleted = true;
            parent.Children.Remove(name);
            for (var a = parent; a != null; a = a.Parent) a.NrDescendants--;
        }
        return Errno.None;
    }

    /// <summary>c's path from root ("/a/b"), or with ".." steps when c is outside root's subtree (kernfs_path_from_node).</summary>
    public static string PathFrom(Cgroup root, Cgroup c)
    {
        var up = new List<Cgroup>();
        for (var a = root; a != null; a = a.Parent) up.Add(a);
        var down = new List<string>();
        var x = c;
        while (!up.Contains(x)) { down.Add(x.Name); x = x.Parent!; }
        var parts = Enumerable.Repeat("..", up.IndexOf(x)).Concat(Enumerable.Reverse(down));
        return "/" + string.Join('/', parts);
    }

    /// <summary>cgroup_file_write's nsdelegate rule: inside a cgroup namespace, only the delegatable files of its
    /// root cgroup may be written (the namespace is the opener's).</summary>
    internal Errno MayWrite(CgroupOpenFile f, CgroupFile file) =>
        NsDelegate && !file.Delegatable && f.Ns != InitNs && f.Ns.Root == file.Cgroup ? Errno.EPERM : Errno.None;
}
