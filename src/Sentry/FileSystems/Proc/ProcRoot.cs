using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using KernelT = AppKernel.Sentry.Kernel.Kernel;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>/proc: synthesized from the Sentry's own state; nothing here is the host's.</summary>
public sealed class ProcRoot : SynthDir
{
    /// <summary>The kernel command line we show: fixed, ours.</summary>
    public const string KernelCmdline = "BOOT_IMAGE=/boot/vmlinuz-" + KernelT.Release + " root=/dev/root ro quiet\n";

    /// <summary>/proc's root directory is inode 1, as Linux's PROC_ROOT_INO.</summary>
    const ulong ProcRootIno = 1;

    /// <summary>The PID namespace of the task that mounted it: its pids are the ones listed and shown.</summary>
    public PidNamespace PidNs { get; }

    public ProcRoot(KernelT k, PidNamespace pidNs) : base()
    {
        PidNs = pidNs;
        Ino = ProcRootIno;
        // Wall-clock boot time, fixed once so that btime never moves between reads.
        long boot = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - (long)k.Uptime.Elapsed.TotalSeconds;
        Dynamic = t => Pids(k, pidNs);
        // The reader's ids in this proc's namespace; none (ENOENT) for a reader it does not see.
        Add("self", new SynthSymlink(t => pidNs.IdOf(t.Tgid) is > 0 and var pid ? pid.ToString() : null));
        Add("thread-self", new SynthSymlink(t => pidNs.IdOf(t.Tid) is > 0 and var tid ? $"{pidNs.IdOf(t.Tgid)}/task/{tid}" : null));
        Add("version", new SynthFile($"Linux version {KernelT.Release} (appkernel@appkernel) (gcc) {KernelT.Version}\n"));
        Add("cmdline", new SynthFile(KernelCmdline));
        Add("cpuinfo", new SynthFile(_ => SystemInfo.CpuInfo()));
        Add("meminfo", new SynthFile(_ => SystemInfo.MemInfo(k)));
        Add("stat", new SynthFile(_ => SystemInfo.Stat(k, boot)));
        Add("uptime", new SynthFile(_ => SystemInfo.UptimeText(k)));
        Add("loadavg", new SynthFile(_ => SystemInfo.LoadAvg(k)));
        Add("devices", new SynthFile(DevicesText));
        Add("filesystems", new SynthFile(_ => Vfs.FilesystemTypes.ProcText()));
        Add("cgroups", new SynthFile(_ => Cgroups.CgroupPaths.ProcCgroups(k.Cgroups)));
        Add("mounts", new SynthSymlink("self/mounts"));
        Add("net", new SynthSymlink("self/net"));
        Add("sysvipc", new SynthDir()
            .Add("shm", new SynthFile(t => SysvIpcFiles.Shm(t.SysvIpc, t.PidNs)))
            .Add("sem", new SynthFile(t => SysvIpcFiles.Sem(t.SysvIpc)))
            .Add("msg", new SynthFile(t => SysvIpcFiles.Msg(t.SysvIpc, t.PidNs))));
        Add("sys", new SynthDir()
            .Add("kernel", new SynthDir()
                .Add("hostname", new SynthFile(t => t.Ns.Uts.Hostname + "\n") { WriteOpenError = Errno.EACCES, Watch = _ => k.HostnameChanged.Watch() })
                .Add("domainname", new SynthFile(t => t.Ns.Uts.Domainname + "\n") { WriteOpenError = Errno.EACCES, Watch = _ => k.DomainnameChanged.Watch() })
                .Add("ostype", Sysctl("Linux\n"))
                .Add("osrelease", Sysctl(KernelT.Release + "\n"))
                .Add("version", Sysctl(KernelT.Version + "\n"))
                .Add("pid_max", Sysctl("4194304\n"))
                .Add("threads-max", Sysctl("126918\n"))
                .Add("ngroups_max", Sysctl("65536\n"))
                .Add("cap_last_cap", Sysctl("40\n"))
                .Add("overflowuid", Sysctl("65534\n"))
                .Add("overflowgid", Sysctl("65534\n"))
                // Guests are laid out at fixed addresses (PIE at 0x555555554000, mmap below the stack).
                .Add("randomize_va_space", Sysctl("0\n"))
                .AddSysvIpcSysctls()
                .Add("keys", KeySysctls(k.Keys))
                .Add("random", new SynthDir()
                    .Add("boot_id", Sysctl(Guid.NewGuid() + "\n"))
                    .Add("uuid", Sysctl(_ => Guid.NewGuid() + "\n"))
                    .Add("entropy_avail", Sysctl("256\n"))
                    .Add("poolsize", Sysctl("256\n"))))
            .Add("vm", new SynthDir()
                .Add("overcommit_memory", Sysctl("0\n"))
                .Add("overcommit_ratio", Sysctl("50\n"))
                .Add("max_map_count", Sysctl("65530\n"))
                .Add("mmap_min_addr", Sysctl("65536\n")))
            .Add("fs", new SynthDir()
                .Add("aio-max-nr", Sysctl($"{AppKernel.Sentry.Kernel.Aio.AioTable.AioMaxNr}\n"))
                .Add("aio-nr", Sysctl(_ => $"{AppKernel.Sentry.Kernel.Aio.AioTable.AioNr}\n"))
                .Add("file-max", Sysctl("9223372036854775807\n"))
                .Add("nr_open", Sysctl("1048576\n"))
                .Add("pipe-max-size", Sysctl($"{FileSystems.Pipe.PipeBuffer.PipeMaxSize}\n"))
                .Add("protected_hardlinks", Sysctl(Vfs.Permissions.ProtectedHardlinks ? "1\n" : "0\n"))
                .Add("mqueue", FileSystems.Mqueue.MqueueSysctls.Dir())));
        ProcStyle();
    }

