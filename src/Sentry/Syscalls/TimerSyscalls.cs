using System.Runtime.InteropServices;
using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>alarm and the real-time interval timer (setitimer/getitimer ITIMER_REAL): SIGALRM to the process.</summary>
static class TimerSyscalls
{
    const int ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;

    [StructLayout(LayoutKind.Sequential)]
    struct ITimerVal { public long IntervalSec, IntervalUsec, ValueSec, ValueUsec; }

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.alarm] = (k, secs, _, _, _, _, _) => Alarm(k, (uint)secs);
        t[Nr.setitimer] = (k, which, nv, ov, _, _, _) => SetItimer(k, (int)which, nv, ov);
        t[Nr.getitimer] = (k, which, cv, _, _, _, _) => GetItimer(k, (int)which, cv);
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
        if (which != ITIMER_REAL) return oldAddr != 0 && !t.Mem.Write(oldAddr, default(ITimerVal)) ? Err(Errno.EFAULT) : 0; // CPU-time timers are not kept
        var (left, interval) = t.RealTimer.Set(nv.ValueSec * 1_000_000 + nv.ValueUsec, nv.IntervalSec * 1_000_000 + nv.IntervalUsec);
        if (oldAddr != 0 && !t.Mem.Write(oldAddr, ToVal(left, interval))) return Err(Errno.EFAULT);
        return 0;
    }

    static long GetItimer(Task t, int which, ulong addr)
    {
        if (which is not (ITIMER_REAL or ITIMER_VIRTUAL or ITIMER_PROF)) return Err(Errno.EINVAL);
        var v = which == ITIMER_REAL ? ToVal(t.RealTimer.Left, t.RealTimer.IntervalUs) : default;
        return t.Mem.Write(addr, v) ? 0 : Err(Errno.EFAULT);
    }

    static ITimerVal ToVal(long leftUs, long intervalUs) => new()
    {
        ValueSec = leftUs / 1_000_000, ValueUsec = leftUs % 1_000_000,
        IntervalSec = intervalUs / 1_000_000, IntervalUsec = intervalUs % 1_000_000,
    };
}
