using AppKernel.Platform.Native;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// The CPU-time timers of a process: setitimer's ITIMER_VIRTUAL (user time: SIGVTALRM) and ITIMER_PROF (user +
/// system: SIGPROF), and RLIMIT_CPU (SIGXCPU at the soft limit and every second after, SIGKILL at the hard one, as
/// Linux's check_process_timers). Guest code runs in the stub process, so the host's CPU clocks of that process
/// are the guest's; while anything is armed they are read every <see cref="PollMs"/> ms (Linux looks at each tick).
/// </summary>
public sealed unsafe class CpuTimers
{
    public const int ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;
    const int RLIMIT_CPU = 0;
    // The host's per-process CPU clocks: ~pid << 3 | CPUCLOCK_VIRT (1: user time) or CPUCLOCK_SCHED (2: the
    // scheduler's exact runtime, used for user + system: the tick-sampled PROF clock misses much of a ptraced
    // stub's short runs).
    const int CPUCLOCK_VIRT = 1, CPUCLOCK_SCHED = 2;
    const int PollMs = 10;
    const long NsPerSec = 1_000_000_000;

    readonly Task _leader;
    /// <summary>Per itimer (index: ITIMER_VIRTUAL - 1, ITIMER_PROF - 1): when it fires on its clock (0: disarmed), and its interval.</summary>
    readonly (long DeadlineNs, long IntervalNs)[] _itimers = new (long, long)[2];
    bool _watchLimit;
    Timer? _poll;

    public CpuTimers(Task leader) => _leader = leader;

    /// <summary>getitimer: (ns left, interval ns) of ITIMER_VIRTUAL or ITIMER_PROF.</summary>
    public (long Left, long Interval) Get(int which)
    {
        lock (this)
        {
            var (deadline, interval) = _itimers[which - 1];
            if (deadline == 0) return (0, interval);
            return (Math.Max(1, deadline - Now(which == ITIMER_VIRTUAL ? CPUCLOCK_VIRT : CPUCLOCK_SCHED)), interval);
        }
    }

    /// <summary>setitimer: arms (valueNs &gt; 0) or disarms the timer; returns the old setting.</summary>
    public (long Left, long Interval) Set(int which, long valueNs, long intervalNs)
    {
        lock (this)
        {
            var old = Get(which);
            long now = Now(which == ITIMER_VIRTUAL ? CPUCLOCK_VIRT : CPUCLOCK_SCHED);
            // A guest may ask for centuries: the deadline stops at long.MaxValue rather than wrapping into the past.
            _itimers[which - 1] = (valueNs > 0 ? IntervalTimer.SaturatingAdd(now, valueNs) : 0, intervalNs);
            Rearm();
            return old;
        }
    }

    /// <summary>RLIMIT_CPU was set (or inherited): start or stop watching it.</summary>
    public void LimitChanged()
    {
        lock (this)
        {
            _watchLimit = _leader.Limits.Values[RLIMIT_CPU].Cur != RLimits.Infinity;
            Rearm();
        }
    }

    void Rearm()
    {
        bool armed = _watchLimit || _itimers[0].DeadlineNs != 0 || _itimers[1].DeadlineNs != 0;
        // One-shot, re-armed at the end of each poll: a slow poll never has the next one queued behind its lock.
        if (armed && _poll == null) _poll = new Timer(_ => Poll(), null, PollMs, Timeout.Infinite);
        else if (!armed && _poll != null) { _poll.Dispose(); _poll = null; }
    }

    /// <summary>The stub process's CPU clock (0 before it has one or after it is gone).</summary>
    long Now(int which)
    {
        if (_leader.Stub is not { } stub) return 0;
        Timespec ts;
        if (Host.clock_gettime((~stub.HostTgid << 3) | which, &ts) != 0) return 0;
        return ts.Sec * NsPerSec + ts.Nsec;
    }

    void Poll()
    {
        var fire = new List<int>(3);
        lock (this)
        {
            if (_leader.Exited || _leader.Zombie)
            {
                _poll?.Dispose();
                _poll = null;
                return;
            }
            if (_leader.Stub == null) { _poll?.Change(PollMs, Timeout.Infinite); return; }
            long virt = Now(CPUCLOCK_VIRT), prof = Now(CPUCLOCK_SCHED);
            for (int i = 0; i < 2; i++)
            {
                var (deadline, interval) = _itimers[i];
                long now = i == 0 ? virt : prof;
                if (deadline == 0 || now < deadline) continue;
                fire.Add(i == 0 ? Task.SIGVTALRM : Task.SIGPROF);
                // The next expiry after now, in one step (the timer may be far behind: one signal for all, as Linux).
                deadline = interval > 0
                    ? IntervalTimer.SaturatingAdd(deadline, (long)Math.Min(((now - deadline) / interval + 1) * (double)interval, long.MaxValue))
                    : 0;
                _itimers[i] = (deadline, interval);
            }
            if (_watchLimit)
            {
                var (soft, hard) = _leader.Limits.Values[RLIMIT_CPU];
                if (hard != RLimits.Infinity && prof >= (long)Math.Min(hard, long.MaxValue / NsPerSec) * NsPerSec) fire.Add(Task.SIGKILL);
                else if (soft != RLimits.Infinity && prof >= (long)Math.Min(soft, long.MaxValue / NsPerSec) * NsPerSec)
                {
                    // Every further second of CPU brings another SIGXCPU: Linux raises the soft limit by one.
                    fire.Add(Task.SIGXCPU);
                    _leader.Limits.Values[RLIMIT_CPU] = (soft + 1, hard);
                }
            }
            Rearm();
            _poll?.Change(PollMs, Timeout.Infinite);
        }
        foreach (int sig in fire) _leader.SendSignal(sig, Task.UserInfo(sig, Task.SI_KERNEL, 0, 0));
    }
}
