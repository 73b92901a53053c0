using AppKernel.Platform.Native;
using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>Clocks and sleeping. Clocks come from the host's clocks (as the vDSO's do, which the guest reads without a
/// trap). The sandbox cannot set or steer them: setting answers EPERM after Linux's own checks, as to a container
/// without CAP_SYS_TIME, and adjtimex only reads (an unsynchronized clock).</summary>
static unsafe class TimeSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.clock_gettime] = (k, clk, tp, _, _, _, _) => ClockGettime(k, (int)clk, tp);
        t[Nr.clock_getres] = (k, clk, tp, _, _, _, _) => ClockGetres(k, (int)clk, tp);
        t[Nr.gettimeofday] = (k, tv, tz, _, _, _, _) => Gettimeofday(k, tv, tz);
        t[Nr.time] = (k, tloc, _, _, _, _, _) => Time(k, tloc);
        t[Nr.nanosleep] = (k, req, rem, _, _, _, _) => Sleep(k, 1, 0, req, rem);
        t[Nr.clock_nanosleep] = (k, clk, flags, req, rem, _, _) => Sleep(k, (int)clk, (int)flags, req, rem);
        t[Nr.clock_settime] = (k, clk, tp, _, _, _, _) => ClockSettime(k, (int)clk, tp);
        t[Nr.settimeofday] = (k, tv, tz, _, _, _, _) => Settimeofday(k, tv, tz);
        t[Nr.adjtimex] = (k, tx, _, _, _, _, _) => Adjtimex(k, tx);
        t[Nr.clock_adjtime] = (k, clk, tx, _, _, _, _) => (int)clk switch
        {
            0 => Adjtimex(k, tx),
            _ when !Resolve(k, (int)clk, out _, out _, out _) => Err(Errno.EINVAL),
            _ => Err(Errno.EOPNOTSUPP), // only CLOCK_REALTIME can be adjusted
        };
    }

    // timespec64_valid_settod: a time settimeofday and clock_settime accept (below Linux's TIME_SETTOD_SEC_MAX).
    const long TimeSettodSecMax = long.MaxValue / 1_000_000_000 - 31_536_000 * 30;

    static long ClockSettime(Task t, int clk, ulong tp)
    {
        // Only CLOCK_REALTIME can be set (the CPU clocks' set operation answers EINVAL too, as the host shows).
        if (clk != 0) return Err(Errno.EINVAL);
        if (!t.Mem.Read(tp, out Timespec ts)) return Err(Errno.EFAULT);
        if (ts.Sec < 0 || ts.Sec >= TimeSettodSecMax || ts.Nsec is < 0 or >= 1_000_000_000) return Err(Errno.EINVAL);
        return Err(Errno.EPERM);
    }

    static long Settimeofday(Task t, ulong tv, ulong tz)
    {
        if (tv != 0)
        {
            if (!t.Mem.Read(tv, out Timeval v)) return Err(Errno.EFAULT);
            if (v.Usec is < 0 or >= 1_000_000 || v.Sec < 0 || v.Sec >= TimeSettodSecMax) return Err(Errno.EINVAL);
        }
        if (tz != 0 && !t.Mem.Read(tz, out long _)) return Err(Errno.EFAULT);
        return Err(Errno.EPERM);
    }

    const int ADJ_OFFSET_SINGLESHOT = 0x0001, ADJ_OFFSET_READONLY = 0x2000, ADJ_ADJTIME = 0x8000;
    const int STA_UNSYNC = 0x0040, TIME_ERROR = 5;
    const int TimexSize = 208;

    /// <summary>adjtimex: reading is allowed (modes 0, or ADJ_OFFSET_SS_READ); any change needs CAP_SYS_TIME, which
    /// a sandbox never has over the host's clock. The state read is that of a clock no one synchronizes.</summary>
    static long Adjtimex(Task t, ulong tx)
    {
        Span<byte> b = stackalloc byte[TimexSize];
        if (!t.Mem.Read(tx, b)) return Err(Errno.EFAULT);
        int modes = BitConverter.ToInt32(b);
        if ((modes & ADJ_ADJTIME) != 0)
        {
            if ((modes & ADJ_OFFSET_SINGLESHOT) == 0) return Err(Errno.EINVAL);
            if ((modes & ADJ_OFFSET_READONLY) == 0) return Err(Errno.EPERM);
        }
        else if (modes != 0) return Err(Errno.EPERM);
        var now = Now(0);
        Put(b, 8, 0);                   // offset
        Put(b, 16, 0);                  // freq
        Put(b, 24, 16_000_000);         // maxerror (us): NTP_PHASE_LIMIT, unsynchronized
        Put(b, 32, 16_000_000);         // esterror
        BitConverter.TryWriteBytes(b[40..], STA_UNSYNC);
        Put(b, 48, 2);                  // constant
        Put(b, 56, 1);                  // precision (us)
        Put(b, 64, 32_768_000);         // tolerance (ppm << 16)
        Put(b, 72, now.Sec);            // time
        Put(b, 80, now.Nsec / 1000);
        Put(b, 88, 10_000);             // tick (us): USER_HZ 100
        return t.Mem.Write(tx, b) ? TIME_ERROR : Err(Errno.EFAULT);
    }

    static void Put(Span<byte> b, int off, long v) => BitConverter.TryWriteBytes(b[off..], v);

    const int CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3;
    // A CPU clock of another thread or process, as Linux encodes it (clock_getcpuclockid, pthread_getcpuclockid):
    // ~pid << 3 | PERTHREAD | WHICH (PROF, VIRT or SCHED).
    const int CPUCLOCK_VIRT = 1, CPUCLOCK_SCHED = 2, CPUCLOCK_PERTHREAD = 4, CPUCLOCK_WHICH = 3, CPUCLOCK_MAX = 3;

    /// <summary>A guest clock: a host clock to read, or a task whose CPU time the Sentry computes. Guest code runs in
    /// the stubs, so a process CPU clock is the host's clock of the stub process; a thread's is its stub thread's,
    /// which the host lets only that thread's own process read as a clock, so the Sentry reads it from /proc; a
    /// zombie process (its stub gone) keeps the time it had when it exited.</summary>
    static bool Resolve(Task t, int clk, out int host, out Task? thread, out int which)
    {
        host = clk;
        thread = null;
        which = CPUCLOCK_SCHED;
        switch (clk)
        {
            case 0: case 1: case 4: case 5: case 6: case 7: case 8: case 9: case 11: return true;
            case CLOCK_PROCESS_CPUTIME_ID: return CpuClock(t, 0, false, CPUCLOCK_SCHED, out host, out thread);
            case CLOCK_THREAD_CPUTIME_ID: return CpuClock(t, 0, true, CPUCLOCK_SCHED, out host, out thread);
        }
        if (clk >= 0 || (clk & CPUCLOCK_WHICH) >= CPUCLOCK_MAX) return false;
        which = clk & CPUCLOCK_WHICH;
        return CpuClock(t, ~(clk >> 3), (clk & CPUCLOCK_PERTHREAD) != 0, which, out host, out thread);
    }

    /// <summary>A CPU clock named as Linux encodes it (what libc passes for CLOCK_PROCESS_CPUTIME_ID and the clocks of
    /// clock_getcpuclockid and pthread_getcpuclockid), of a thread or process that exists.</summary>
    internal static bool IsEncodedCpuClock(Task t, int clk) => clk < 0 && Resolve(t, clk, out _, out _, out _);

    /// <summary>The CPU clock of guest pid (0: the caller), Linux's pid_for_clock rules: a thread clock names a
    /// thread of the caller's process, a process clock a process (or the caller itself).</summary>
    static bool CpuClock(Task t, int pid, bool perThread, int which, out int host, out Task? thread)
    {
        host = 0;
        thread = null;
        var target = pid == 0 ? t : t.PidNs.Lookup(pid);
        if (target == null) return false;
        if (perThread)
        {
            if (target.Tgid != t.Tgid || target.Stub == null) return false;
            thread = target;
            return true;
        }
        if (target.Tid != target.Tgid && target != t) return false;
        if (target.Zombie) { thread = target; return true; }
        if (target.Stub is not { } stub) return false;
        // PROF as SCHED: the host's tick-sampled PROF clock misses much of a ptraced stub's short runs.
        host = (~stub.HostTgid << 3) | (which == CPUCLOCK_VIRT ? CPUCLOCK_VIRT : CPUCLOCK_SCHED);
        return true;
    }

    public static Timespec Now(int clk)
    {
        Timespec ts;
        Host.clock_gettime(clk, &ts);
        return ts;
    }

    static long ClockGettime(Task t, int clk, ulong tp)
    {
        if (!Resolve(t, clk, out int host, out var thread, out int which)) return Err(Errno.EINVAL);
        Timespec ts;
        if (thread != null)
        {
            long ns = thread.Zombie ? thread.ExitedCpuNs(which == CPUCLOCK_VIRT) : thread.ThreadCpuNs(which == CPUCLOCK_VIRT);
            if (ns < 0) return Err(Errno.EINVAL); // the thread has just gone
            ts = new Timespec { Sec = ns / 1_000_000_000, Nsec = ns % 1_000_000_000 };
        }
        else if (Host.clock_gettime(host, &ts) < 0) return Err((Errno)Host.Errno);
        return t.Mem.Write(tp, ts) ? 0 : Err(Errno.EFAULT);
    }

    static long ClockGetres(Task t, int clk, ulong tp)
    {
        if (!Resolve(t, clk, out _, out _, out _)) return Err(Errno.EINVAL);
        if (tp == 0) return 0;
        var ts = new Timespec { Sec = 0, Nsec = clk is 5 or 6 ? 4000000 : 1 };
        return t.Mem.Write(tp, ts) ? 0 : Err(Errno.EFAULT);
    }

    static long Gettimeofday(Task t, ulong tv, ulong tz)
    {
        var ts = Now(0);
        if (tv != 0 && !t.Mem.Write(tv, new Timeval { Sec = ts.Sec, Usec = ts.Nsec / 1000 })) return Err(Errno.EFAULT);
        if (tz != 0 && !t.Mem.Write(tz, 0L)) return Err(Errno.EFAULT);
        return 0;
    }

    static long Time(Task t, ulong tloc)
    {
        long s = Now(0).Sec;
        if (tloc != 0 && !t.Mem.Write(tloc, s)) return Err(Errno.EFAULT);
        return s;
    }

    static long Sleep(Task t, int clk, int flags, ulong reqAddr, ulong remAddr)
    {
        // Clocks without a sleep (the raw and coarse ones, the caller's thread CPU clock) are EOPNOTSUPP; another
        // thread's CPU clock is EINVAL; a process's (its own or another's) is slept on until its CPU time gets there
        // (posix_cpu_nsleep).
        int host;
        bool cpu = false;
        if (clk is 0 or 1 or 7 or 8 or 9 or 11) host = clk is 8 ? 7 : clk is 9 ? 0 : clk;
        else if (clk is CLOCK_THREAD_CPUTIME_ID or 4 or 5 or 6) return Err(Errno.EOPNOTSUPP);
        else if ((clk == CLOCK_PROCESS_CPUTIME_ID || (clk < 0 && (clk & CPUCLOCK_PERTHREAD) == 0))
                 && Resolve(t, clk, out host, out var zombie, out _) && zombie == null) cpu = true;
        else return Err(Errno.EINVAL);
        if (!t.Mem.Read(reqAddr, out Timespec req)) return Err(Errno.EFAULT);
        if (req.Sec < 0 || req.Nsec is < 0 or >= 1_000_000_000) return Err(Errno.EINVAL);
        bool abs = (flags & 1) != 0;
        long targetNs;
        var now = Now(host);
        long nowNs = now.Sec * 1_000_000_000 + now.Nsec;
        long reqNs = req.Sec > long.MaxValue / 1_000_000_000 ? long.MaxValue : req.Sec * 1_000_000_000 + req.Nsec;
        targetNs = abs ? reqNs : (nowNs > long.MaxValue - reqNs ? long.MaxValue : nowNs + reqNs);
        return SleepUntil(t, host, cpu, targetNs, abs, remAddr);
    }

    /// <summary>Sleeps until the clock host reads targetNs. Interrupted: the time left goes to remAddr (relative
    /// sleeps), and the sleep goes on to the same end if no handler runs (a stop and continue).</summary>
    static long SleepUntil(Task t, int host, bool cpu, long targetNs, bool abs, ulong remAddr)
    {
        Timespec now;
        long nowNs;
        while (true)
        {
            // A process whose clock can no longer be read has ended: its time will not move again.
            if (Host.clock_gettime(host, &now) != 0) return 0;
            nowNs = now.Sec * 1_000_000_000 + now.Nsec;
            long left = targetNs - nowNs;
            if (left <= 0) return 0;
            // A process's CPU time runs as fast as its threads together: look again at least every 10 ms.
            long napMs = (left + 999_999) / 1_000_000;
            if (cpu) napMs = Math.Clamp(napMs / FileSystems.Proc.SystemInfo.Cpus, 1, 10);
            if (!t.Nap((int)Math.Min(napMs, int.MaxValue)))
            {
                // Interrupted: report the time left (relative sleeps only), as Linux does.
                if (!abs && remAddr != 0)
                {
                    var end = Now(host);
                    long rest = Math.Max(0, targetNs - (end.Sec * 1_000_000_000 + end.Nsec));
                    t.Mem.Write(remAddr, new Timespec { Sec = rest / 1_000_000_000, Nsec = rest % 1_000_000_000 });
                }
                t.RestartBlock = k => SleepUntil(k, host, cpu, targetNs, abs, remAddr);
                return Task.RestartWithBlock;
            }
        }
    }
}
