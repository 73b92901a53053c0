using AppKernel.Runsc.Oci;
using Microsoft.Extensions.Logging;

namespace AppKernel.Runsc.Runtime;

/// <summary>
/// linux.resources written to the sandbox's cgroup, in runc's v1 file names and its v1→v2 conversions
/// (cpu.shares → cpu.weight, memory+swap → memory.swap.max). Used by `create` and by `update`.
/// </summary>
public static class CgroupResources
{
    /// <summary>What the spec asks that no cgroup file here holds: refused by field before anything starts.</summary>
    public static void Check(SpecResources? r, bool v2)
    {
        if (r == null) return;
        if (r.HugepageLimits is { Count: > 0 }) throw Refuse("hugepageLimits", "hugetlb limits are not supported");
        if (r.Rdma is { Count: > 0 }) throw Refuse("rdma", "rdma limits are not supported");
        if (r.Network is { ValueKind: System.Text.Json.JsonValueKind.Object }) throw Refuse("network", "net_cls/net_prio are not supported (the sandbox has no host network)");
        if (r.Unified is { Count: > 0 } && !v2) throw Refuse("unified", "needs cgroup v2, and this host uses v1");
        if (r.Cpu is { RealtimeRuntime: > 0 } or { RealtimePeriod: > 0 }) throw Refuse("cpu.realtimeRuntime", "real-time CPU bandwidth is not supported");
        foreach (var (key, _) in r.Unified ?? [])
            if (key.Contains('/') || key.StartsWith("cgroup.")) throw Refuse($"unified.{key}", "not a controller file");
    }

    static RuntimeException Refuse(string field, string why) => new($"linux.resources.{field}: {why}");

    public static void Apply(Cgroup cg, SpecResources? r, ILogger log)
    {
        if (r == null) return;
        Check(r, cg.V2);
        if (cg.V2) ApplyV2(cg, r);
        else ApplyV1(cg, r, log);
    }

    static void ApplyV1(Cgroup cg, SpecResources r, ILogger log)
    {
        if (r.Memory is { } m && cg.Dir("memory") is { } mem)
        {
            // memsw may never be below the limit: when raising both, memsw goes first.
            bool hasSwap = m.Swap is { } sw && sw != 0 && File.Exists(Path.Combine(mem, "memory.memsw.limit_in_bytes"));
            if (m.Swap is { } s && s != 0 && !hasSwap) log.LogWarning("linux.resources.memory.swap: this host has no swap accounting; only the memory limit applies");
            if (m.Limit is { } limit)
            {
                try { Cgroup.Write(mem, "memory.limit_in_bytes", limit.ToString()); }
                catch (IOException) when (hasSwap)
                {
                    Cgroup.Write(mem, "memory.memsw.limit_in_bytes", m.Swap!.Value.ToString());
                    hasSwap = false;
                    Cgroup.Write(mem, "memory.limit_in_bytes", limit.ToString());
                }
            }
            if (hasSwap) Cgroup.Write(mem, "memory.memsw.limit_in_bytes", m.Swap!.Value.ToString());
            if (m.Reservation is { } res) Cgroup.Write(mem, "memory.soft_limit_in_bytes", res.ToString());
            if (m.Swappiness is { } sp and <= 100) Cgroup.Write(mem, "memory.swappiness", sp.ToString());
            if (m.DisableOomKiller == true) Cgroup.Write(mem, "memory.oom_control", "1");
        }
        if (r.Pids is { } p && cg.Dir("pids") is { } pids)
            Cgroup.Write(pids, "pids.max", p.Limit > 0 ? p.Limit.ToString() : "max");
        if (r.Cpu is { } c)
        {
            if (cg.Dir("cpu") is { } cpu)
            {
                if (c.Shares is { } sh and > 0) Cgroup.Write(cpu, "cpu.shares", sh.ToString());
                if (c.Period is { } per and > 0) Cgroup.Write(cpu, "cpu.cfs_period_us", per.ToString());
                if (c.Quota is { } q and not 0) Cgroup.Write(cpu, "cpu.cfs_quota_us", q.ToString());
            }
            if (cg.Dir("cpuset") is { } cs)
            {
                if (!string.IsNullOrEmpty(c.Cpus)) Cgroup.Write(cs, "cpuset.cpus", c.Cpus);
                if (!string.IsNullOrEmpty(c.Mems)) Cgroup.Write(cs, "cpuset.mems", c.Mems);
            }
        }
        if (r.BlockIO?.Weight is { } w and > 0 && cg.Dir("blkio") is { } blk)
        {
            if (File.Exists(Path.Combine(blk, "blkio.weight"))) Cgroup.Write(blk, "blkio.weight", w.ToString());
            else log.LogWarning("linux.resources.blockIO.weight: this host's block I/O scheduler has no weights; ignored");
        }
    }

    static void ApplyV2(Cgroup cg, SpecResources r)
    {
        var dir = cg.Dir("")!;
        if (r.Memory is { } m)
        {
            if (m.Limit is { } limit) Cgroup.Write(dir, "memory.max", limit > 0 ? limit.ToString() : "max");
            // OCI's swap is memory+swap; v2 limits swap alone.
            if (m.Swap is { } sw and not 0)
                Cgroup.Write(dir, "memory.swap.max", sw < 0 ? "max" : Math.Max(0, sw - (m.Limit ?? 0)).ToString());
            if (m.Reservation is { } res) Cgroup.Write(dir, "memory.low", res > 0 ? res.ToString() : "0");
        }
        if (r.Pids is { } p) Cgroup.Write(dir, "pids.max", p.Limit > 0 ? p.Limit.ToString() : "max");
        if (r.Cpu is { } c)
        {
            if (c.Shares is { } sh and > 0) Cgroup.Write(dir, "cpu.weight", SharesToWeight(sh).ToString());
            if (c.Quota is { } q and not 0 || c.Period is > 0)
            {
                ulong period = c.Period is > 0 ? c.Period.Value : 100000;
                string quota = c.Quota is { } qq and > 0 ? qq.ToString() : "max";
                Cgroup.Write(dir, "cpu.max", $"{quota} {period}");
            }
            if (!string.IsNullOrEmpty(c.Cpus)) Cgroup.Write(dir, "cpuset.cpus", c.Cpus);
            if (!string.IsNullOrEmpty(c.Mems)) Cgroup.Write(dir, "cpuset.mems", c.Mems);
        }
        if (r.BlockIO?.Weight is { } w and > 0) Cgroup.Write(dir, "io.bfq.weight", w.ToString());
        foreach (var (key, value) in r.Unified ?? []) Cgroup.Write(dir, key, value);
    }

    /// <summary>runc's conversion of v1 shares [2, 262144] to v2 weight [1, 10000].</summary>
    public static ulong SharesToWeight(ulong shares) => shares == 0 ? 0 : 1 + (Math.Clamp(shares, 2, 262144) - 2) * 9999 / 262142;
}
