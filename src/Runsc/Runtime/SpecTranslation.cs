using AppKernel.Runsc.Oci;
using AppKernel.Sentry.FileSystems.Tmpfs;
using AppKernel.Sentry.Kernel;

namespace AppKernel.Runsc.Runtime;

/// <summary>
/// An OCI bundle in the Sentry's terms: the sandbox (root, hostname, mounts) and the init process (args, env, cwd,
/// user, umask, rlimits, no_new_privs). What the spec asks and AppKernel cannot honour is refused here, by field,
/// before anything starts; what runc also ignores is ignored.
/// </summary>
public static class SpecTranslation
{
    /// <summary>Mount types the Sentry provides itself. proc, sysfs and /dev come with every kernel; mqueue is the kernel's
    /// one instance, mounted where the spec says; devpts and cgroup are accepted where runc's default spec puts them.</summary>
    static readonly HashSet<string> OwnTypes = ["proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2"];

    /// <summary>Sysctls accepted without effect: Docker and Podman set them on every container with a network
    /// namespace of its own, and they govern what the sandbox's network does not have yet (privileged ports, ping
    /// sockets; issue 10). Any other is refused by key.</summary>
    static readonly HashSet<string> SandboxSysctls = ["net.ipv4.ip_unprivileged_port_start", "net.ipv4.ping_group_range"];

    public static SandboxConfig Sandbox(Bundle b, bool strace, TextWriter? straceWriter, bool hostNetwork = false, string platform = "systrap")
    {
        var spec = b.Spec;
        foreach (var (key, value) in spec.Linux?.Sysctl ?? [])
            if (!SandboxSysctls.Contains(key))
                throw Field(b, $"linux.sysctl.{key}", $"{value}: setting sysctls inside the sandbox is not supported yet");
        return new SandboxConfig
        {
            RootFs = b.RootPath,
            Root = spec.Root!.Readonly == true ? RootMode.ReadOnly : RootMode.Writable,
            Hostname = spec.Hostname ?? Environment.MachineName,
            Strace = strace,
            StraceWriter = straceWriter,
            Binds = Binds(b),
            HostNetwork = hostNetwork,
            DevPts = DevPts(b),
            Platform = platform,
        };
    }

    /// <summary>The devpts mount at /dev/pts: its mode=, gid= and ptmxmode= (others, such as newinstance, are
    /// what the Sentry's devpts always is). No such mount: runc's defaults.</summary>
    static DevPtsOptions DevPts(Bundle b)
    {
        var mounts = b.Spec.Mounts ?? [];
        for (int i = 0; i < mounts.Count; i++)
        {
            var m = mounts[i];
            if (m.Type != "devpts" || m.Destination?.TrimEnd('/') != "/dev/pts") continue;
            // Linux's devpts defaults for what the options leave out: mode 0600, the opener's group, ptmx 0000.
            uint mode = 0x180, ptmxMode = 0;
            uint? gid = null;
            foreach (var opt in m.Options ?? [])
            {
                var kv = opt.Split('=', 2);
                if (kv.Length != 2 || kv[0] is not ("mode" or "ptmxmode" or "gid")) continue;
                switch (kv[0])
                {
                    case "gid" when uint.TryParse(kv[1], out var g): gid = g; break;
                    case "mode" when TryOctal(kv[1], out var md): mode = md; break;
                    case "ptmxmode" when TryOctal(kv[1], out var pm): ptmxMode = pm; break;
                    default: throw Field(b, $"mounts[{i}].options", $"{opt}: not a number");
                }
            }
            return new DevPtsOptions(mode, gid, ptmxMode);
        }
        return new DevPtsOptions();
    }

    /// <summary>A read-only root cannot get mount points from inside the sandbox: make the missing ones on the host
    /// first, as runc does (a no-op for those that exist).</summary>
    public static void MakeMountPoints(Bundle b)
    {
        if (b.Spec.Root!.Readonly != true) return;
        for (int i = 0; i < (b.Spec.Mounts?.Count ?? 0); i++)
        {
            var m = b.Spec.Mounts![i];
            if (m.Type is "proc" or "sysfs" or "devpts" or "mqueue" or "cgroup" or "cgroup2") continue;
            bool asFile = IsBind(m) && File.Exists(Path.GetFullPath(m.Source ?? "/", b.Dir));
            if (MountPoints.Make(b.RootPath, m.Destination!, asFile) is { } why) throw Field(b, $"mounts[{i}].destination", why);
        }
    }

