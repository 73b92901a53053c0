using AppKernel.Platform.Native;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// CPU time of guest code: it runs in the stub, so the host's accounting of the stub process (or thread) is the
/// guest's (/proc/PID/stat utime and stime). Children's times are added when they are reaped.
/// </summary>
public sealed partial class Task
{
    /// <summary>(user, system) in clock ticks of reaped children, and of this process when it has exited.</summary>
    public (long User, long Sys) ChildrenTicks, ExitTicks;

    /// <summary>The peak resident set in KiB of this process when it exited, and the largest of its reaped
    /// descendants' (getrusage's ru_maxrss).</summary>
    public long ExitMaxRssKb, ChildrenMaxRssKb;

    /// <summary>The process's peak resident set in KiB: its stub's (the host's VmHWM); once it exited, the one kept.</summary>
    public long MaxRssKb()
    {
        if (Stub == null || Zombie) return ExitMaxRssKb;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Stub.HostTgid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim());
        }
        catch (Exception e) when (e is IOException or FormatException) { }
        return ExitMaxRssKb;
    }

    const long NsPerTick = 10_000_000; // USER_HZ 100
    const int CPUCLOCK_SCHED = 2;

    /// <summary>This thread's CPU time in ns (its stub thread's: /proc's schedstat, or the user time alone from
    /// stat, in ticks); -1 once it is gone.</summary>
    public long ThreadCpuNs(bool userOnly)
    {
        if (Stub is not { } stub) return -1;
        if (userOnly)
        {
            var (user, _) = CpuTicks(true);
            return user * NsPerTick;
        }
        var s = Host.ReadProcFile($"/proc/{stub.HostTgid}/task/{stub.Pid}/schedstat");
        int end = s.IndexOf(' ');
        return end > 0 && long.TryParse(s.AsSpan(0, end), out long ns) ? ns : -1;
    }

    /// <summary>The process's CPU time in ns when it exited: the host's CPUCLOCK_SCHED of its stub process (the
    /// scheduler's exact runtime; the tick-sampled PROF clock misses much of a ptraced stub's short runs); -1 if
    /// it could not be read.</summary>
    public long ExitCpuNs = -1;

    /// <summary>The stub process's CPU clock (CPUCLOCK_SCHED) in ns; -1 without a stub.</summary>
    unsafe long ProcessCpuNs()
    {
        if (Stub is not { } stub) return -1;
        Timespec ts;
        if (AppKernel.Platform.Native.Host.clock_gettime((~stub.HostTgid << 3) | CPUCLOCK_SCHED, &ts) != 0) return -1;
        return ts.Sec * 1_000_000_000 + ts.Nsec;
    }

    /// <summary>An exited process's CPU time in ns (user alone, or user and system), from its exit.</summary>
    public long ExitedCpuNs(bool userOnly) =>
        !userOnly && ExitCpuNs >= 0 ? ExitCpuNs : (userOnly ? ExitTicks.User : ExitTicks.User + ExitTicks.Sys) * NsPerTick;

    /// <summary>(user, system) clock ticks of this process (every thread) or of this thread alone.</summary>
    public (long User, long Sys) CpuTicks(bool thread)
    {
        if (Stub == null || Zombie) return ExitTicks;
        string path = thread ? $"/proc/{Stub.HostTgid}/task/{Stub.Pid}/stat" : $"/proc/{Stub.HostTgid}/stat";
        var s = Host.ReadProcFile(path);
        int comm = s.LastIndexOf(')');
        if (comm < 0 || comm + 2 > s.Length) return ExitTicks; // gone
        var f = s[(comm + 2)..].Split(' ');
        // fields 14 and 15 of stat
        return f.Length > 12 && long.TryParse(f[11], out long user) && long.TryParse(f[12], out long sys) ? (user, sys) : ExitTicks;
    }
}
