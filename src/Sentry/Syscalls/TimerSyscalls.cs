using System.Runtime.InteropServices;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>alarm and setitimer/getitimer (ITIMER_REAL: SIGALRM to the process; the CPU-time ones: CpuTimers), timerfd, signalfd,
/// and POSIX timers (timer_create and friends).</summary>
static class TimerSyscalls
{
    const int ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.alarm] = (k, secs, _, _, _, _, _) => Alarm(k, (uint)secs);
        t[Nr.setitimer] = (k, which, nv, ov, _, _, _) => SetItimer(k, (int)which, nv, ov);
        t[Nr.getitimer] = (k, which, cv, _, _, _, _) => GetItimer(k, (int)which, cv);
        t[Nr.timerfd_create] = (k, clk, flags, _, _, _, _) => TimerFdCreate(k, (int)clk, (int)flags);
        t[Nr.timerfd_settime] = (k, fd, flags, nv, ov, _, _) => TimerFdSet(k, (int)fd, (int)flags, nv, ov);
        t[Nr.timerfd_gettime] = (k, fd, cv, _, _, _, _) => 
        {
            using var f = k.Fds.Borrow((int)fd);
            return f.File is FileSystems.Anon.TimerFd tf ? WriteSpec(k, cv, tf.Timer.Get()) : Err(f.File == null ? Errno.EBADF : Errno.EINVAL);
        };
        t[Nr.signalfd] = (k, fd, mask, size, _, _, _) => SignalFd(k, (int)fd, mask, size, 0);
        t[Nr.signalfd4] = (k, fd, mask, size, flags, _, _) => SignalFd(k, (int)fd, mask, size, (int)flags);
        t[Nr.timer_create] = (k, clk, sev, id, _, _, _) => TimerCreate(k, (int)clk, sev, id);
        t[Nr.timer_settime] = (k, id, flags, nv, ov, _, _) => TimerSet(k, (int)id, (int)flags, nv, ov);
        t[Nr.timer_gettime] = (k, id, cv, _, _, _, _) => k.PosixTimers.Get((int)id) is { } tm ? WriteSpec(k, cv, tm.Clock.Get()) : Err(Errno.EINVAL);
        t[Nr.timer_getoverrun] = (k, id, _, _, _, _, _) => k.PosixTimers.Get((int)id) is { } tm ? tm.Overrun : Err(Errno.EINVAL);
        t[Nr.timer_delete] = (k, id, _, _, _, _, _) => k.PosixTimers.Delete((int)id) ? 0 : Err(Errno.EINVAL);
    }

    static bool ValidClock(int clk) => clk is 0 or 1 or 7; // REALTIME, MONOTONIC, BOOTTIME

    /// <summary>sec * unit + frac, saturating at long.MaxValue as Linux's timespec64_to_ktime does (no overflow for times centuries away).</summary>
    static long Total(long sec, long unit, long frac) => sec >= (long.MaxValue - frac) / unit ? long.MaxValue : sec * unit + frac;

    /// <summary>Reads a struct itimerspec {interval, value} as nanoseconds; absolute values become relative.</summary>
    static Errno ReadSpec(Task t, ulong addr, bool abs, int clk, out long valueNs, out long intervalNs)
    {
        valueNs = intervalNs = 0;
        if (!t.Mem.Read(addr, out ITimerSpec v)) return Errno.EFAULT;
        if (v.Interval.Sec < 0 || v.Interval.Nsec is < 0 or >= 1_000_000_000 || v.Value.Sec < 0 || v.Value.Nsec is < 0 or >= 1_000_000_000) return Errno.EINVAL;
        intervalNs = Total(v.Interval.Sec, 1_000_000_000, v.Interval.Nsec);
        valueNs = Total(v.Value.Sec, 1_000_000_000, v.Value.Nsec);
        if (abs && valueNs > 0)
        {
            var ts = new Timespec();
            unsafe { Platform.Native.Host.clock_gettime(clk, &ts); }
            valueNs = Math.Max(1, valueNs - (ts.Sec * 1_000_000_000 + ts.Nsec));
        }
        return Errno.None;
    }

    static long WriteSpec(Task t, ulong addr, (long Left, long Interval) v)
    {
        if (addr == 0) return 0;
        var o = new ITimerSpec
        {
            Interval = new Timespec { Sec = v.Interval / 1_000_000_000, Nsec = v.Interval % 1_000_000_000 },
            Value = new Timespec { Sec = v.Left / 1_000_000_000, Nsec = v.Left % 1_000_000_000 },
        };
        return t.Mem.Write(addr, o) ? 0 : Err(Errno.EFAULT);
    }

    static long TimerFdCreate(Task t, int clk, int flags)
    {
        if (!ValidClock(clk)) return Err(Errno.EINVAL);
        if ((flags & ~(OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK)) != 0) return Err(Errno.EINVAL);
        var f = new FileSystems.Anon.TimerFd(flags & OpenFlags.O_NONBLOCK) { Clock = clk };
        int fd = t.Fds.Install(f, (flags & OpenFlags.O_CLOEXEC) != 0, 0, t.Limits.NoFile);
        if (fd < 0) f.DecRef();
        return fd;
    }

    static long TimerFdSet(Task t, int fd, int flags, ulong newAddr, ulong oldAddr)
    {
        using var fRef = t.Fds.Borrow(fd);
        if (fRef.File is not FileSystems.Anon.TimerFd tf) return Err(fRef.File == null ? Errno.EBADF : Errno.EINVAL);
        if ((flags & ~3) != 0) return Err(Errno.EINVAL);
        var e = ReadSpec(t, newAddr, (flags & 1) != 0, tf.Clock, out var value, out var interval);
        if (e != Errno.None) return Err(e);
        tf.ClearExpirations();
        var old = tf.Timer.Set(value, interval);
        return WriteSpec(t, oldAddr, old);
    }

    static long SignalFd(Task t, int fd, ulong maskAddr, ulong size, int flags)
    {
        if (size != 8) return Err(Errno.EINVAL);
        if ((flags & ~(OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK)) != 0) return Err(Errno.EINVAL);
        if (!t.Mem.Read(maskAddr, out ulong mask)) return Err(Errno.EFAULT);
        if (fd != -1)
        {
            using var fRef = t.Fds.Borrow(fd);
            if (fRef.File is not FileSystems.Anon.SignalFd sf) return Err(fRef.File == null ? Errno.EBADF : Errno.EINVAL);
            sf.Mask = mask & ~SignalState.Unblockable;
            return fd;
        }
        var f = new FileSystems.Anon.SignalFd(t, mask, flags & OpenFlags.O_NONBLOCK);
        int n = t.Fds.Install(f, (flags & OpenFlags.O_CLOEXEC) != 0, 0, t.Limits.NoFile);
        if (n < 0) f.DecRef();
        return n;
    }

    static long TimerCreate(Task t, int clk, ulong sevAddr, ulong idAddr)
    {
        // CPU clocks' timers run on the wall clock here (an approximation: a busy process's CPU time runs about as fast).
        if (!ValidClock(clk) && clk is not (2 or 3) && !TimeSyscalls.IsEncodedCpuClock(t, clk)) return Err(Errno.EINVAL);
        int notify = PosixTimers.SIGEV_SIGNAL, signo = Task.SIGALRM;
        ulong? value = null; // without a sigevent, the signal carries the timer's id
        var target = t.Group.Leader;
        if (sevAddr != 0)
        {
            if (!t.Mem.Read(sevAddr, out ulong v) || !t.Mem.Read(sevAddr + 8, out signo) || !t.Mem.Read(sevAddr + 12, out notify)) return Err(Errno.EFAULT);
            value = v;
            // SIGEV_THREAD reaches the kernel only from a caller that did not go through libc: it signals the process.
            if (notify == PosixTimers.SIGEV_THREAD) notify = PosixTimers.SIGEV_SIGNAL;
            if (notify is not (PosixTimers.SIGEV_SIGNAL or PosixTimers.SIGEV_NONE or PosixTimers.SIGEV_THREAD_ID)) return Err(Errno.EINVAL);
            if (notify != PosixTimers.SIGEV_NONE && (signo < 1 || signo > SignalState.NSig)) return Err(Errno.EINVAL);
            if (notify == PosixTimers.SIGEV_THREAD_ID)
            {
                if (!t.Mem.Read(sevAddr + 16, out int tid)) return Err(Errno.EFAULT);
                target = t.PidNs.Lookup(tid) is { } tt && tt.Tgid == t.Tgid ? tt : null!;
                if (target == null) return Err(Errno.EINVAL);
            }
        }
        int id = t.PosixTimers.Create(notify, signo, value, target);
        if (id < 0) return id;
        if (!t.Mem.Write(idAddr, id)) { t.PosixTimers.Delete(id); return Err(Errno.EFAULT); }
        return 0;
    }

    static long TimerSet(Task t, int id, int flags, ulong newAddr, ulong oldAddr)
    {
        var tm = t.PosixTimers.Get(id);
        if (tm == null) return Err(Errno.EINVAL);
        if ((flags & ~1) != 0) return Err(Errno.EINVAL);
        var e = ReadSpec(t, newAddr, (flags & 1) != 0, 1, out var value, out var interval);
        if (e != Errno.None) return Err(e);
        var old = tm.Clock.Set(value, interval);
        return WriteSpec(t, oldAddr, old);
    }

    static long Alarm(Task t, uint secs)
    {
        var (left, _) = t.RealTimer.Set((long)secs * 1_000_000, 0);
        // alarm rounds the time left up to whole seconds, and never reports 0 for a pending alarm.
        return left <= 0 ? 0 : Math.Max(1, (left + 500_000) / 1_000_000);
    }

    static long SetItimer(Task t, int which, ulong newAddr, ulong oldAddr)
    {
        if (which is not (ITIMER_REAL or ITIMER_VIRTUAL or ITIMER_PROF)) return Err(Errno.EINVAL);
        ITimerVal nv = default;
        if (newAddr != 0 && !t.Mem.Read(newAddr, out nv)) return Err(Errno.EFAULT);
        if (nv.ValueUsec is < 0 or >= 1_000_000 || nv.IntervalUsec is < 0 or >= 1_000_000 || nv.ValueSec < 0 || nv.IntervalSec < 0)
            return Err(Errno.EINVAL);
        var (left, interval) = which == ITIMER_REAL
            ? t.RealTimer.Set(Total(nv.ValueSec, 1_000_000, nv.ValueUsec), Total(nv.IntervalSec, 1_000_000, nv.IntervalUsec))
            : CpuUs(t.CpuTimers.Set(which, Total(nv.ValueSec, 1_000_000_000, nv.ValueUsec * 1000), Total(nv.IntervalSec, 1_000_000_000, nv.IntervalUsec * 1000)));
        if (oldAddr != 0 && !t.Mem.Write(oldAddr, ToVal(left, interval))) return Err(Errno.EFAULT);
        return 0;
    }

    static long GetItimer(Task t, int which, ulong addr)
    {
        if (which is not (ITIMER_REAL or ITIMER_VIRTUAL or ITIMER_PROF)) return Err(Errno.EINVAL);
        var v = which == ITIMER_REAL ? ToVal(t.RealTimer.Left, t.RealTimer.IntervalUs) : ToVal(CpuUs(t.CpuTimers.Get(which)));
        return t.Mem.Write(addr, v) ? 0 : Err(Errno.EFAULT);
    }

    /// <summary>A CPU timer's (left, interval) in µs, rounded up as Linux reports them.</summary>
    static (long, long) CpuUs((long Left, long Interval) ns) => ((ns.Left + 999) / 1000, (ns.Interval + 999) / 1000);

    static ITimerVal ToVal((long Left, long Interval) us) => ToVal(us.Left, us.Interval);

    static ITimerVal ToVal(long leftUs, long intervalUs) => new()
    {
        ValueSec = leftUs / 1_000_000, ValueUsec = leftUs % 1_000_000,
        IntervalSec = intervalUs / 1_000_000, IntervalUsec = intervalUs % 1_000_000,
    };
}
