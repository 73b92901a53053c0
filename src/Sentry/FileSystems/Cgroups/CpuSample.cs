using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>CPU time in ns, all of it and the system part: what cpu.stat adds up per cgroup.</summary>
public readonly record struct CpuSample(long UsageNs, long SystemNs)
{
    const long NsPerTick = 10_000_000; // USER_HZ 100

    /// <summary>A thread's CPU time so far, from its stub thread's host accounting (0 before it has one).</summary>
    public static CpuSample Of(Task t)
    {
        if (t.Stub == null) return default;
        long usage = Math.Max(0, t.ThreadCpuNs(userOnly: false));
        return new CpuSample(usage, Math.Min(usage, t.CpuTicks(thread: true).Sys * NsPerTick));
    }

    public static CpuSample operator +(CpuSample a, CpuSample b) => new(a.UsageNs + b.UsageNs, a.SystemNs + b.SystemNs);

    /// <summary>What was used since start (never negative: a sample taken without a stub reads 0).</summary>
    public CpuSample Since(CpuSample start) => new(Math.Max(0, UsageNs - start.UsageNs), Math.Max(0, SystemNs - start.SystemNs));
}
