using System.Text.Json;
using System.Text.Json.Serialization;

namespace AppKernel.Runsc.Oci;

/// <summary>
/// The OCI runtime spec's config.json (opencontainers/runtime-spec, config.md and config-linux.md): the parts a
/// runtime reads. Sections not modelled field by field yet (seccomp, id mappings) are kept as raw JSON so a
/// bundle round-trips unchanged.
/// </summary>
public sealed class Spec
{
    /// <summary>The spec version AppKernel writes (runc 1.1 writes "1.0.2-dev").</summary>
    public const string Version = "1.0.2";

    [JsonPropertyName("ociVersion")] public string? OciVersion { get; set; }
    [JsonPropertyName("process")] public SpecProcess? Process { get; set; }
    [JsonPropertyName("root")] public SpecRoot? Root { get; set; }
    [JsonPropertyName("hostname")] public string? Hostname { get; set; }
    [JsonPropertyName("domainname")] public string? Domainname { get; set; }
    [JsonPropertyName("mounts")] public List<SpecMount>? Mounts { get; set; }
    [JsonPropertyName("hooks")] public SpecHooks? Hooks { get; set; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("linux")] public SpecLinux? Linux { get; set; }
}

public sealed class SpecProcess
{
    [JsonPropertyName("terminal")] public bool? Terminal { get; set; }
    [JsonPropertyName("consoleSize")] public JsonElement? ConsoleSize { get; set; }
    [JsonPropertyName("user")] public SpecUser? User { get; set; }
    [JsonPropertyName("args")] public List<string>? Args { get; set; }
    [JsonPropertyName("env")] public List<string>? Env { get; set; }
    [JsonPropertyName("cwd")] public string? Cwd { get; set; }
    [JsonPropertyName("capabilities")] public SpecCapabilities? Capabilities { get; set; }
    [JsonPropertyName("rlimits")] public List<SpecRlimit>? Rlimits { get; set; }
    [JsonPropertyName("noNewPrivileges")] public bool? NoNewPrivileges { get; set; }
    [JsonPropertyName("oomScoreAdj")] public int? OomScoreAdj { get; set; }
}

/// <summary>config.md's POSIX hooks: programs the runtime runs on the host at points of the lifecycle.</summary>
public sealed class SpecHooks
{
    [JsonPropertyName("prestart")] public List<SpecHook>? Prestart { get; set; }
    [JsonPropertyName("createRuntime")] public List<SpecHook>? CreateRuntime { get; set; }
    [JsonPropertyName("createContainer")] public List<SpecHook>? CreateContainer { get; set; }
    [JsonPropertyName("startContainer")] public List<SpecHook>? StartContainer { get; set; }
    [JsonPropertyName("poststart")] public List<SpecHook>? Poststart { get; set; }
    [JsonPropertyName("poststop")] public List<SpecHook>? Poststop { get; set; }
}

public sealed class SpecHook
{
    [JsonPropertyName("path")] public string? Path { get; set; }
    [JsonPropertyName("args")] public List<string>? Args { get; set; }
    [JsonPropertyName("env")] public List<string>? Env { get; set; }
    /// <summary>Seconds; absent: no limit.</summary>
    [JsonPropertyName("timeout")] public int? Timeout { get; set; }
}

public sealed class SpecUser
{
    [JsonPropertyName("uid")] public uint Uid { get; set; }
    [JsonPropertyName("gid")] public uint Gid { get; set; }
    [JsonPropertyName("umask")] public uint? Umask { get; set; }
    [JsonPropertyName("additionalGids")] public List<uint>? AdditionalGids { get; set; }
}

public sealed class SpecCapabilities
{
    [JsonPropertyName("bounding")] public List<string>? Bounding { get; set; }
    [JsonPropertyName("effective")] public List<string>? Effective { get; set; }
    [JsonPropertyName("inheritable")] public List<string>? Inheritable { get; set; }
    [JsonPropertyName("permitted")] public List<string>? Permitted { get; set; }
    [JsonPropertyName("ambient")] public List<string>? Ambient { get; set; }
}

public sealed class SpecRlimit
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("hard")] public ulong Hard { get; set; }
    [JsonPropertyName("soft")] public ulong Soft { get; set; }
}

public sealed class SpecRoot
{
    [JsonPropertyName("path")] public string? Path { get; set; }
    [JsonPropertyName("readonly")] public bool? Readonly { get; set; }
}

public sealed class SpecMount
{
    [JsonPropertyName("destination")] public string? Destination { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("source")] public string? Source { get; set; }
    [JsonPropertyName("options")] public List<string>? Options { get; set; }
}

public sealed class SpecLinux
{
    [JsonPropertyName("resources")] public SpecResources? Resources { get; set; }
    [JsonPropertyName("cgroupsPath")] public string? CgroupsPath { get; set; }
    [JsonPropertyName("namespaces")] public List<SpecNamespace>? Namespaces { get; set; }
    [JsonPropertyName("uidMappings")] public JsonElement? UidMappings { get; set; }
    [JsonPropertyName("gidMappings")] public JsonElement? GidMappings { get; set; }
    [JsonPropertyName("sysctl")] public Dictionary<string, string>? Sysctl { get; set; }
    [JsonPropertyName("seccomp")] public SpecSeccomp? Seccomp { get; set; }
    [JsonPropertyName("maskedPaths")] public List<string>? MaskedPaths { get; set; }
    [JsonPropertyName("readonlyPaths")] public List<string>? ReadonlyPaths { get; set; }
}

/// <summary>config-linux.md's seccomp: libseccomp's actions and comparisons by name.</summary>
public sealed class SpecSeccomp
{
    [JsonPropertyName("defaultAction")] public string? DefaultAction { get; set; }
    [JsonPropertyName("defaultErrnoRet")] public int? DefaultErrnoRet { get; set; }
    [JsonPropertyName("architectures")] public List<string>? Architectures { get; set; }
    [JsonPropertyName("flags")] public List<string>? Flags { get; set; }
    [JsonPropertyName("listenerPath")] public string? ListenerPath { get; set; }
    [JsonPropertyName("syscalls")] public List<SpecSyscall>? Syscalls { get; set; }
}

public sealed class SpecSyscall
{
    [JsonPropertyName("names")] public List<string>? Names { get; set; }
    [JsonPropertyName("action")] public string? Action { get; set; }
    [JsonPropertyName("errnoRet")] public int? ErrnoRet { get; set; }
    [JsonPropertyName("args")] public List<SpecSyscallArg>? Args { get; set; }
}

public sealed class SpecSyscallArg
{
    [JsonPropertyName("index")] public int Index { get; set; }
    [JsonPropertyName("value")] public ulong Value { get; set; }
    [JsonPropertyName("valueTwo")] public ulong ValueTwo { get; set; }
    [JsonPropertyName("op")] public string? Op { get; set; }
}

public sealed class SpecNamespace
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("path")] public string? Path { get; set; }
}

/// <summary>Source-generated (de)serialisation (NativeAOT has no reflection-based JSON). Unset fields are left out,
/// and the output is indented with tabs as runc writes config.json.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true,
    IndentCharacter = '\t', IndentSize = 1)]
[JsonSerializable(typeof(Spec))]
[JsonSerializable(typeof(SpecProcess))]
[JsonSerializable(typeof(SpecResources))]
public sealed partial class OciJson : JsonSerializerContext;
