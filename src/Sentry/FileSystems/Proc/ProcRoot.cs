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

    public ProcRoot(KernelT k) : base()
    {
        // Wall-clock boot time, fixed once so that btime never moves between reads.
        long boot = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - (long)k.Uptime.Elapsed.TotalSeconds;
        Dynamic = t => Pids(k);
        Add("self", new SynthSymlink(t => t.Tgid.ToString()));
        Add("thread-self", new SynthSymlink(t => $"{t.Tgid}/task/{t.Tid}"));
        Add("version", new SynthFile($"Linux version {KernelT.Release} (appkernel@appkernel) (gcc) {KernelT.Version}\n"));
        Add("cmdline", new SynthFile(KernelCmdline));
        Add("cpuinfo", new SynthFile(_ => SystemInfo.CpuInfo()));
        Add("meminfo", new SynthFile(_ => SystemInfo.MemInfo(k)));
        Add("stat", new SynthFile(_ => SystemInfo.Stat(k, boot)));
        Add("uptime", new SynthFile(_ => SystemInfo.UptimeText(k)));
        Add("loadavg", new SynthFile(_ => SystemInfo.LoadAvg(k)));
        Add("filesystems", new SynthFile("nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\n"));
        Add("mounts", new SynthSymlink("self/mounts"));
        Add("sys", new SynthDir()
            .Add("kernel", new SynthDir()
                .Add("hostname", new SynthFile(_ => k.Options.Hostname + "\n"))
                .Add("domainname", new SynthFile("(none)\n"))
                .Add("ostype", new SynthFile("Linux\n"))
                .Add("osrelease", new SynthFile(KernelT.Release + "\n"))
                .Add("version", new SynthFile(KernelT.Version + "\n"))
                .Add("pid_max", new SynthFile("4194304\n"))
                .Add("threads-max", new SynthFile("126918\n"))
                .Add("ngroups_max", new SynthFile("65536\n"))
                .Add("cap_last_cap", new SynthFile("40\n"))
                .Add("overflowuid", new SynthFile("65534\n"))
                .Add("overflowgid", new SynthFile("65534\n"))
                // Guests are laid out at fixed addresses (PIE at 0x555555554000, mmap below the stack).
                .Add("randomize_va_space", new SynthFile("0\n"))
                .Add("shmmax", new SynthFile("18446744073692774399\n"))
                .Add("shmall", new SynthFile("18446744073692774399\n"))
                .Add("shmmni", new SynthFile("4096\n"))
                .Add("random", new SynthDir()
                    .Add("boot_id", new SynthFile(Guid.NewGuid() + "\n"))
                    .Add("uuid", new SynthFile(_ => Guid.NewGuid() + "\n"))
                    .Add("entropy_avail", new SynthFile("256\n"))
                    .Add("poolsize", new SynthFile("256\n"))))
            .Add("vm", new SynthDir()
                .Add("overcommit_memory", new SynthFile("0\n"))
                .Add("overcommit_ratio", new SynthFile("50\n"))
                .Add("max_map_count", new SynthFile("65530\n"))
                .Add("mmap_min_addr", new SynthFile("65536\n")))
            .Add("fs", new SynthDir()
                .Add("file-max", new SynthFile("9223372036854775807\n"))
                .Add("nr_open", new SynthFile("1048576\n"))
                .Add("pipe-max-size", new SynthFile("1048576\n"))));
    }

    static IEnumerable<(string, Func<Inode>)> Pids(KernelT k)
    {
        foreach (var task in k.Tasks())
        {
            var tt = task;
            if (!tt.Exited) yield return (tt.Tgid.ToString(), () => ProcPidDir.For(tt));
        }
    }
}
