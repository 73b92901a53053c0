using System.Text.Json.Serialization;

namespace AppKernel.Runsc.Runtime;

/// <summary>One line of `runsc events`: runc's event JSON ({"type":"stats"|"oom","id":…,"data":…}).</summary>
public sealed class RuntimeEvent
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("data")] public StatsData? Data { get; set; }
}

/// <summary>runc's stats (types/events.go), from the sandbox's cgroup: every host process of the container is in it,
/// so its counters are the container's.</summary>
public sealed class StatsData
{
    [JsonPropertyName("cpu")] public CpuStats Cpu { get; set; } = new();
    [JsonPropertyName("memory")] public MemoryStats Memory { get; set; } = new();
    [JsonPropertyName("pids")] public PidsStats Pids { get; set; } = new();
    [JsonPropertyName("blkio")] public Dictionary<string, ulong> Blkio { get; set; } = [];
    [JsonPropertyName("hugetlb")] public Dictionary<string, ulong> Hugetlb { get; set; } = [];
}

public sealed class CpuStats
{
    [JsonPropertyName("usage")] public CpuUsage Usage { get; set; } = new();
    [JsonPropertyName("throttling")] public CpuThrottling Throttling { get; set; } = new();
}

public sealed class CpuUsage
{
    /// <summary>Nanoseconds.</summary>
    [JsonPropertyName("total")] public ulong Total { get; set; }
    [JsonPropertyName("percpu")] public List<ulong>? PerCpu { get; set; }
    [JsonPropertyName("kernel")] public ulong Kernel { get; set; }
    [JsonPropertyName("user")] public ulong User { get; set; }
}

public sealed class CpuThrottling
{
    [JsonPropertyName("periods")] public ulong Periods { get; set; }
    [JsonPropertyName("throttledPeriods")] public ulong ThrottledPeriods { get; set; }
    [JsonPropertyName("throttledTime")] public ulong ThrottledTime { get; set; }
}

public sealed class MemoryStats
{
    [JsonPropertyName("cache")] public ulong Cache { get; set; }
    [JsonPropertyName("usage")] public MemoryEntry Usage { get; set; } = new();
    [JsonPropertyName("swap")] public MemoryEntry Swap { get; set; } = new();
    [JsonPropertyName("raw")] public Dictionary<string, ulong> Raw { get; set; } = [];
}

public sealed class MemoryEntry
{
    [JsonPropertyName("limit")] public ulong Limit { get; set; }
    [JsonPropertyName("usage")] public ulong Usage { get; set; }
    [JsonPropertyName("max")] public ulong Max { get; set; }
    [JsonPropertyName("failcnt")] public ulong Failcnt { get; set; }
}

public sealed class PidsStats
{
    [JsonPropertyName("current")] public ulong Current { get; set; }
    /// <summary>0: no limit.</summary>
    [JsonPropertyName("limit")] public ulong Limit { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RuntimeEvent))]
public sealed partial class EventsJson : JsonSerializerContext;

/// <summary>Reads <see cref="StatsData"/> from a cgroup's v1 or v2 files; a file the host lacks reads as zero.</summary>
public static class CgroupStats
{
    const ulong UserHz = 100; // cpuacct.stat's unit (USER_HZ)

    public static StatsData Read(Cgroup cg) => cg.V2 ? ReadV2(cg.Dir("")!) : ReadV1(cg);

