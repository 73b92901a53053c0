namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>The interface files a controller gives a (non-root) cgroup whose parent enables it.</summary>
static class ControllerFiles
{
    /// <summary>Adds the files of the controllers in set to cg, with fresh settings, owned by uid/gid (the mkdir's
    /// or the subtree_control writer's fs ids); the caller holds the hierarchy's lock.</summary>
    public static void Add(Cgroup cg, Controllers set, uint uid, uint gid)
    {
        foreach (var (bit, _) in ControllerNames.In(set))
        {
            var files = bit switch
            {
                Controllers.Pids => PidsFiles.For(cg, uid, gid),
                Controllers.Memory => MemoryFiles.For(cg, uid, gid),
                _ => CpuFiles.For(cg, uid, gid),
            };
            foreach (var f in files) cg.Files[f.Name] = f;
        }
    }

    /// <summary>Takes the files of the controllers in set out of cg; open ones read ENODEV from now on.</summary>
    public static List<CgroupFile> Remove(Cgroup cg, Controllers set)
    {
        var gone = new List<CgroupFile>();
        foreach (var (_, name) in ControllerNames.In(set))
            foreach (var f in cg.Files.Values.Where(f => f.Name.StartsWith(name + ".") && f.Name != "cpu.stat").ToList())
            {
                f.Dead = true;
                cg.Files.Remove(f.Name);
                gone.Add(f);
            }
        return gone;
    }

    /// <summary>A file of a controller's: reads and writes under the hierarchy's lock.</summary>
    public static CgroupFile File(Cgroup cg, string name, uint perm, uint uid, uint gid, Func<string> show, Func<string, Errno>? store = null)
    {
        var h = cg.Hierarchy;
        return new CgroupFile(cg, name, perm, uid, gid, _ => { lock (h.Lock) return show(); },
            store == null ? null : (_, _, s) => { lock (h.Lock) return store(s); });
    }
}
