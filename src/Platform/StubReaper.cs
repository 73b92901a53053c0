using System.Collections.Concurrent;
using AppKernel.Platform.Native;

namespace AppKernel.Platform;

/// <summary>
/// Reaps killed stub processes on a thread of its own, so that an exit or an exec does not wait while the host
/// tears a process down (0.1-0.25 ms here). A killed process keeps its pid until it is reaped, so nothing else can
/// be signalled by mistake meanwhile; what must outlive the process (its message area, its slot) is released after.
/// </summary>
static class StubReaper
{
    static readonly BlockingCollection<(int Pid, Action After)> s_dead = new();
    static readonly object s_startLock = new();
    static Thread? s_thread;

    /// <summary>Starts the reaper thread if it is not running; <see cref="Reap"/> starts it too. The platform starts it
    /// while the sandbox starts (<see cref="Systrap.SystrapPlatform.Prespawn"/>), so that the first exit does not
    /// wait while a thread is made (~0.4 ms here).</summary>
    public static void Start()
    {
        if (Volatile.Read(ref s_thread) != null) return;
        lock (s_startLock)
        {
            if (s_thread != null) return;
            var t = new Thread(() =>
            {
                foreach (var (pid, after) in s_dead.GetConsumingEnumerable())
                {
                    Host.Reap(pid);
                    // Releasing what the process used: a failure there must not end the Sentry (this thread is its own).
                    try { after(); }
                    catch (Exception) { }
                }
            }) { Name = "stub-reaper", IsBackground = true };
            t.Start();
            Volatile.Write(ref s_thread, t);
        }
    }

    /// <summary>Reaps pid (already killed), then runs after, on the reaper thread.</summary>
    public static void Reap(int pid, Action after)
    {
        Start();
        s_dead.Add((pid, after));
    }
}
