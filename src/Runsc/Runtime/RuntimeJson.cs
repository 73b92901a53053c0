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
    /// <summary>The bundle's hooks as create saw them (start and delete run theirs even if config.json changed).</summary>
    [JsonPropertyName("hooks")] public Oci.SpecHooks? Hooks { get; set; }
    /// <summary>The host cgroup the sandbox was put in (linux.cgroupsPath); null: none.</summary>
    [JsonPropertyName("cgroupPath")] public string? CgroupPath { get; set; }
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

/// <summary>The requests the sandbox's control socket serves (<see cref="ControlRequest.Op"/>).</summary>
public static class ControlOps
{
    public const string Start = "start", State = "state", Signal = "signal", Exec = "exec", Ps = "ps", Pause = "pause",
        Resume = "resume", Wait = "wait";
}

/// <summary>One request on the sandbox's control socket (one JSON line each way).</summary>
public sealed class ControlRequest
{
    /// <summary>One of <see cref="ControlOps"/>.</summary>
    [JsonPropertyName("op")] public string Op { get; set; } = "";
    [JsonPropertyName("signal")] public int Signal { get; set; }
    /// <summary>signal: every process of the sandbox, not only the init.</summary>
    [JsonPropertyName("all")] public bool All { get; set; }
    /// <summary>signal: this process (an exec'd one) rather than the init.</summary>
    [JsonPropertyName("pid")] public int Pid { get; set; }
    /// <summary>exec: the process to start (its stdio comes with the request as fds).</summary>
    [JsonPropertyName("process")] public ExecProcess? Process { get; set; }
}

/// <summary>A process for `exec`, as the kernel's ProcessSpec.</summary>
public sealed class ExecProcess
{
    [JsonPropertyName("argv")] public List<string> Argv { get; set; } = [];
    [JsonPropertyName("env")] public List<string> Env { get; set; } = [];
    [JsonPropertyName("cwd")] public string Cwd { get; set; } = "/";
    [JsonPropertyName("uid")] public uint Uid { get; set; }
    [JsonPropertyName("gid")] public uint Gid { get; set; }
    [JsonPropertyName("groups")] public List<uint> Groups { get; set; } = [];
    [JsonPropertyName("umask")] public uint? Umask { get; set; }
    [JsonPropertyName("noNewPrivileges")] public bool NoNewPrivileges { get; set; }
    [JsonPropertyName("capabilities")] public Oci.SpecCapabilities? Capabilities { get; set; }
    /// <summary>exec --tty: the process's stdio terminal is bridged to a Sentry terminal of its own.</summary>
    [JsonPropertyName("terminal")] public bool Terminal { get; set; }

    public Sentry.Kernel.ProcessSpec ToProcessSpec() => new()
    {
        Argv = Argv, Env = Env, Cwd = Cwd, Uid = Uid, Gid = Gid, Groups = Groups, Umask = Umask, NoNewPrivileges = NoNewPrivileges,
        Capabilities = CapabilityNames.ToSets(Capabilities, "capabilities"), Console = Terminal,
    };
}

public sealed class ControlReply
{
    [JsonPropertyName("error")] public string? Error { get; set; }
    /// <summary>created, running, paused, stopped.</summary>
    [JsonPropertyName("status")] public string? Status { get; set; }
    [JsonPropertyName("exitStatus")] public int? ExitStatus { get; set; }
    /// <summary>exec: the new process's pid inside the sandbox.</summary>
    [JsonPropertyName("pid")] public int? Pid { get; set; }
    /// <summary>ps: the sandbox's processes.</summary>
    [JsonPropertyName("processes")] public List<ProcessInfo>? Processes { get; set; }
}

/// <summary>One process of the sandbox for `ps`: its pid inside, and the host process (stub) that holds it.</summary>
public sealed class ProcessInfo
{
    [JsonPropertyName("pid")] public int Pid { get; set; }
    [JsonPropertyName("ppid")] public int Ppid { get; set; }
    [JsonPropertyName("uid")] public uint Uid { get; set; }
    [JsonPropertyName("hostPid")] public int HostPid { get; set; }
    [JsonPropertyName("cmd")] public string Cmd { get; set; } = "";
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
[JsonSerializable(typeof(ExecProcess))]
[JsonSerializable(typeof(List<int>))]
public sealed partial class RuntimeJson : JsonSerializerContext;

/// <summary>runc prints `state` indented with two spaces.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OciState))]
public sealed partial class IndentedRuntimeJson : JsonSerializerContext;
