using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Vfs;

/// <summary>
/// One kernel-wide bell that every readiness change rings (pipe data or space, a closed end, an eventfd or
/// timerfd count, a queued signal for signalfd, an epoll interest change). poll, select and epoll_wait sleep
/// until it rings instead of re-checking on a timer; a spurious wake only costs a re-scan.
/// </summary>
public static class ReadinessBell
{
    static long s_rings;
    static int s_waiters;
    static readonly object s_lock = new();

    /// <summary>Read before a scan, so that a change during the scan is not slept through.</summary>
    public static long Rings => Volatile.Read(ref s_rings);

    public static void Ring()
    {
        Interlocked.Increment(ref s_rings);
        if (Volatile.Read(ref s_waiters) > 0)
            lock (s_lock) Monitor.PulseAll(s_lock);
    }

    /// <summary>
    /// Sleeps after a scan (begun at <paramref name="seen"/>) found nothing: until the bell rings, deadlineMs
    /// (Environment.TickCount64 time, long.MaxValue for none) or — when a file cannot ring, such as a host fd — 1 ms.
    /// False if a signal interrupts.
    /// </summary>
    public static bool Wait(Task t, long seen, long deadlineMs, bool allRing)
    {
        int ms = deadlineMs == long.MaxValue ? Timeout.Infinite
            : (int)Math.Clamp(deadlineMs - Environment.TickCount64, 0, int.MaxValue);
        if (!allRing) ms = ms == Timeout.Infinite ? 1 : Math.Min(ms, 1);
        lock (s_lock)
        {
            Interlocked.Increment(ref s_waiters);
            try
            {
                if (Rings != seen) return !t.SignalPending;
                return t.Sleep(s_lock, ms);
            }
            finally { Interlocked.Decrement(ref s_waiters); }
        }
    }
}
