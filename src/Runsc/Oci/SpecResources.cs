using System.Text.Json.Serialization;

namespace AppKernel.Runsc.Oci;

/// <summary>config-linux.md's linux.resources: the host cgroup limits of the sandbox. The same shape is what
/// `runsc update --resources` reads (dockerd's `docker update` sends it on stdin).</summary>
public sealed class SpecResources
{
    [JsonPropertyName("memory")] public SpecMemory? Memory { get; set; }
    [JsonPropertyName("cpu")] public SpecCpu? Cpu { get; set; }
    [JsonPropertyName("pids")] public SpecPids? Pids { get; set; }
    [JsonPropertyName("blockIO")] public SpecBlockIO? BlockIO { get; set; }
    /// <summary>Device rules: the Sentry gives the guest no host device, so an allow-list is already met.</summary>
    [JsonPropertyName("devices")] public List<System.Text.Json.JsonElement>? Devices { get; set; }
    [JsonPropertyName("hugepageLimits")] public List<System.Text.Json.JsonElement>? HugepageLimits { get; set; }
    [JsonPropertyName("network")] public System.Text.Json.JsonElement? Network { get; set; }
    [JsonPropertyName("rdma")] public Dictionary<string, System.Text.Json.JsonElement>? Rdma { get; set; }
    /// <summary>cgroup v2 files written as given (runc: v2 only).</summary>
    [JsonPropertyName("unified")] public Dictionary<string, string>? Unified { get; set; }
}

public sealed class SpecMemory
{
    [JsonPropertyName("limit")] public long? Limit { get; set; }
    [JsonPropertyName("reservation")] public long? Reservation { get; set; }
    /// <summary>Memory plus swap (v1's memsw).</summary>
    [JsonPropertyName("swap")] public long? Swap { get; set; }
    [JsonPropertyName("kernel")] public long? Kernel { get; set; }
    [JsonPropertyName("kernelTCP")] public long? KernelTcp { get; set; }
    [JsonPropertyName("swappiness")] public ulong? Swappiness { get; set; }
    [JsonPropertyName("disableOOMKiller")] public bool? DisableOomKiller { get; set; }
}

public sealed class SpecCpu
{
    [JsonPropertyName("shares")] public ulong? Shares { get; set; }
    [JsonPropertyName("quota")] public long? Quota { get; set; }
    [JsonPropertyName("period")] public ulong? Period { get; set; }
    [JsonPropertyName("realtimeRuntime")] public long? RealtimeRuntime { get; set; }
    [JsonPropertyName("realtimePeriod")] public ulong? RealtimePeriod { get; set; }
    [JsonPropertyName("cpus")] public string? Cpus { get; set; }
    [JsonPropertyName("mems")] public string? Mems { get; set; }
}

public sealed class SpecPids
{
    /// <summary>0 or less: no limit.</summary>
    [JsonPropertyName("limit")] public long Limit { get; set; }
}

public sealed class SpecBlockIO
{
    [JsonPropertyName("weight")] public ushort? Weight { get; set; }
    [JsonPropertyName("leafWeight")] public ushort? LeafWeight { get; set; }
}
