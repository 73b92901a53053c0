namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>Controllers as bits in Linux's subsystem order (cpuset 0, cpu 1, io 2, memory 3, hugetlb 4, pids 5 …),
/// which is the order cgroup.controllers and cgroup.subtree_control list them in.</summary>
[Flags]
public enum Controllers
{
    None = 0,
    Cpu = 1 << 1,
    Memory = 1 << 3,
    Pids = 1 << 5,
}

public static class ControllerNames
{
    static readonly (Controllers Bit, string Name)[] s_all = [(Controllers.Cpu, "cpu"), (Controllers.Memory, "memory"), (Controllers.Pids, "pids")];

    /// <summary>The controllers that may sit in a threaded subtree (cgrp_dfl_threaded_ss_mask's among these).</summary>
    public const Controllers Threaded = Controllers.Cpu | Controllers.Pids;

    public static Controllers? Parse(string name)
    {
        foreach (var (bit, n) in s_all)
            if (n == name) return bit;
        return null;
    }

    public static IEnumerable<(Controllers Bit, string Name)> In(Controllers set) => s_all.Where(c => (set & c.Bit) != 0);

    /// <summary>cgroup_print_ss_mask: the names separated by spaces, then a newline (nothing for an empty set).</summary>
    public static string Text(Controllers set) => set == 0 ? "" : string.Join(' ', In(set).Select(c => c.Name)) + "\n";
}
