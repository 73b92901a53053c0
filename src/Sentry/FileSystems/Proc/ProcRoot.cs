using System.Text;
using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using KernelT = AppKernel.Sentry.Kernel.Kernel;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>/proc: synthesized from the Sentry's own state; nothing here is the host's.</summary>
public sealed class ProcRoot : SynthDir
{
    public ProcRoot(KernelT k) : base()
    {
        Dynamic = t => Pids(k);
        Add("self", new SynthSymlink(t => t.Tgid.ToString()));
        Add("thread-self", new SynthSymlink(t => $"{t.Tgid}/task/{t.Tid}"));
        Add("version", new SynthFile($"Linux version {KernelT.Release} (appkernel@appkernel) (gcc) {KernelT.Version}\n"));
        Add("cpuinfo", new SynthFile(_ => SystemInfo.CpuInfo()));
        Add("meminfo", new SynthFile(_ => SystemInfo.MemInfo(k)));
        Add("stat", new SynthFile(_ => SystemInfo.Stat(k)));
        Add("uptime", new SynthFile(_ => SystemInfo.UptimeText(k)));
        Add("loadavg", new SynthFile(t => $"0.00 0.00 0.00 1/{k.Tasks().Count} {t.Tid}\n"));
        Add("filesystems", new SynthFile("nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\n"));
        Add("mounts", new SynthSymlink("self/mounts"));
        Add("sys", new SynthDir()
            .Add("kernel", new SynthDir()
                .Add("hostname", new SynthFile(_ => k.Options.Hostname + "\n"))
                .Add("ostype", new SynthFile("Linux\n"))
                .Add("osrelease", new SynthFile(KernelT.Release + "\n"))
                .Add("pid_max", new SynthFile("4194304\n"))
                .Add("ngroups_max", new SynthFile("65536\n"))
                .Add("random", new SynthDir().Add("boot_id", new SynthFile(Guid.NewGuid() + "\n"))
                    .Add("uuid", new SynthFile(_ => Guid.NewGuid() + "\n"))))
            .Add("vm", new SynthDir()
                .Add("overcommit_memory", new SynthFile("0\n"))
                .Add("max_map_count", new SynthFile("65530\n")))
            .Add("fs", new SynthDir()
                .Add("nr_open", new SynthFile("1048576\n"))));
    }

    static IEnumerable<(string, Func<Inode>)> Pids(KernelT k)
    {
        foreach (var task in k.Tasks())
        {
            var tt = task;
            yield return (tt.Tgid.ToString(), () => new ProcPidDir(tt));
        }
    }
}
