namespace AppKernel.Sentry.Kernel;

/// <summary>A one-shot or periodic timer in nanoseconds (monotonic); calls fire with the number of expirations.
/// Used by timerfd and POSIX timers.</summary>
public sealed class IntervalTimer
{
    readonly Action<int> _fire;
    Timer? _timer;
    long _deadlineNs, _intervalNs;

    public IntervalTimer(Action<int> fire) => _fire = fire;

    static long NowNs => Deadline.NowNs;

    /// <summary>(ns left, interval ns); (0, x) when disarmed.</summary>
    public (long Left, long Interval) Get()
    {
        Poll();
        lock (this) return (_deadlineNs == 0 ? 0 : Math.Max(1, _deadlineNs - NowNs), _intervalNs);
    }

    /// <summary>Arms for valueNs from now (0 disarms), then every intervalNs; returns the old setting.</summary>
    public (long Left, long Interval) Set(long valueNs, long intervalNs)
    {
        lock (this)
        {
            var old = (_deadlineNs == 0 ? 0 : Math.Max(1, _deadlineNs - NowNs), _intervalNs);
            _timer?.Dispose();
            _timer = null;
            _deadlineNs = 0;
            _intervalNs = intervalNs;
            if (valueNs > 0)
            {
                _deadlineNs = SaturatingAdd(NowNs, valueNs);
                _timer = new Timer(_ => Tick(), null, Ms(valueNs), Timeout.Infinite);
            }
            return old;
        }
    }

    /// <summary>The longest due time a System.Threading.Timer takes (~49 days); a later deadline is reached by re-arming.</summary>
    public const long MaxDueMs = uint.MaxValue - 1;

    static long Ms(long ns) => Math.Clamp(ns / 1_000_000 + (ns % 1_000_000 != 0 ? 1 : 0), 1, MaxDueMs);

    /// <summary>a + b for non-negative b, stopping at long.MaxValue (a guest may ask for a timer centuries away).</summary>
    public static long SaturatingAdd(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;

    /// <summary>The expirations due by now (0 if none), moving the deadline on; the caller holds the lock.</summary>
    int DueLocked(long now)
    {
        if (_deadlineNs == 0 || now < _deadlineNs) return 0;
        int n = 1;
        if (_intervalNs > 0)
        {
            long late = now - _deadlineNs;
            n += (int)Math.Min(late / _intervalNs, int.MaxValue - 1);
            _deadlineNs = SaturatingAdd(_deadlineNs, (long)Math.Min((double)n * _intervalNs, long.MaxValue));
        }
        else _deadlineNs = 0;
        return n;
    }

    /// <summary>
    /// Fires what is due now. The host timer wakes at millisecond granularity, but Linux's expires on time: a timer
    /// armed in the past, or for a few nanoseconds, has expired by the next read, poll or gettime. Those call this.
    /// </summary>
    public void Poll()
    {
        int n;
        lock (this) n = DueLocked(NowNs);
        if (n > 0) _fire(n);
    }

    void Tick()
    {
        int n;
        lock (this)
        {
            long now = NowNs;
            n = DueLocked(now);
            if (_deadlineNs != 0) _timer?.Change(Ms(_deadlineNs - now), Timeout.Infinite);
        }
        if (n > 0) _fire(n);
    }
}
