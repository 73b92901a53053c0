using System.Collections.Concurrent;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// The preemption the Sentry makes for restartable sequences. The host schedules the guest's threads and never
/// tells the Sentry, so a thread spinning in a critical section would never be aborted. One thread samples the
/// tasks with an rseq registration: one that has run guest code without a stop for a whole time slice, with a
/// critical section set (rseq_cs read from its memory), is kicked, and its run loop aborts the section before it
/// goes on (<see cref="Task.RseqInterrupted"/>). A thread without a section set is never kicked, so glibc's
/// registration in every thread costs nothing. While no registered task runs guest code the sampler sleeps until
/// one enters it (<see cref="GuestEntered"/>): a sandbox whose threads all wait uses no CPU for it, and creating a
/// thread (glibc registers each) wakes nothing.
/// </summary>
public sealed class RseqPreempter
{
    /// <summary>Linux preempts a spinning thread within a few scheduler ticks; a slice here is 10 ms. A look a
    /// slice costs about 0.3% of a core; woken from idle, the sampler still looks no more often.</summary>
    const int SliceMs = 10;
    /// <summary>How long a fence waits for a kicked thread to leave guest code.</summary>
    const int FenceWaitMs = 1000;
    const ulong OffRseqCs = 8;

    readonly ConcurrentDictionary<Task, byte> _tasks = new();
    readonly SemaphoreSlim _wake = new(0);
    Thread? _thread;
    /// <summary>1 from the start of a look that may find nothing running until a task entering guest code claims
    /// the wake: one release per idle wait.</summary>
    int _idle;

    public void Add(Task t)
    {
        _tasks[t] = 0;
        Start();
    }

    /// <summary>Starts the sampler thread if it is not running; <see cref="Add"/> starts it too. A process loaded
    /// from outside (<see cref="GuestProcess.Load"/>) starts it from the thread that waits for the load: creating a
    /// thread costs its creator ~0.4 ms here, which glibc's registration in the first thread would otherwise wait.</summary>
    public void Start()
    {
        if (Volatile.Read(ref _thread) != null) return;
        lock (_tasks)
        {
            if (_thread != null) return;
            var thread = new Thread(Loop) { IsBackground = true, Name = "rseq-preempter" };
            thread.Start();
            Volatile.Write(ref _thread, thread);
        }
    }

    public void Remove(Task t) => _tasks.TryRemove(t, out _);

    /// <summary>A registered task has marked itself in guest code (<see cref="Task.GuestRuns"/>) and is about to run
    /// it: wakes an idle sampler. The barrier keeps the mark before the read of the flag, as the sampler's exchange
    /// keeps the flag before its reads of the marks: one of the two sees the other.</summary>
    public void GuestEntered()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _idle) == 1 && Interlocked.Exchange(ref _idle, 0) == 1) _wake.Release();
    }

    void Loop()
    {
        while (true)
        {
            // Idle first, then look: a task that enters guest code after its look sees the flag and wakes us.
            Interlocked.Exchange(ref _idle, 1);
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
            if (running) Volatile.Write(ref _idle, 0);
            else _wake.Wait();
            Thread.Sleep(SliceMs);
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
