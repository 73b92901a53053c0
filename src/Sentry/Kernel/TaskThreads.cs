namespace AppKernel.Sentry.Kernel;

/// <summary>
/// The OS threads that run tasks. ptrace makes a task's OS thread the tracer of its stub, so every task needs
/// one of its own; starting a .NET thread costs about as much as the rest of a fork's bookkeeping, so a thread
/// whose task has ended waits a while for the next task instead of exiting. The pool is the process's, like the
/// .NET thread pool: it holds host threads, no kernel state.
/// </summary>
static class TaskThreads
{
    const int MaxIdle = 16;
    const int IdleMs = 10_000;
    const int StackSize = 16 << 20;
    static readonly List<Worker> s_idle = new();

    sealed class Worker
    {
        readonly SemaphoreSlim _go = new(0);
        Action? _next;

        public void Give(Action work)
        {
            _next = work;
            _go.Release();
        }

        public void Loop(Action work)
        {
            while (true)
            {
                work();
                lock (s_idle)
                {
                    if (s_idle.Count >= MaxIdle) return;
                    s_idle.Add(this);
                }
                if (!_go.Wait(IdleMs))
                {
                    lock (s_idle)
                        if (s_idle.Remove(this)) return;
                    _go.Wait(); // taken just as the wait ran out: its work is on the way
                }
                work = _next!;
                _next = null;
            }
        }
    }

    /// <summary>Runs work on an idle task thread, or on a new one.</summary>
    public static void Run(Action work)
    {
        Worker? idle = null;
        lock (s_idle)
            if (s_idle.Count > 0)
            {
                idle = s_idle[^1];
                s_idle.RemoveAt(s_idle.Count - 1);
            }
        if (idle != null) { idle.Give(work); return; }
        var w = new Worker();
        new Thread(() => w.Loop(work), StackSize) { Name = "task", IsBackground = true }.Start();
    }
}
