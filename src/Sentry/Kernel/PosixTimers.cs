namespace AppKernel.Sentry.Kernel;

/// <summary>A process's POSIX timers (timer_create): each fires a signal (SIGEV_SIGNAL to the process,
/// SIGEV_THREAD_ID to one thread) or nothing (SIGEV_NONE).</summary>
public sealed class PosixTimers
{
    public sealed class Timer
    {
        public required IntervalTimer Clock;
        public int Overrun;
        /// <summary>Expiries that could not be queued (their standard signal was already pending from elsewhere): the
        /// next signal that is queued counts them as overruns.</summary>
        public long Missed;
    }

    readonly Dictionary<int, Timer> _timers = new();
    int _next;

    public const int SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2, SIGEV_THREAD_ID = 4;
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
                if (AddOverrun(timer, target, signo, id, n)) return;
                int overrun = (int)Math.Min(int.MaxValue, timer.Missed + n - 1);
                timer.Missed = 0;
                var si = new SigInfo { Signo = signo, Code = SI_TIMER, TimerId = id, Overrun = overrun, Value = value ?? (ulong)id }.ToArray();
                timer.Overrun = overrun;
                target.SendSignal(signo, si, shared: notify != SIGEV_THREAD_ID);
            });
            _timers[id] = timer;
            return id;
        }
    }

    /// <summary>A timer's signal is queued once (Linux preallocates its sigqueue): expiries while it is still pending
    /// add to its si_overrun instead of queueing another, even for a real-time signal; while the same standard
    /// signal is pending from elsewhere, they wait for the timer's next signal.</summary>
    static bool AddOverrun(Timer timer, Task target, int signo, int id, int expiries)
    {
        var queue = target.Signals.Queue;
        lock (queue)
            foreach (var (sig, info, _) in queue)
            {
                if (sig != signo) continue;
                var pending = System.Runtime.InteropServices.MemoryMarshal.Read<SigInfo>(info);
                if (pending.Code != SI_TIMER || pending.TimerId != id)
                {
                    if (signo >= 32) continue; // real-time signals queue behind it
                    timer.Missed += expiries;
                    return true;
                }
                pending.Overrun = (int)Math.Min(int.MaxValue, (long)pending.Overrun + expiries);
                System.Runtime.InteropServices.MemoryMarshal.Write(info, in pending);
                timer.Overrun = pending.Overrun;
                return true;
            }
        return false;
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
