using AppKernel.Sentry.FileSystems.Proc;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Synthetic;

/// <summary>A minimal /sys: what libc and runtimes read to count CPUs.</summary>
public static class SysFs
{
    public static Inode Create()
    {
        string range = SystemInfo.Cpus > 1 ? $"0-{SystemInfo.Cpus - 1}\n" : "0\n";
        return new SynthDir()
            .Add("devices", new SynthDir()
                .Add("system", new SynthDir()
                    .Add("cpu", new SynthDir()
                        .Add("online", new SynthFile(range))
                        .Add("possible", new SynthFile(range))
                        .Add("present", new SynthFile(range)))))
            .Add("fs", new SynthDir().Add("cgroup", new SynthDir()))
            .Add("kernel", new SynthDir());
    }
}
