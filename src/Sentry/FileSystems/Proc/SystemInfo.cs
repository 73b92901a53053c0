using System.Globalization;
using System.Text;
using KernelT = AppKernel.Sentry.Kernel.Kernel;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>System-wide figures for /proc and sysinfo(2): the sandbox's view, not the host's details.</summary>
public static class SystemInfo
{
    public static int Cpus => Environment.ProcessorCount;
    /// <summary>Every CPU as an affinity mask (bit i: CPU i; the first 64).</summary>
    public static ulong AllCpus => Cpus >= 64 ? ulong.MaxValue : (1UL << Cpus) - 1;

    /// <summary>Total memory shown to the guest: the commit limit.</summary>
    public static ulong TotalMemory(KernelT k) => k.Options.CommitLimit;

    public static string CpuInfo()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < Cpus; i++)
        {
            sb.Append($"processor\t: {i}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 0\nmodel name\t: AppKernel virtual CPU\n");
            sb.Append("stepping\t: 0\ncpu MHz\t\t: 2000.000\ncache size\t: 0 KB\n");
            sb.Append($"physical id\t: 0\nsiblings\t: {Cpus}\ncore id\t\t: {i}\ncpu cores\t: {Cpus}\napicid\t\t: {i}\ninitial apicid\t: {i}\n");
            sb.Append("fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: 13\nwp\t\t: yes\n");
            sb.Append("flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx lm constant_tsc rep_good nopl pni ssse3 cx16 sse4_1 sse4_2 popcnt aes xsave avx\n");
            sb.Append("bogomips\t: 4000.00\nclflush size\t: 64\ncache_alignment\t: 64\naddress sizes\t: 46 bits physical, 48 bits virtual\npower management:\n\n");
        }
        return sb.ToString();
    }

    /// <summary>Sum over the tasks: (resident bytes, committed bytes, page-table bytes).</summary>
    static (ulong Rss, ulong Committed, ulong PageTables) Usage(KernelT k)
    {
        ulong rss = 0, committed = 0, pte = 0;
        foreach (var t in k.Tasks())
        {
            if (t.Exited) continue;
            var u = ProcPidFiles.Usage(t);
            rss += u.Rss;
            pte += u.PageTables;
            if (t.MM is { } mm) committed += mm.CommittedBytes();
        }
        return (rss, committed, pte);
    }

    public static string MemInfo(KernelT k)
    {
        ulong total = TotalMemory(k) / 1024;
        ulong free = total * 9 / 10; // as sysinfo(2) reports it
        var (rss, committed, pte) = Usage(k);
        var sb = new StringBuilder(1500);
        void L(string name, ulong kb) => sb.Append($"{name + ":",-16}{kb,8} kB\n");
        void N(string name, ulong n) => sb.Append($"{name + ":",-16}{n,8}\n");
        L("MemTotal", total); L("MemFree", free); L("MemAvailable", free);
        L("Buffers", 0); L("Cached", 0); L("SwapCached", 0);
        L("Active", rss / 1024); L("Inactive", 0); L("Active(anon)", rss / 1024); L("Inactive(anon)", 0);
        L("Active(file)", 0); L("Inactive(file)", 0); L("Unevictable", 0); L("Mlocked", 0);
        L("SwapTotal", 0); L("SwapFree", 0); L("Dirty", 0); L("Writeback", 0);
        L("AnonPages", rss / 1024); L("Mapped", 0); L("Shmem", 0); L("KReclaimable", 0);
        L("Slab", 0); L("SReclaimable", 0); L("SUnreclaim", 0); L("KernelStack", 0);
        L("PageTables", pte / 1024); L("NFS_Unstable", 0); L("Bounce", 0); L("WritebackTmp", 0);
        L("CommitLimit", total); L("Committed_AS", committed / 1024);
        L("VmallocTotal", 34359738367); L("VmallocUsed", 0); L("VmallocChunk", 0); L("Percpu", 0);
        L("HardwareCorrupted", 0); L("AnonHugePages", 0); L("ShmemHugePages", 0); L("ShmemPmdMapped", 0);
        L("FileHugePages", 0); L("FilePmdMapped", 0);
        N("HugePages_Total", 0); N("HugePages_Free", 0); N("HugePages_Rsvd", 0); N("HugePages_Surp", 0);
        L("Hugepagesize", 2048); L("Hugetlb", 0);
        L("DirectMap4k", 0); L("DirectMap2M", total); L("DirectMap1G", 0);
        return sb.ToString();
    }

    static int LastPid(KernelT k)
    {
        int last = 0;
        foreach (var t in k.Tasks()) last = Math.Max(last, t.Tid);
        return last;
    }

    /// <summary>/proc/stat: the guest's CPU time (its processes' user and system ticks, spread evenly over the
    /// CPUs), the rest of each CPU's time since boot idle.</summary>
    public static string Stat(KernelT k, long btime)
    {
        long uptime = (long)(k.Uptime.Elapsed.TotalSeconds * ProcPidFiles.ClockTicks);
        var (user, sys) = k.GuestCpuTicks();
        long idle = Math.Max(0, uptime * Cpus - user - sys);
        var sb = new StringBuilder();
        sb.Append($"cpu  {user} 0 {sys} {idle} 0 0 0 0 0 0\n");
        for (int i = 0; i < Cpus; i++) sb.Append($"cpu{i} {user / Cpus} 0 {sys / Cpus} {idle / Cpus} 0 0 0 0 0 0\n");
        var tasks = k.Tasks();
        sb.Append($"intr 0\nctxt 0\nbtime {btime}\nprocesses {LastPid(k)}\nprocs_running {tasks.Count(t => !t.Exited)}\nprocs_blocked 0\n");
        sb.Append("softirq 0 0 0 0 0 0 0 0 0 0 0\n");
        return sb.ToString();
    }

    public static string UptimeText(KernelT k)
    {
        double s = k.Uptime.Elapsed.TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture, $"{s:F2} {s * Cpus:F2}\n");
    }

    /// <summary>/proc/loadavg: no load is measured; runnable/total tasks and the last pid handed out.</summary>
    public static string LoadAvg(KernelT k)
    {
        var tasks = k.Tasks();
        return $"0.00 0.00 0.00 1/{tasks.Count} {LastPid(k)}\n";
    }
}
