using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>The memory controller's settings of one cgroup, in pages (Linux's page counters).</summary>
sealed class MemoryState
{
    /// <summary>PAGE_COUNTER_MAX: "max".</summary>
    public const long Unlimited = long.MaxValue / MemoryFiles.PageSize;
    public long Min, Low, High = Unlimited, Max = Unlimited;
}

/// <summary>
/// The memory controller's files: memory.current is the memory charged to the cgroup and below (see
/// <see cref="MemoryLedger"/>: resident sets of the stubs, as the host counts them); min, low, high and max are kept as written (Linux's
/// parsing: "max" or bytes with a K/M/G/T/P/E suffix, rounded down to pages) but not enforced, so memory.events
/// counts nothing.
/// </summary>
static class MemoryFiles
{
    public const long PageSize = 4096;

    public static IEnumerable<CgroupFile> For(Cgroup cg, uint uid, uint gid)
    {
        cg.Memory = new MemoryState();
        var m = cg.Memory;
        yield return ControllerFiles.File(cg, "memory.current", CgroupFile.ReadOnly, uid, gid, () => $"{Resident(cg)}\n");
        yield return ControllerFiles.File(cg, "memory.min", CgroupFile.ReadWrite, uid, gid, () => Show(m.Min), s => Parse(s, v => m.Min = v));
        yield return ControllerFiles.File(cg, "memory.low", CgroupFile.ReadWrite, uid, gid, () => Show(m.Low), s => Parse(s, v => m.Low = v));
        yield return ControllerFiles.File(cg, "memory.high", CgroupFile.ReadWrite, uid, gid, () => Show(m.High), s => Parse(s, v => m.High = v));
        yield return ControllerFiles.File(cg, "memory.max", CgroupFile.ReadWrite, uid, gid, () => Show(m.Max), s => Parse(s, v => m.Max = v));
        yield return ControllerFiles.File(cg, "memory.events", CgroupFile.ReadOnly, uid, gid,
            () => "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
    }

    static string Show(long pages) => pages >= MemoryState.Unlimited ? "max\n" : $"{pages * PageSize}\n";

    /// <summary>page_counter_memparse: "max", or memparse's number (base 0) with an optional size suffix, and
    /// nothing after it.</summary>
    static Errno Parse(string s, Action<long> set)
    {
        s = s.Trim();
        if (s == "max")
        {
            set(MemoryState.Unlimited);
            return Errno.None;
        }
        int i = 0;
        int radix = 10;
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) { radix = 16; i = 2; }
        else if (s.Length > 1 && s[0] == '0') radix = 8;
        ulong v = 0;
        int start = i;
        for (; i < s.Length && Uri.IsHexDigit(s[i]) && Convert.ToInt32(s[i].ToString(), 16) < radix; i++)
            v = unchecked(v * (ulong)radix + (ulong)Convert.ToInt32(s[i].ToString(), 16));
        if (i == start && radix != 8) return Errno.EINVAL;
        if (i < s.Length)
        {
            int shift = char.ToUpperInvariant(s[i]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, 'P' => 50, 'E' => 60, _ => -1 };
            if (shift < 0 || i + 1 != s.Length) return Errno.EINVAL;
            v <<= shift;
        }
        set((long)Math.Min(v / PageSize, (ulong)MemoryState.Unlimited));
        return Errno.None;
    }

    /// <summary>The memory charged to cg's subtree: what processes left behind there and the growth of those in it.</summary>
    static long Resident(Cgroup cg)
    {
        long bytes = 0;
        foreach (var (leader, ledger) in cg.Hierarchy.Ledgers)
        {
            foreach (var (c, kept) in ledger.Kept)
                if (cg.Contains(c)) bytes += kept;
            if (cg.Contains(cg.Hierarchy.Of(leader))) bytes += Math.Max(0, MemoryLedger.ResidentOf(leader) - ledger.ResidentAtJoin);
        }
        return bytes;
    }
}
