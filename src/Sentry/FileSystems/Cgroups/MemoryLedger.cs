using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>
/// Where one process's resident memory is charged. Linux charges a page to the cgroup of the task that first
/// touched it and leaves it there when the task moves; the Sentry sees no page faults, so it charges the growth of
/// the process's resident set since it came to a cgroup: on a move, that growth stays with the cgroup it left
/// (<see cref="Kept"/>), and a removed cgroup's charges go to its parent, as Linux reparents them. The process's
/// exit frees its memory, and with it its ledger.
/// </summary>
sealed class MemoryLedger
{
    public readonly Dictionary<Cgroup, long> Kept = new();
    public long ResidentAtJoin;

    /// <summary>A stub process's resident set in bytes (statm's second field, in pages); 0 without a stub.</summary>
    public static long ResidentOf(Task leader)
    {
        if (leader.Stub is not { } stub) return 0;
        var f = AppKernel.Platform.Native.Host.ReadProcFile($"/proc/{stub.HostTgid}/statm").Split(' ');
        return f.Length > 1 && long.TryParse(f[1], out long pages) ? pages * MemoryFiles.PageSize : 0;
    }

    /// <summary>The process leaves from: its growth there stays charged there.</summary>
    public void Leave(Task leader, Cgroup from)
    {
        long now = ResidentOf(leader);
        Kept[from] = Kept.GetValueOrDefault(from) + Math.Max(0, now - ResidentAtJoin);
        ResidentAtJoin = now;
    }
}
