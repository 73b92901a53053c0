using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>cgroup.subtree_control writes (cgroup_subtree_control_write): "+name" and "-name" tokens; a controller
/// must be available here to enable (ENOENT) and unused by the children to disable (EBUSY); enabling a domain
/// controller in a cgroup with tasks breaks the no-internal-process rule (EBUSY).</summary>
static class SubtreeControl
{
    public static Errno Write(Task t, CgroupOpenFile f, string text)
    {
        var cg = f.File.Cgroup;
        Controllers enable = 0, disable = 0;
        foreach (var tok in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (tok.Length < 2 || tok[0] is not ('+' or '-')) return Errno.EINVAL;
            if (ControllerNames.Parse(tok[1..]) is not { } c || (cg.Hierarchy.Controllers & c) == 0) return Errno.EINVAL;
            if (tok[0] == '+') { enable |= c; disable &= ~c; }
            else { disable |= c; enable &= ~c; }
        }
        List<CgroupFile> dead = new();
        lock (cg.Hierarchy.Lock)
        {
            if (cg.Deleted) return Errno.ENODEV;
            enable &= ~cg.SubtreeControl;
            disable &= cg.SubtreeControl;
            if ((enable & ~cg.Available) != 0) return Errno.ENOENT;
            foreach (var child in cg.Children.Values)
                if ((child.SubtreeControl & disable) != 0) return Errno.EBUSY;
            if (enable == 0 && disable == 0) return Errno.None;
            if (enable != 0 && !cg.IsRoot && (enable & ~ControllerNames.Threaded) != 0 && cg.Tasks.Count > 0) return Errno.EBUSY;
            cg.SubtreeControl = (cg.SubtreeControl | enable) & ~disable;
            foreach (var child in cg.Children.Values)
            {
                ControllerFiles.Add(child, enable, t.Creds.Fsuid, t.Creds.Fsgid);
                dead.AddRange(ControllerFiles.Remove(child, disable));
            }
        }
        foreach (var d in dead) d.Notify();
        return Errno.None;
    }
}
