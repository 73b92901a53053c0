namespace AppKernel.Sentry.Kernel;

/// <summary>
/// Job control for a whole process (Linux's group stop): a stop signal taken with its default action stops every
/// thread, each at its next return to the guest or where it sleeps; once all have stopped the parent hears of it
/// once (CLD_STOPPED, WUNTRACED). SIGCONT, when sent, lets them all go on (CLD_CONTINUED, WCONTINUED).
/// </summary>
public sealed partial class ThreadGroup
{
    readonly object _stopLock = new();
    /// <summary>The signal of the group stop in progress or in force; 0 when the group runs.</summary>
    int _stopSig;
    /// <summary>Every thread has stopped and the parent was told.</summary>
    bool _stopped;
    readonly HashSet<Task> _parked = new();

    /// <summary>For the parent's wait: the signal that stopped the group, not yet reported (WUNTRACED).</summary>
    public int StopReport;
    /// <summary>For the parent's wait: continued by SIGCONT, not yet reported (WCONTINUED).</summary>
    public bool ContinueReport;

    public bool StopPending => Volatile.Read(ref _stopSig) != 0;
    public bool Stopped { get { lock (_stopLock) return _stopped; } }

    /// <summary>A thread took a stop signal (default action): every thread is to stop.</summary>
    public void BeginStop(Task from, int sig)
    {
        lock (_stopLock)
        {
            if (_stopSig != 0) return;
            _stopSig = sig;
            StopSeq++;
        }
        foreach (var t in Threads())
            if (t != from) t.WakeUp(); // a running guest traps, a sleeping one parks where it sleeps
    }

    /// <summary>t, back from the guest, stops until SIGCONT or its death.</summary>
    public void Park(Task t)
    {
        SetParked(t, true);
        lock (_stopLock)
            while (_stopSig != 0 && !t.Exited && t.Tracer == null) Monitor.Wait(_stopLock, 200);
        SetParked(t, false);
    }

    /// <summary>t, sleeping in a syscall on obj (whose lock it holds), stops there: the lock is released while
    /// stopped and the syscall goes on waiting afterwards.</summary>
    public void ParkWhileBlocked(Task t, object obj)
    {
        // Parking may complete the stop, and the parent is told under the tree lock, which comes before obj in the
        // lock order (obj is a futex waiter, a pipe...): an exit that holds the tree lock and wakes this very sleep
        // would wait for obj while we waited for the tree lock. So obj is let go while parking; a wake-up that
        // comes meanwhile is found by the caller, which looks at its condition again after any sleep.
        Monitor.Exit(obj);
        try { SetParked(t, true); }
        finally { Monitor.Enter(obj); }
        while (StopPending && !t.Exited) Monitor.Wait(obj, 200);
        SetParked(t, false);
    }

    void SetParked(Task t, bool on)
    {
        lock (_stopLock)
        {
            if (on) _parked.Add(t);
            else _parked.Remove(t);
        }
        if (on) StopCheck();
    }

    /// <summary>The last thread to stop (or an exit that leaves only stopped ones) completes the group stop.</summary>
    void StopCheck()
    {
        int live = Count;
        int sig;
        lock (_stopLock)
        {
            if (_stopSig == 0 || _stopped || live == 0 || _parked.Count < live) return;
            _stopped = true;
            sig = _stopSig;
        }
        Leader.NotifyParent(5 /* CLD_STOPPED */, sig, () => { StopReport = sig; ContinueReport = false; });
    }

    /// <summary>A stop signal was sent: a pending SIGCONT is dropped in every thread.</summary>
    public void DiscardContinue()
    {
        foreach (var t in Threads()) t.Signals.Discard(Task.SIGCONT);
    }

    /// <summary>SIGCONT, when sent (even if blocked or ignored): pending stop signals are dropped and a stopped
    /// group goes on.</summary>
    public void Continue()
    {
        bool was, pending;
        lock (_stopLock)
        {
            was = _stopped;
            pending = _stopSig != 0;
            _stopSig = 0;
            _stopped = false;
            Monitor.PulseAll(_stopLock);
        }
        foreach (var t in Threads())
        {
            foreach (int s in (ReadOnlySpan<int>)[Task.SIGSTOP, Task.SIGTSTP, Task.SIGTTIN, Task.SIGTTOU]) t.Signals.Discard(s);
            if (pending) t.WakeUp();
        }
        if (was) Leader.NotifyParent(6 /* CLD_CONTINUED */, Task.SIGCONT, () => { StopReport = 0; ContinueReport = true; });
    }

    /// <summary>A dying thread leaves a stopped group (SIGKILL): wake the parked ones to see it.</summary>
    public void PulseStop()
    {
        lock (_stopLock) Monitor.PulseAll(_stopLock);
    }
}