    static bool IsBind(SpecMount m) => m.Type is "bind" || m.Options?.Contains("bind") == true || m.Options?.Contains("rbind") == true;

    /// <summary>The bundle's bind mounts, in order; a source that does not exist is an error naming the mount.</summary>
    static List<BindMount> Binds(Bundle b)
    {
        var list = new List<BindMount>();
        for (int i = 0; i < (b.Spec.Mounts?.Count ?? 0); i++)
        {
            var m = b.Spec.Mounts![i];
            if (!IsBind(m)) continue;
            if (string.IsNullOrEmpty(m.Source)) throw Field(b, $"mounts[{i}].source", "a bind mount needs a source");
            var source = Path.GetFullPath(m.Source, b.Dir);
            if (!File.Exists(source) && !Directory.Exists(source))
                throw Field(b, $"mounts[{i}].source", $"{source} does not exist");
            list.Add(new BindMount(source, m.Destination!, m.Options?.Contains("ro") != true));
        }
        return list;
    }

    /// <summary>Checks the mounts the kernel will make (so `create` fails before a sandbox exists); bind mounts are
    /// checked by <see cref="Sandbox"/>.</summary>
    public static void CheckMounts(Bundle b)
    {
        for (int i = 0; i < (b.Spec.Mounts?.Count ?? 0); i++)
        {
            var m = b.Spec.Mounts![i];
            if (IsBind(m) || m.Type == "tmpfs" || (m.Type != null && OwnTypes.Contains(m.Type))) continue;
            throw Field(b, $"mounts[{i}].type", $"{m.Type ?? "(none)"} on {m.Destination}: not a file system AppKernel provides");
        }
    }

    /// <summary>Makes the bundle's mounts in the kernel: tmpfs mounts get a file system of their own, mqueue mounts show
    /// the kernel's queues, cgroup mounts its cgroup2 hierarchy; the Sentry's other file systems are there already (proc, sysfs and /dev) or not yet provided.</summary>
    public static void Mount(Bundle b, Kernel k)
    {
        for (int i = 0; i < (b.Spec.Mounts?.Count ?? 0); i++)
        {
            var m = b.Spec.Mounts![i];
            if (m.Type == "mqueue")
            {
                var me = k.MountAt(m.Destination!, k.Mqueue.Root, "mqueue", m.Source ?? "mqueue", m.Options?.Contains("ro") == true);
                if (me != Errno.None) throw Field(b, $"mounts[{i}].destination", $"cannot mount mqueue on {m.Destination}: {me}");
                continue;
            }
            if (m.Type is "cgroup" or "cgroup2")
            {
                // The kernel's cgroup2 hierarchy (a v1 request gets it too), read-only when the spec says so, as Docker's.
                var ce = k.MountAt(m.Destination!, k.Cgroups.Root, "cgroup2", m.Source ?? "cgroup", m.Options?.Contains("ro") == true);
                if (ce != Errno.None) throw Field(b, $"mounts[{i}].destination", $"cannot mount cgroup2 on {m.Destination}: {ce}");
                continue;
            }
            if (m.Type != "tmpfs" || m.Destination is "/dev" or "/dev/shm") continue;
            uint mode = 0x3ff; // 1777, Linux's default for tmpfs
            long pages = TmpfsSpace.DefaultPages(k.Options.CommitLimit);
            foreach (var o in m.Options ?? [])
            {
                if (o.StartsWith("mode=") && !TryOctal(o[5..], out mode)) throw Field(b, $"mounts[{i}].options", $"{o}: not an octal mode");
                var kv = o.Split('=', 2);
                if (kv.Length == 2 && kv[0] is "size" or "nr_blocks")
                {
                    if (!TmpfsSpace.TryParseSize(kv[0], kv[1], k.Options.CommitLimit, out var bytes))
                        throw Field(b, $"mounts[{i}].options", $"{o}: not a size");
                    pages = TmpfsSpace.PagesOf(bytes);
                }
            }
            bool ro = m.Options?.Contains("ro") == true;
            var e = k.MountAt(m.Destination!, TmpfsFs.Create(mode & 0xfff, new TmpfsSpace(pages)), "tmpfs", m.Source ?? "tmpfs", ro);
            if (e != Errno.None) throw Field(b, $"mounts[{i}].destination", $"cannot mount tmpfs on {m.Destination}: {e}");
        }
    }

