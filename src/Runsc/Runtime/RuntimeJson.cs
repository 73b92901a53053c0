using System.Text.Json.Serialization;

namespace AppKernel.Runsc.Runtime;

/// <summary>What runsc keeps of one container in its state directory (state.json), written by `create`.</summary>
public sealed class ContainerRecord
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("bundle")] public string Bundle { get; set; } = "";
    [JsonPropertyName("rootfs")] public string Rootfs { get; set; } = "";
    [JsonPropertyName("created")] public DateTime Created { get; set; }
    /// <summary>The sandbox process (`runsc boot`); 0 while it is being made.</summary>
    [JsonPropertyName("pid")] public int Pid { get; set; }
    /// <summary>The pid's start time (/proc/PID/stat field 22), so a reused pid is never taken for ours.</summary>
    [JsonPropertyName("pidStartTime")] public ulong PidStartTime { get; set; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
}

/// <summary>The OCI state (runtime-spec runtime.md), as `runsc state` prints it.</summary>
public sealed class OciState
{
    [JsonPropertyName("ociVersion")] public string OciVersion { get; set; } = Oci.Spec.Version;
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("pid")] public int Pid { get; set; }
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("bundle")] public string Bundle { get; set; } = "";
    [JsonPropertyName("rootfs")] public string Rootfs { get; set; } = "";
    [JsonPropertyName("created")] public DateTime Created { get; set; }
    [JsonPropertyName("owner")] public string Owner { get; set; } = "";
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
}

/// <summary>One request on the sandbox's control socket (one JSON line each way).</summary>
public sealed class ControlRequest
{
    /// <summary>start, state, signal, wait.</summary>
    [JsonPropertyName("op")] public string Op { get; set; } = "";
    [JsonPropertyName("signal")] public int Signal { get; set; }
    /// <summary>signal: every process of the sandbox, not only the init.</summary>
    [JsonPropertyName("all")] public bool All { get; set; }
}

public sealed class ControlReply
{
    [JsonPropertyName("error")] public string? Error { get; set; }
    /// <summary>created, running, paused, stopped.</summary>
    [JsonPropertyName("status")] public string? Status { get; set; }
    [JsonPropertyName("exitStatus")] public int? ExitStatus { get; set; }
}

/// <summary>`runsc wait`'s output, as gVisor prints it.</summary>
public sealed class WaitResult
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("exitStatus")] public int ExitStatus { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(OciState))]
[JsonSerializable(typeof(List<OciState>))]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlReply))]
[JsonSerializable(typeof(WaitResult))]
public sealed partial class RuntimeJson : JsonSerializerContext;

/// <summary>runc prints `state` indented with two spaces.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OciState))]
public sealed partial class IndentedRuntimeJson : JsonSerializerContext;
