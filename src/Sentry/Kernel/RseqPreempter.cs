using System.Collections.Concurrent;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// The preemption the Sentry makes for restartable sequences. The host schedules the guest's threads and never
/// tells the Sentry, so a thread spinning in a critical section would never be aborted. One thread samples the
/// tasks with an rseq registration: one that has run guest code without a stop for a whole time slice, with a
/// critical section set (rseq_cs read from its memory), is kicked, and its run loop aborts the section before it
/// goes on (<see cref="Task.RseqInterrupted"/>). A thread without a section set is never kicked, so glibc's
/// registration in every thread costs nothing; with no registered task in the guest the sampling slows down.
/// </summary>
public sealed class RseqPreempter
{
    /// <summary>Linux preempts a spinning thread within a few scheduler ticks; a slice here is 10 ms. While no
    /// registered task runs guest code, one look a second: a sandbox whose threads all wait uses no CPU to speak of
    /// (ten looks a second cost about 0.3% of a core).</summary>
    const int SliceMs = 10, IdleMs = 1000;
    /// <summary>How long a fence waits for a kicked thread to leave guest code.</summary>
    const int FenceWaitMs = 1000;
    const ulong OffRseqCs = 8;

    readonly ConcurrentDictionary<Task, byte> _tasks = new();
    readonly SemaphoreSlim _wake = new(0);
    Thread? _thread;

    public void Add(Task t)
    {
        _tasks[t] = 0;
        if (_thread == null)
        {
            lock (_tasks)
            {
                if (_thread != null) return;
                _thread = new Thread(Loop) { IsBackground = true, Name = "rseq-preempter" };
                _thread.Start();
            }
        }
        else if (_wake.CurrentCount == 0) _wake.Release();
    }

    public void Remove(Task t) => _tasks.TryRemove(t, out _);

    void Loop()
    {
        while (true)
        {
            if (_tasks.IsEmpty) { _wake.Wait(); continue; }
            bool running = false;
            foreach (var t in _tasks.Keys)
            {
                long run = t.GuestRuns;
                if ((run & 1) == 0 || t.Exited) continue;
                running = true;
                if (run != t.RseqSeenRun) { t.RseqSeenRun = run; continue; }
                // A whole slice in guest code: preempt it if it has a critical section set.
                ulong addr = t.RseqAddr;
                if (addr != 0 && t.Mem.Read(addr + OffRseqCs, out ulong cs) && cs != 0) t.RseqKick();
            }
            _wake.Wait(running ? SliceMs : IdleMs);
        }
    }

    /// <summary>membarrier's RSEQ fence from <paramref name="caller"/>: the other tasks of its address space.</summary>
    public void Fence(Task caller)
    {
        var running = new List<(Task T, long Run)>();
        foreach (var t in _tasks.Keys)
        {
            if (t == caller || t.MM != caller.MM || t.Exited) continue;
            if (t.RseqKick() is var run and not 0) running.Add((t, run));
        }
        long deadline = Environment.TickCount64 + FenceWaitMs;
        foreach (var (t, run) in running)
            while (t.GuestRuns == run && !t.Exited && Environment.TickCount64 < deadline) Thread.Sleep(1);
    }
}