    /// <summary>linux.maskedPaths and readonlyPaths, as runc makes them: a masked directory is covered by an empty
    /// read-only tmpfs and a masked file by /dev/null; a read-only path is mounted again, read-only, over itself. A
    /// path the sandbox does not have is skipped (the Sentry's /proc and /sys lack most of Docker's list).</summary>
    public static void MaskPaths(Bundle b, Kernel k)
    {
        var linux = b.Spec.Linux;
        if (k.Lookup("/dev/null", out var devNull) != Errno.None) throw new RuntimeException("the sandbox has no /dev/null to mask paths with");
        for (int i = 0; i < (linux?.MaskedPaths?.Count ?? 0); i++)
        {
            var path = linux!.MaskedPaths![i];
            if (!path.StartsWith('/')) throw Field(b, $"linux.maskedPaths[{i}]", $"{path} is not an absolute path");
            if (k.Lookup(path, out var node) != Errno.None) continue;
            var e = node.IsDir ? k.MountAt(path, TmpfsFs.Create(0x1ed), "tmpfs", "tmpfs", readOnly: true)
                : k.MountAt(path, devNull, "devtmpfs", "/dev/null", readOnly: false);
            if (e != Errno.None) throw Field(b, $"linux.maskedPaths[{i}]", $"cannot mask {path}: {e}");
        }
        for (int i = 0; i < (linux?.ReadonlyPaths?.Count ?? 0); i++)
        {
            var path = linux!.ReadonlyPaths![i];
            if (!path.StartsWith('/')) throw Field(b, $"linux.readonlyPaths[{i}]", $"{path} is not an absolute path");
            if (k.Lookup(path, out var node) != Errno.None) continue;
            string type = path.StartsWith("/proc/") ? "proc" : path.StartsWith("/sys/") ? "sysfs" : "bind";
            var e = k.MountAt(path, node, type, path, readOnly: true);
            if (e != Errno.None) throw Field(b, $"linux.readonlyPaths[{i}]", $"cannot make {path} read-only: {e}");
        }
    }

    public static ProcessSpec Process(Bundle b)
    {
        var p = b.Spec.Process!;
        var limits = new List<(int, ulong, ulong)>();
        foreach (var r in p.Rlimits ?? []) limits.Add((Bundle.RlimitNumber(r.Type!), r.Soft, r.Hard));
        return new ProcessSpec
        {
            Argv = p.Args!,
            Env = p.Env ?? [],
            Cwd = p.Cwd,
            Uid = p.User?.Uid ?? 0,
            Gid = p.User?.Gid ?? 0,
            Groups = p.User?.AdditionalGids ?? [],
            Umask = p.User?.Umask,
            Limits = limits,
            NoNewPrivileges = p.NoNewPrivileges == true,
            Filter = SeccompProfile.From(b),
            Capabilities = Caps(b, p.Capabilities),
            Console = p.Terminal == true,
        };
    }

    static CapabilitySets? Caps(Bundle b, Oci.SpecCapabilities? caps)
    {
        try { return CapabilityNames.ToSets(caps, "process.capabilities"); }
        catch (RuntimeException e) { throw new BundleException($"{Path.Combine(b.Dir, "config.json")}: {e.Message}"); }
    }

    static bool TryOctal(string s, out uint v)
    {
        v = 0;
        if (s.Length == 0) return false;
        foreach (var c in s)
        {
            if (c is < '0' or > '7') return false;
            v = v * 8 + (uint)(c - '0');
        }
        return true;
    }

    static BundleException Field(Bundle b, string field, string why) => new($"{Path.Combine(b.Dir, "config.json")}: {field}: {why}");
}