    static StatsData ReadV1(Cgroup cg)
    {
        var s = new StatsData();
        if (cg.Dir("cpuacct") is { } acct)
        {
            s.Cpu.Usage.Total = Number(acct, "cpuacct.usage");
            if (Cgroup.TryRead(acct, "cpuacct.usage_percpu", out var per))
                s.Cpu.Usage.PerCpu = [.. per.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(x => ulong.TryParse(x, out var v) ? v : 0)];
            var stat = Keyed(acct, "cpuacct.stat");
            s.Cpu.Usage.User = stat.GetValueOrDefault("user") * (1_000_000_000 / UserHz);
            s.Cpu.Usage.Kernel = stat.GetValueOrDefault("system") * (1_000_000_000 / UserHz);
        }
        if (cg.Dir("cpu") is { } cpu)
        {
            var t = Keyed(cpu, "cpu.stat");
            s.Cpu.Throttling = new CpuThrottling { Periods = t.GetValueOrDefault("nr_periods"), ThrottledPeriods = t.GetValueOrDefault("nr_throttled"), ThrottledTime = t.GetValueOrDefault("throttled_time") };
        }
        if (cg.Dir("memory") is { } mem)
        {
            s.Memory.Raw = Keyed(mem, "memory.stat");
            s.Memory.Cache = s.Memory.Raw.GetValueOrDefault("cache");
            s.Memory.Usage = Entry(mem, "memory.");
            s.Memory.Swap = Entry(mem, "memory.memsw.");
        }
        if (cg.Dir("pids") is { } pids) s.Pids = new PidsStats { Current = Number(pids, "pids.current"), Limit = Number(pids, "pids.max") };
        return s;
    }

    static MemoryEntry Entry(string dir, string prefix) => new()
    {
        Usage = Number(dir, prefix + "usage_in_bytes"),
        Max = Number(dir, prefix + "max_usage_in_bytes"),
        Limit = Number(dir, prefix + "limit_in_bytes"),
        Failcnt = Number(dir, prefix + "failcnt"),
    };

    static StatsData ReadV2(string dir)
    {
        var s = new StatsData();
        var cpu = Keyed(dir, "cpu.stat");
        s.Cpu.Usage.Total = cpu.GetValueOrDefault("usage_usec") * 1000;
        s.Cpu.Usage.User = cpu.GetValueOrDefault("user_usec") * 1000;
        s.Cpu.Usage.Kernel = cpu.GetValueOrDefault("system_usec") * 1000;
        s.Cpu.Throttling = new CpuThrottling { Periods = cpu.GetValueOrDefault("nr_periods"), ThrottledPeriods = cpu.GetValueOrDefault("nr_throttled"), ThrottledTime = cpu.GetValueOrDefault("throttled_usec") * 1000 };
        s.Memory.Raw = Keyed(dir, "memory.stat");
        s.Memory.Cache = s.Memory.Raw.GetValueOrDefault("file");
        s.Memory.Usage = new MemoryEntry
        {
            Usage = Number(dir, "memory.current"), Max = Number(dir, "memory.peak"), Limit = Number(dir, "memory.max"),
            Failcnt = Keyed(dir, "memory.events").GetValueOrDefault("max"),
        };
        s.Memory.Swap = new MemoryEntry { Usage = Number(dir, "memory.swap.current"), Limit = Number(dir, "memory.swap.max") };
        s.Pids = new PidsStats { Current = Number(dir, "pids.current"), Limit = Number(dir, "pids.max") };
        return s;
    }

    /// <summary>OOM kills so far (v1 memory.oom_control's oom_kill, v2 memory.events' oom_kill), for `events`.</summary>
    public static ulong OomKills(Cgroup cg) => cg.V2
        ? Keyed(cg.Dir("")!, "memory.events").GetValueOrDefault("oom_kill")
        : cg.Dir("memory") is { } mem ? Keyed(mem, "memory.oom_control").GetValueOrDefault("oom_kill") : 0;

    /// <summary>A one-number file; "max" (no limit) and a missing file read as 0.</summary>
    static ulong Number(string dir, string file) =>
        Cgroup.TryRead(dir, file, out var v) && ulong.TryParse(v, out var n) ? n : 0;

    /// <summary>A "key value" per line file (memory.stat, cpu.stat).</summary>
    static Dictionary<string, ulong> Keyed(string dir, string file)
    {
        var d = new Dictionary<string, ulong>();
        if (!Cgroup.TryRead(dir, file, out var text)) return d;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = line.Split(' ', 2);
            if (kv.Length == 2 && ulong.TryParse(kv[1], out var n)) d[kv[0]] = n;
        }
        return d;
    }
}
