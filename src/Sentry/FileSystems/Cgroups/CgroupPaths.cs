using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>Cgroup paths as a reader sees them: from the root of the reader's cgroup namespace.</summary>
public static class CgroupPaths
{
    /// <summary>/proc/PID/cgroup: the one cgroup2 line, "0::PATH", and " (deleted)" after a removed cgroup's.</summary>
    public static string ProcText(Task reader, Task p)
    {
        var h = p.Kernel.Cgroups;
        lock (h.Lock)
        {
            var cg = h.Of(p);
            return $"0::{CgroupHierarchy.PathFrom(reader.Ns.Cgroup.Root, cg)}{(cg.Deleted ? " (deleted)" : "")}\n";
        }
    }

    /// <summary>/proc/cgroups: each controller on the v2 hierarchy (hierarchy 0), with its cgroup count (the root and
    /// every cgroup that has it).</summary>
    public static string ProcCgroups(CgroupHierarchy h)
    {
        var sb = new System.Text.StringBuilder("#subsys_name\thierarchy\tnum_cgroups\tenabled\n");
        lock (h.Lock)
            foreach (var (bit, name) in ControllerNames.In(h.Controllers))
                sb.Append($"{name}\t0\t{h.Root.Subtree().Count(c => c.IsRoot || (c.Available & bit) != 0)}\t1\n");
        return sb.ToString();
    }

    /// <summary>mountinfo's root field of a cgroup2 mount (cgroup_show_path): its root cgroup's path from the
    /// reader's namespace root, "/.." steps included.</summary>
    public static string MountRoot(Task reader, Cgroup root)
    {
        lock (root.Hierarchy.Lock) return CgroupHierarchy.PathFrom(reader.Ns.Cgroup.Root, root);
    }
}
