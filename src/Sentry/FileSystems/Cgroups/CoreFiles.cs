using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>The cgroup.* interface files every cgroup has (Linux's cgroup_base_files; type, events and kill not on
/// the root), in Linux 6.1's formats.</summary>
static class CoreFiles
{
    public static IEnumerable<CgroupFile> For(Cgroup cg, uint uid, uint gid)
    {
        var h = cg.Hierarchy;
        CgroupFile F(string name, uint perm, Func<Task, string>? show, CgroupStore? store = null, bool delegatable = false) =>
            new(cg, name, perm, uid, gid, show, store) { Delegatable = delegatable };
        string Locked(Func<string> show) { lock (h.Lock) return show(); }

        if (!cg.IsRoot) yield return F("cgroup.type", CgroupFile.ReadWrite, _ => "domain\n", WriteType);
        yield return F("cgroup.procs", CgroupFile.ReadWrite, t => Locked(() => Members(t, cg, processes: true)),
            (t, f, s) => CgroupMigration.WriteProcs(t, f, s, threadgroup: true), delegatable: true);
        yield return F("cgroup.threads", CgroupFile.ReadWrite, t => Locked(() => Members(t, cg, processes: false)),
            (t, f, s) => CgroupMigration.WriteProcs(t, f, s, threadgroup: false), delegatable: true);
        yield return F("cgroup.controllers", CgroupFile.ReadOnly, _ => Locked(() => ControllerNames.Text(cg.Available)));
        yield return F("cgroup.subtree_control", CgroupFile.ReadWrite, _ => Locked(() => ControllerNames.Text(cg.SubtreeControl)),
            SubtreeControl.Write, delegatable: true);
        if (!cg.IsRoot)
            yield return F("cgroup.events", CgroupFile.ReadOnly, _ => Locked(() => $"populated {(cg.Populated ? 1 : 0)}\nfrozen 0\n"));
        yield return F("cgroup.max.descendants", CgroupFile.ReadWrite, _ => Locked(() => Limit(cg.MaxDescendants)),
            (_, _, s) => WriteLimit(cg, s, v => cg.MaxDescendants = v));
        yield return F("cgroup.max.depth", CgroupFile.ReadWrite, _ => Locked(() => Limit(cg.MaxDepth)),
            (_, _, s) => WriteLimit(cg, s, v => cg.MaxDepth = v));
        yield return F("cgroup.stat", CgroupFile.ReadOnly, _ => Locked(() => $"nr_descendants {cg.NrDescendants}\nnr_dying_descendants 0\n"));
        yield return F("cpu.stat", CgroupFile.ReadOnly, _ => Locked(() => CpuFiles.Stat(cg)));
        if (!cg.IsRoot) yield return F("cgroup.kill", CgroupFile.WriteOnly, null, (_, _, s) => Kill(cg, s));
    }

    /// <summary>cgroup.procs lists the processes (thread-group ids), cgroup.threads the threads, as the reader's
    /// PID namespace numbers them (one it cannot see is left out).</summary>
    static string Members(Task reader, Cgroup cg, bool processes)
    {
        var ids = new SortedSet<int>();
        foreach (var t in cg.Tasks.Keys)
            if (reader.PidNs.IdOf(processes ? t.Tgid : t.Tid) is > 0 and var id) ids.Add(id);
        return string.Concat(ids.Select(i => $"{i}\n"));
    }

    /// <summary>Only "threaded" may be written (cgroup_type_write); threaded subtrees are not kept here.</summary>
    static Errno WriteType(Task t, CgroupOpenFile f, string s) => s.Trim() == "threaded" ? Errno.EOPNOTSUPP : Errno.EINVAL;

    static string Limit(int v) => v == int.MaxValue ? "max\n" : $"{v}\n";

    /// <summary>cgroup.max.descendants/depth: "max" or a count (a negative one is ERANGE, other text EINVAL).</summary>
    static Errno WriteLimit(Cgroup cg, string s, Action<int> set)
    {
        s = s.Trim();
        int v = int.MaxValue;
        if (s != "max" && !int.TryParse(s, out v)) return Errno.EINVAL;
        if (v < 0) return Errno.ERANGE;
        lock (cg.Hierarchy.Lock)
        {
            if (cg.Deleted) return Errno.ENODEV;
            set(v);
        }
        return Errno.None;
    }

    /// <summary>cgroup.kill: "1" SIGKILLs every process in the cgroup and below (any other number is ERANGE).</summary>
    static Errno Kill(Cgroup cg, string s)
    {
        if (!int.TryParse(s.Trim(), out var v)) return Errno.EINVAL;
        if (v != 1) return Errno.ERANGE;
        List<Task> victims;
        lock (cg.Hierarchy.Lock)
        {
            if (cg.Deleted) return Errno.ENODEV;
            victims = cg.Subtree().SelectMany(c => c.Tasks.Keys).ToList();
        }
        foreach (var t in victims) t.SendSignal(Task.SIGKILL, Task.UserInfo(Task.SIGKILL, Task.SI_KERNEL, 0, 0));
        return Errno.None;
    }
}
