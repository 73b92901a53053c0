using System.Text.Json;

namespace AppKernel.Runsc.Oci;

/// <summary>What `runsc spec` writes: runc's default config.json (a shell on a read-only rootfs/, with a terminal,
/// the usual /proc, /dev, /sys mounts, masked and read-only /proc paths), hostname "runsc".</summary>
public static class DefaultSpec
{
    public static Spec Create(IReadOnlyList<string>? args = null)
    {
        List<string> Caps() => ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
        return new Spec
        {
            OciVersion = Spec.Version,
            Process = new SpecProcess
            {
                Terminal = true,
                User = new SpecUser { Uid = 0, Gid = 0 },
                Args = args is { Count: > 0 } ? [.. args] : ["sh"],
                Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
                Cwd = "/",
                Capabilities = new SpecCapabilities { Bounding = Caps(), Effective = Caps(), Permitted = Caps(), Ambient = Caps() },
                Rlimits = [new SpecRlimit { Type = "RLIMIT_NOFILE", Hard = 1024, Soft = 1024 }],
                NoNewPrivileges = true,
            },
            Root = new SpecRoot { Path = "rootfs", Readonly = true },
            Hostname = "runsc",
            Mounts =
            [
                new SpecMount { Destination = "/proc", Type = "proc", Source = "proc" },
                new SpecMount { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
                new SpecMount { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
                new SpecMount { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
                new SpecMount { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
                new SpecMount { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
                new SpecMount { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", "relatime", "ro"] },
            ],
            Linux = new SpecLinux
            {
                // Deny every device: the Sentry's /dev is its own, so this only matters to a host cgroup.
                Resources = new SpecResources { Devices = [JsonDocument.Parse("""{"allow":false,"access":"rwm"}""").RootElement.Clone()] },
                Namespaces = [new() { Type = "pid" }, new() { Type = "network" }, new() { Type = "ipc" }, new() { Type = "uts" }, new() { Type = "mount" }],
                MaskedPaths = ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                    "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
                ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
            },
        };
    }
}
