using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AppKernel.Runsc.Commands;

/// <summary>`runsc features`: what this runtime implements of the OCI spec, as runc prints it (runtime-spec's
/// features.md). Every list says what is honoured, not what is merely parsed.</summary>
public static class FeaturesCommand
{
    public static Command Create()
    {
        var cmd = new Command("features", "Print the OCI features this runtime supports (JSON).");
        cmd.SetAction(_ =>
        {
            var f = new Features
            {
                OciVersionMin = "1.0.0",
                OciVersionMax = Oci.Spec.Version,
                Hooks = ["prestart", "createRuntime", "poststart", "poststop"],
                MountOptions = ["bind", "rbind", "ro", "rw"],
                Linux = new LinuxFeatures
                {
                    // The sandbox has each of these of its own; a network namespace path is not joined yet.
                    Namespaces = ["ipc", "mount", "network", "pid", "uts"],
                    Cgroup = new CgroupFeatures { V1 = true, V2 = true, Systemd = false, SystemdUser = false },
                    Seccomp = new Enabled { On = false },
                    Apparmor = new Enabled { On = false },
                    Selinux = new Enabled { On = false },
                },
                Annotations = new() { ["org.appkernel.platform"] = AppKernel.Platform.Platforms.DefaultName },
            };
            Console.WriteLine(JsonSerializer.Serialize(f, FeaturesJson.Default.Features));
            return 0;
        });
        return cmd;
    }
}

public sealed class Features
{
    [JsonPropertyName("ociVersionMin")] public string OciVersionMin { get; set; } = "";
    [JsonPropertyName("ociVersionMax")] public string OciVersionMax { get; set; } = "";
    [JsonPropertyName("hooks")] public List<string> Hooks { get; set; } = [];
    [JsonPropertyName("mountOptions")] public List<string> MountOptions { get; set; } = [];
    [JsonPropertyName("linux")] public LinuxFeatures Linux { get; set; } = new();
    [JsonPropertyName("annotations")] public Dictionary<string, string> Annotations { get; set; } = [];
}

public sealed class LinuxFeatures
{
    [JsonPropertyName("namespaces")] public List<string> Namespaces { get; set; } = [];
    [JsonPropertyName("cgroup")] public CgroupFeatures Cgroup { get; set; } = new();
    [JsonPropertyName("seccomp")] public Enabled Seccomp { get; set; } = new();
    [JsonPropertyName("apparmor")] public Enabled Apparmor { get; set; } = new();
    [JsonPropertyName("selinux")] public Enabled Selinux { get; set; } = new();
}

public sealed class CgroupFeatures
{
    [JsonPropertyName("v1")] public bool V1 { get; set; }
    [JsonPropertyName("v2")] public bool V2 { get; set; }
    [JsonPropertyName("systemd")] public bool Systemd { get; set; }
    [JsonPropertyName("systemdUser")] public bool SystemdUser { get; set; }
}

public sealed class Enabled
{
    [JsonPropertyName("enabled")] public bool On { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(Features))]
public sealed partial class FeaturesJson : JsonSerializerContext;
