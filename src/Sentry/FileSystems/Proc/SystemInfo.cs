using System.Text;
using KernelT = AppKernel.Sentry.Kernel.Kernel;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>System-wide figures for /proc and sysinfo(2): the sandbox's view, not the host's details.</summary>
public static class SystemInfo
{
    public static int Cpus => Environment.ProcessorCount;

    /// <summary>Total memory shown to the guest: the commit limit.</summary>
    public static ulong TotalMemory(KernelT k) => k.Options.CommitLimit;

    public static string CpuInfo()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < Cpus; i++)
        {
            sb.Append($"processor\t: {i}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 0\nmodel name\t: AppKernel virtual CPU\n");
            sb.Append($"physical id\t: 0\nsiblings\t: {Cpus}\ncore id\t\t: {i}\ncpu cores\t: {Cpus}\n");
            sb.Append("flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx lm constant_tsc rep_good nopl pni ssse3 cx16 sse4_1 sse4_2 popcnt aes xsave avx\n\n");
        }
        return sb.ToString();
    }

    public static string MemInfo(KernelT k)
    {
        ulong totalKb = TotalMemory(k) / 1024;
        ulong freeKb = totalKb * 9 / 10;
        return $"MemTotal:       {totalKb,8} kB\nMemFree:        {freeKb,8} kB\nMemAvailable:   {freeKb,8} kB\n" +
               "Buffers:               0 kB\nCached:                0 kB\nSwapCached:            0 kB\n" +
               "SwapTotal:             0 kB\nSwapFree:              0 kB\nShmem:                 0 kB\n";
    }

    public static string Stat(KernelT k)
    {
        var sb = new StringBuilder("cpu  0 0 0 0 0 0 0 0 0 0\n");
        for (int i = 0; i < Cpus; i++) sb.Append($"cpu{i} 0 0 0 0 0 0 0 0 0 0\n");
        long boot = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - (long)k.Uptime.Elapsed.TotalSeconds;
        sb.Append($"intr 0\nctxt 0\nbtime {boot}\nprocesses {k.Tasks().Count}\nprocs_running 1\nprocs_blocked 0\n");
        return sb.ToString();
    }

    public static string UptimeText(KernelT k)
    {
        double s = k.Uptime.Elapsed.TotalSeconds;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{s:F2} {s * Cpus:F2}\n");
    }
}
