namespace AppKernel.Sentry.Kernel;

/// <summary>The threads of one process. The leader's exit is the process's exit (zombie, wait status).</summary>
public sealed class ThreadGroup
{
    readonly List<Task> _threads = new();
    public Task Leader { get; }

    public ThreadGroup(Task leader)
    {
        Leader = leader;
        _threads.Add(leader);
    }

    public void Add(Task t)
    {
        lock (_threads) _threads.Add(t);
    }

    public List<Task> Threads()
    {
        lock (_threads) return new List<Task>(_threads);
    }

    /// <summary>A task's run loop ended: true when it was a thread that leaves the process running (or going
    /// down without it); false for the leader, which then ends the process once every other thread is gone.</summary>
    public bool Leave(Task t)
    {
        lock (_threads)
        {
            _threads.Remove(t);
            if (t != Leader) { Monitor.PulseAll(_threads); return true; }
            // The leader waits for its threads (they were told to stop), so the process exits and is reaped last.
            // A thread stuck in a wait that cannot be interrupted yet does not hold the process forever: the
            // leader's stub then goes down with the whole host process.
            var deadline = Environment.TickCount64 + 5000;
            while (_threads.Count > 0 && Environment.TickCount64 < deadline) Monitor.Wait(_threads, 100);
            return false;
        }
    }

    /// <summary>exit_group: every thread ends; the leader reports code.</summary>
    public void ExitAll(Task from, int code)
    {
        foreach (var t in Threads())
            if (t != from) t.Stop(code, 0, false);
    }

    /// <summary>A fatal signal ends every thread; the leader reports it.</summary>
    public void TerminateAll(Task from, int sig, bool core)
    {
        foreach (var t in Threads())
            if (t != from) t.Stop(0, sig, core);
    }
}
