namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>The cpu controller's settings of one cgroup (the host schedules the stubs; these are kept, not applied).</summary>
sealed class CpuState
{
    public const long Unlimited = -1;
    /// <summary>cpu.max in µs: the quota (Unlimited: "max") per period.</summary>
    public long QuotaUs = Unlimited, PeriodUs = 100_000;
    /// <summary>The group's share weight in the scheduler's units (1024 is cpu.weight 100).</summary>
    public long Shares = 1024;
}

/// <summary>
/// cpu.stat (every cgroup: the CPU time its tasks used while in it and below; time used before a task moved
/// stays where it was used) and the cpu controller's cpu.max and cpu.weight, parsed and range-checked as Linux's.
/// </summary>
static class CpuFiles
{
    const long MinPeriodUs = 1000, MaxPeriodUs = 1_000_000, WeightMin = 1, WeightMax = 10_000, WeightDefault = 100;
    const long MinShares = 2, MaxShares = 1 << 18;

    public static IEnumerable<CgroupFile> For(Cgroup cg, uint uid, uint gid)
    {
        cg.Cpu = new CpuState();
        var c = cg.Cpu;
        yield return ControllerFiles.File(cg, "cpu.max", CgroupFile.ReadWrite, uid, gid,
            () => $"{(c.QuotaUs == CpuState.Unlimited ? "max" : c.QuotaUs.ToString())} {c.PeriodUs}\n", s => WriteMax(c, s));
        yield return ControllerFiles.File(cg, "cpu.weight", CgroupFile.ReadWrite, uid, gid,
            () => $"{DivRoundClosest(c.Shares * WeightDefault, 1024)}\n", s => WriteWeight(c, s));
    }

    /// <summary>cpu.stat: usage, user and system time in µs; with the controller, the (never throttled) bandwidth counts.</summary>
    public static string Stat(Cgroup cg)
    {
        var used = default(CpuSample);
        foreach (var c in cg.Subtree())
        {
            used += c.UsedByGone;
            foreach (var (t, start) in c.Tasks) used += CpuSample.Of(t).Since(start);
        }
        long usage = used.UsageNs / 1000, system = used.SystemNs / 1000;
        var text = $"usage_usec {usage}\nuser_usec {usage - system}\nsystem_usec {system}\n";
        if (!cg.IsRoot && (cg.Available & Controllers.Cpu) != 0)
            text += "nr_periods 0\nnr_throttled 0\nthrottled_usec 0\nnr_bursts 0\nburst_usec 0\n";
        return text;
    }

    /// <summary>cpu_max_write: "QUOTA [PERIOD]", QUOTA a number of µs or "max"; a period keeps its value when not
    /// given; a period outside 1 ms..1 s or a quota under 1 ms is EINVAL.</summary>
    static Errno WriteMax(CpuState c, string s)
    {
        var parts = s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return Errno.EINVAL;
        long period = c.PeriodUs;
        if (parts.Length > 1 && !long.TryParse(parts[1], out period)) return Errno.EINVAL;
        long quota;
        if (parts[0] == "max") quota = CpuState.Unlimited;
        else if (!long.TryParse(parts[0], out quota) || quota < 0) return Errno.EINVAL;
        if (period < MinPeriodUs || period > MaxPeriodUs) return Errno.EINVAL;
        if (quota != CpuState.Unlimited && quota < MinPeriodUs) return Errno.EINVAL;
        (c.QuotaUs, c.PeriodUs) = (quota, period);
        return Errno.None;
    }

    /// <summary>cpu_weight_write: 1..10000 (ERANGE outside, EINVAL for no number), kept as shares the way the
    /// scheduler keeps it, so a read gives back the weight those shares stand for.</summary>
    static Errno WriteWeight(CpuState c, string s)
    {
        if (!ulong.TryParse(s.Trim(), out var w)) return Errno.EINVAL;
        if (w < WeightMin || w > WeightMax) return Errno.ERANGE;
        c.Shares = Math.Clamp(DivRoundClosest((long)w * 1024, WeightDefault), MinShares, MaxShares);
        return Errno.None;
    }

    static long DivRoundClosest(long a, long b) => (a + b / 2) / b;
}
