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
    public Controllers Controllers { get; } = Controllers.Cpu | Controllers.Memory | Controllers.Pids;
    /// <summary>The hierarchy's mount options (Linux 6.1's cgroup2 flags), in the order mountinfo shows them: a
    /// mount from the initial cgroup namespace sets them for every mount (apply_cgroup_root_flags).</summary>
    public static readonly string[] FlagNames = ["nsdelegate", "favordynmods", "memory_localevents", "memory_recursiveprot"];
    string[] _flags = [];

    public bool NsDelegate => _flags.Contains("nsdelegate");

    /// <summary>Every cgroup2 mount's super options (",nsdelegate" …).</summary>
    public string SuperOptions => string.Concat(_flags.Select(f => "," + f));

    /// <summary>Sets the flags to those of a mount's options the hierarchy knows, taking them out of options.</summary>
    public static string[] TakeFlags(Dictionary<string, string?> options) => FlagNames.Where(options.Remove).ToArray();

    public void SetFlags(string[] flags) => _flags = flags;

    /// <summary>Each live process's memory charges, by its leader.</summary>
    internal readonly Dictionary<Task, MemoryLedger> Ledgers = new();

    public CgroupHierarchy()
    {
        const uint DirPerm = 0x1ed; // 0755
        Root = new Cgroup(this, null, "", DirPerm, 0, 0);
        InitNs = new CgroupNamespace(Root, NsInodes.CgroupInit);
    }

    /// <summary>The cgroup t is in (or was in when it exited).</summary>
    public Cgroup Of(Task t) => t.Cgroup ?? Root;

    /// <summary>A new task joins into (CLONE_INTO_CGROUP's) or its parent's cgroup (the first task: the root),
    /// if the pids controller lets it (EAGAIN: pids_can_fork).</summary>
    public Errno Attach(Task child, Task? parent, Cgroup? into = null)
    {
        var to = into ?? (parent != null ? Of(parent) : Root);
        var e = Errno.None;
        List<CgroupFile> events = new();
        Change(() =>
        {
            e = PidsFiles.Charge(to, events);
            if (e != Errno.None) return;
            child.Cgroup = to;
            to.Tasks.Add(child, CpuSample.Of(child));
            if (child.Tid == child.Tgid) Ledgers[child] = new MemoryLedger();
        }, to);
        foreach (var f in events) f.Notify();
        return e;
    }

    /// <summary>An exiting task leaves its cgroup's live set (Linux's cgroup_exit, before its parent hears), and
    /// its CPU time stays there; its cgroup stays its own for /proc/PID/cgroup, and its pids charge until
    /// <see cref="Release"/>.</summary>
    public void Exit(Task t)
    {
        if (t.Cgroup is not { } c) return;
        var now = CpuSample.Of(t);
        Change(() =>
        {
            if (c.Tasks.Remove(t, out var start)) c.UsedByGone += now.Since(start);
            Ledgers.Remove(t);
        }, c);
    }

    /// <summary>A reaped task gives back its pids charge (pids_release).</summary>
    public void Release(Task t)
    {
        if (t.Cgroup is not { } c) return;
        lock (Lock) c.PidsCharged--;
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
            if (task.Exited || task.Cgroup is not { } from || from == to || !from.Tasks.Remove(task, out var start)) continue;
            Remember(from);
            // CPU time used so far stays where it was used; the pids charge moves, past any limit (pids_can_attach).
            var now = CpuSample.Of(task);
            from.UsedByGone += now.Since(start);
            if (Ledgers.TryGetValue(task, out var ledger)) ledger.Leave(task, from);
            from.PidsCharged--;
            task.Cgroup = to;
            to.Tasks.Add(task, now);
            to.PidsCharged++;
        }
        PidsFiles.UpdatePeaks(to);
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
            ControllerFiles.Add(c, parent.SubtreeControl, t.Creds.Fsuid, t.Creds.Fsgid);
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
            // What was used and charged here counts in the parent from now on (Linux's rstat flush and reparenting).
            parent.UsedByGone += c.UsedByGone;
            foreach (var ledger in Ledgers.Values)
                if (ledger.Kept.Remove(c, out var kept)) ledger.Kept[parent] = ledger.Kept.GetValueOrDefault(parent) + kept;
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