    /// <summary>/proc/devices: the majors of the devices the sandbox has (Linux's "%3d %s" lines).</summary>
    const string DevicesText = "Character devices:\n  1 mem\n  4 tty\n  5 /dev/tty\n  5 /dev/console\n  5 /dev/ptmx\n" +
        " 10 misc\n136 pts\n\nBlock devices:\n";

    /// <summary>A read-only sysctl: even root may not open it for writing (EACCES), as on Linux.</summary>
    static SynthFile Sysctl(string value) => new(value) { WriteOpenError = Errno.EACCES, Watch = _ => ChangeEvent.Never.Watch() };
    static SynthFile Sysctl(Func<Task, string> value) => new(value) { WriteOpenError = Errno.EACCES, Watch = _ => ChangeEvent.Never.Watch() };

    /// <summary>/proc/sys/kernel/keys: the key quotas, which root may change (proc_dointvec_minmax: 0 and up), and the
    /// garbage collector's and persistent keyrings' fixed timeouts.</summary>
    static SynthDir KeySysctls(Kernel.Keys.KeyService keys)
    {
        SynthFile Quota(Func<int> get, Action<int> set) => new(_ => get() + "\n")
        {
            Perm = 0x1a4,
            Watch = _ => ChangeEvent.Never.Watch(),
            Write = (_, bytes) =>
            {
                var text = System.Text.Encoding.ASCII.GetString(bytes).Trim();
                if (!int.TryParse(text, out int v) || v < 0) return -(long)Errno.EINVAL;
                lock (keys.Lock) set(v);
                return bytes.Length;
            },
        };
        return new SynthDir()
            .Add("maxkeys", Quota(() => keys.MaxKeys, v => keys.MaxKeys = v))
            .Add("maxbytes", Quota(() => keys.MaxBytes, v => keys.MaxBytes = v))
            .Add("root_maxkeys", Quota(() => keys.RootMaxKeys, v => keys.RootMaxKeys = v))
            .Add("root_maxbytes", Quota(() => keys.RootMaxBytes, v => keys.RootMaxBytes = v))
            .Add("gc_delay", Sysctl("300\n"))
            .Add("persistent_keyring_expiry", Sysctl("259200\n"));
    }

    /// <summary>A thread's id names a directory too, though only processes are listed (Linux's proc_pid_lookup).</summary>
    public override Errno Lookup(Task t, string name, out Inode? child)
    {
        var e = base.Lookup(t, name, out child);
        if (e == Errno.ENOENT && int.TryParse(name, out int id) && id > 0 && name == id.ToString() &&
            PidNs.Lookup(id) is { } thread)
        {
            child = ProcPidDir.For(thread, PidNs);
            return Errno.None;
        }
        return e;
    }

    /// <summary>A cached /proc/[pid] of a task that is gone is looked up again: after an exec from a thread, the pid
    /// names the thread that exec'd.</summary>
    public override bool Revalidate(string name, Inode cached) => cached is not ProcPidDir { Reaped: true };

    static IEnumerable<(string, Func<Inode>)> Pids(KernelT k, PidNamespace ns)
    {
        // One directory per process (its leader) that the namespace sees, zombies and ending tasks too until they are
        // reaped (the table holds them until then), in pid order as Linux lists them (ps prints in this order);
        // threads are under task/.
        var seen = new List<(int Pid, Task Task)>();
        foreach (var tt in k.Tasks())
            if (tt.Tid == tt.Tgid && ns.IdOf(tt.Tgid) is > 0 and var pid) seen.Add((pid, tt));
        seen.Sort((a, b) => a.Pid.CompareTo(b.Pid));
        foreach (var (pid, tt) in seen) yield return (pid.ToString(), () => ProcPidDir.For(tt, ns));
    }
}
