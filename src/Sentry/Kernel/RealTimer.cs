namespace AppKernel.Sentry.Kernel;

/// <summary>ITIMER_REAL of a process: SIGALRM when it fires, again every interval.</summary>
public sealed class RealTimer
{
    readonly Task _task;
    Timer? _timer;
    long _deadlineUs;   // Environment.TickCount64-based, in µs; 0 when disarmed
    public long IntervalUs { get; private set; }

    public RealTimer(Task task) => _task = task;

    static long NowUs => Environment.TickCount64 * 1000;

    /// <summary>Microseconds until it fires (0: disarmed).</summary>
    public long Left
    {
        get { lock (this) return _deadlineUs == 0 ? 0 : Math.Max(1, _deadlineUs - NowUs); }
    }

    /// <summary>Arms (valueUs &gt; 0) or disarms (0) the timer; returns what was left and the old interval.</summary>
    public (long Left, long Interval) Set(long valueUs, long intervalUs)
    {
        lock (this)
        {
            var old = (_deadlineUs == 0 ? 0 : Math.Max(1, _deadlineUs - NowUs), IntervalUs);
            _timer?.Dispose();
            _timer = null;
            _deadlineUs = 0;
            IntervalUs = intervalUs;
            if (valueUs > 0)
            {
                _deadlineUs = IntervalTimer.SaturatingAdd(NowUs, valueUs);
                _timer = new Timer(_ => Fire(), null, DueMs(valueUs), Timeout.Infinite);
            }
            return old;
        }
    }

    static long DueMs(long us) => Math.Clamp(us / 1000 + (us % 1000 != 0 ? 1 : 0), 1, IntervalTimer.MaxDueMs);

    void Fire()
    {
        lock (this)
        {
            if (_deadlineUs == 0) return;
            long now = NowUs;
            // A deadline beyond the Timer's range was armed short: wait the rest.
            if (now < _deadlineUs) { _timer?.Change(DueMs(_deadlineUs - now), Timeout.Infinite); return; }
            if (IntervalUs > 0)
            {
                _deadlineUs = IntervalTimer.SaturatingAdd(now, IntervalUs);
                _timer?.Change(DueMs(IntervalUs), Timeout.Infinite);
            }
            else _deadlineUs = 0;
        }
        _task.SendSignal(Task.SIGALRM, Task.UserInfo(Task.SIGALRM, Task.SI_KERNEL, 0, 0));
    }
}
