namespace AppKernel.Sentry.Kernel;

/// <summary>A process's POSIX timers (timer_create): each fires a signal (SIGEV_SIGNAL to the process,
/// SIGEV_THREAD_ID to one thread) or nothing (SIGEV_NONE).</summary>
public sealed class PosixTimers
{
    public sealed class Timer
    {
        public required IntervalTimer Clock;
        public int Overrun;
    }

    readonly Dictionary<int, Timer> _timers = new();
    int _next;

    public const int SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD_ID = 4;
    const int SI_TIMER = -2;

    public int Create(int notify, int signo, ulong? value, Task target)
    {
        lock (_timers)
        {
            if (_timers.Count >= 1 << 16) return -(int)Errno.EAGAIN;
            int id = _next++;
            var timer = new Timer { Clock = null! };
            timer.Clock = new IntervalTimer(n =>
            {
                if (notify == SIGEV_NONE) return;
                var si = new SigInfo { Signo = signo, Code = SI_TIMER, TimerId = id, Overrun = n - 1, Value = value ?? (ulong)id }.ToArray();
                timer.Overrun = n - 1;
                target.SendSignal(signo, si, shared: notify != SIGEV_THREAD_ID);
            });
            _timers[id] = timer;
            return id;
        }
    }

    public Timer? Get(int id)
    {
        lock (_timers) return _timers.GetValueOrDefault(id);
    }

    public bool Delete(int id)
    {
        lock (_timers)
        {
            if (!_timers.Remove(id, out var t)) return false;
            t.Clock.Set(0, 0);
            return true;
        }
    }
}
