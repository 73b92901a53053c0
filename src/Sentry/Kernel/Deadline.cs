using System.Diagnostics;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// When a blocking call gives up, on CLOCK_MONOTONIC in nanoseconds. Linux never ends a timed wait early, and
/// Environment.TickCount64 is the coarse clock (a jiffy, 4 ms here) that made waits end up to a tick early; every
/// timed sleep of the Sentry measures against this instead and sleeps again until the deadline has truly passed.
/// </summary>
public readonly record struct Deadline(long Ns)
{
    const long NsPerSec = 1_000_000_000, NsPerMs = 1_000_000;

    /// <summary>No deadline: wait until woken.</summary>
    public static readonly Deadline None = new(long.MaxValue);

    /// <summary>Stopwatch is CLOCK_MONOTONIC on Linux, the clock the guest reads as CLOCK_MONOTONIC.</summary>
    public static long NowNs => Stopwatch.Frequency == NsPerSec
        ? Stopwatch.GetTimestamp()
        : (long)(Stopwatch.GetTimestamp() * (NsPerSec / (double)Stopwatch.Frequency));

    /// <summary>ns from now (a negative or zero span has already passed).</summary>
    public static Deadline After(long ns) => new(ns >= long.MaxValue - NowNs ? long.MaxValue : NowNs + Math.Max(0, ns));

    /// <summary>A relative timespec's span from now (a span past long's nanoseconds is no deadline at all).</summary>
    public static Deadline AfterSpan(long sec, long nsec) =>
        sec >= long.MaxValue / NsPerSec ? None : After(sec * NsPerSec + nsec);

    public static Deadline AfterMs(long ms) => ms < 0 ? None : After(ms >= long.MaxValue / NsPerMs ? long.MaxValue : ms * NsPerMs);

    /// <summary>An absolute time on a guest clock (CLOCK_REALTIME or CLOCK_MONOTONIC), moved onto the monotonic clock.</summary>
    public static Deadline At(int clock, long sec, long nsec)
    {
        var now = Syscalls.TimeSyscalls.Now(clock);
        long leftSec = sec - now.Sec;
        if (leftSec > long.MaxValue / NsPerSec - 1) return None;
        return After(leftSec * NsPerSec + (nsec - now.Nsec));
    }

    public bool IsNone => Ns == long.MaxValue;

    public bool Passed => !IsNone && NowNs >= Ns;

    /// <summary>What to hand Monitor.Wait: the time left in whole milliseconds, rounded up (Infinite for none).</summary>
    public int WaitMs => IsNone ? Timeout.Infinite : (int)Math.Clamp((Ns - NowNs + NsPerMs - 1) / NsPerMs, 0, int.MaxValue);
}
