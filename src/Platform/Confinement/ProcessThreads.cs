using AppKernel.Platform.Native;
using System.Runtime.CompilerServices;
using System.Text;
using static Tmds.Linux.LibC;

namespace AppKernel.Platform.Confinement;

/// <summary>
/// The threads of this process, and running a confinement step on every one of them.
///
/// Namespaces, the root and working directory (after unshare), capabilities, the capability bounding set and
/// no_new_privs belong to a Linux <em>thread</em>: unshare(2), capset(2) and prctl(2) change only the calling
/// thread, and a new thread copies them from the thread that creates it. Measured with out/runsc
/// (`runsc confine-check --threads`, .NET 10 NativeAOT, Linux 6.18):
/// <list type="bullet">
/// <item>At the first line of Main a NativeAOT process already has two threads: the main thread and
/// ".NET Finalizer" (started by the runtime before Main). It can never be single-threaded in managed code.</item>
/// <item>unshare(CLONE_NEWNS) in that two-thread process does NOT fail with EINVAL (EINVAL is for
/// CLONE_VM/CLONE_SIGHAND/CLONE_THREAD); it succeeds and moves only the calling thread: the finalizer, and every
/// thread it or another unmoved thread starts later (thread-pool gate and workers, the signal-handling thread),
/// stay in the host's mount namespace with the host's root.</item>
/// <item>Console use starts ".NET SigHandler"; the first Task starts ".NET TP Gate" and workers.</item>
/// </list>
/// So each confinement step here runs on the calling thread <em>and</em> on the finalizer thread (reached by a
/// signal whose handler makes the step's calls, <see cref="ThreadSteps"/>; failing that, by letting a finalizable
/// object die and waiting for pending finalizers), and refuses with EBUSY when the process has any other thread.
/// Callers must therefore confine first thing in Main or the command action,
/// before writing to the Console, starting tasks, timers or threads. Threads started afterwards inherit
/// everything from the (confined) thread that starts them.
/// </summary>
public static unsafe class ProcessThreads
{
    static int statusFd = -1;
    static readonly object Gate = new();

    /// <summary>The kernel's answer: unshare(CLONE_VM) is a no-op for a single-threaded caller and EINVAL otherwise.</summary>
    public static bool IsSingleThreaded() => unshare(ConfinementNative.CLONE_VM) == 0;

    public static int CurrentThreadId => (int)ConfinementNative.syscall(ConfinementNative.SYS_gettid, 0, 0, 0);

    /// <summary>
    /// The "Threads:" count of /proc/self/status; -1 if it cannot be read. The file is opened once and kept
    /// (close-on-exec) so that the count stays readable after the mount jail hides /proc. A descriptor of a
    /// /proc file (not a directory) gives no way to reach other /proc entries.
    /// </summary>
    public static int Count()
    {
        foreach (var line in Status().Split('\n'))
            if (line.StartsWith("Threads:", StringComparison.Ordinal) && int.TryParse(line.AsSpan(8).Trim(), out int count))
            {
                if (count == 2 && s_otherTid == 0) s_otherTid = FindOtherThread();
                return count;
            }
        return -1;
    }

    /// <summary>The thread other than the caller, noted by <see cref="Count"/> while /proc is still visible (before
    /// the jail): the finalizer, which <see cref="RunOnOtherThreadIfAny"/> signals. 0 until known, -1 if not found.</summary>
    static int s_otherTid;

    static int FindOtherThread()
    {
        int self = CurrentThreadId;
        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc/self/task"))
                if (int.TryParse(Path.GetFileName(dir), out int tid) && tid != self) return tid;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return -1;
    }

    /// <summary>The text of /proc/self/status (of the thread-group leader) through the kept descriptor; "" if unreadable.</summary>
    public static string Status()
    {
        lock (Gate)
        {
            if (statusFd < 0)
            {
                fixed (byte* p = "/proc/self/status\0"u8) statusFd = open(p, O_RDONLY | O_CLOEXEC);
                if (statusFd < 0) return "";
            }
            var buf = new byte[8192];
            long n;
            fixed (byte* b = buf) n = (long)pread(statusFd, b, buf.Length, 0);
            return n <= 0 ? "" : Encoding.ASCII.GetString(buf, 0, (int)n);
        }
    }

    /// <summary>"tid:name" of every thread, for diagnostics; empty when /proc is not visible.</summary>
    public static string[] Describe()
    {
        var result = new List<string>();
        try
        {
            foreach (var dir in Directory.GetDirectories("/proc/self/task"))
            {
                string tid = Path.GetFileName(dir);
                result.Add(tid + ":" + Host.ReadProcFile($"/proc/self/task/{tid}/comm").Trim());
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        result.Sort(StringComparer.Ordinal);
        return result.ToArray();
    }

    /// <summary>
    /// Runs <paramref name="steps"/> on the calling thread and then on the finalizer thread, the only other
    /// thread allowed to exist. EBUSY if there are more threads (or one starts meanwhile); the first failing
    /// step's errno otherwise. <paramref name="detail"/> names what failed.
    /// </summary>
    public static Errno OnEveryThread(string what, ThreadSteps steps, out string detail)
    {
        lock (Gate)
        {
            int before = Count();
            if (before < 0)
            {
                detail = $"{what}: cannot count threads (/proc/self/status was not readable before confinement)";
                return Errno.EINVAL;
            }
            if (before > 2)
            {
                detail = $"{what}: the process has {before} threads; confine before anything starts a thread " +
                    "(Console, tasks, timers): only the calling thread and the .NET finalizer may exist";
                return Errno.EBUSY;
            }
            int failed = -1;
            Errno e = Safe(() => steps.RunHere(out failed));
            if (e != Errno.None)
            {
                detail = $"{what} (calling thread, step {failed}): {e}";
                return e;
            }
            e = RunOnOtherThreadIfAny(steps, before, out string why);
            detail = e == Errno.None ? "" : $"{what}: {why}";
            return e;
        }
    }

    /// <summary>
    /// The second half of <see cref="OnEveryThread"/>: with <paramref name="threads"/> == 2 (counted before the
    /// caller's own step) runs <paramref name="steps"/> on the other thread, the finalizer; then checks that no
    /// thread appeared. The steps go by signal (<see cref="ThreadSteps.TryRunOn"/>); if the thread is unknown or
    /// does not take the signal within a second, through a finalizer's visit.
    /// </summary>
    public static Errno RunOnOtherThreadIfAny(ThreadSteps steps, int threads, out string detail)
    {
        lock (Gate)
        {
            if (threads == 2)
            {
                int failed = -1;
                Errno e;
                int tid = s_otherTid;
                if (tid <= 0 || !TrySignal(steps, tid, out e, out failed))
                {
                    e = RunOnFinalizerThread(() => steps.RunHere(out failed), out tid);
                    if (tid == 0 || tid == CurrentThreadId)
                    {
                        detail = "the finalizer thread did not run the step (or is the caller)";
                        return Errno.EBUSY;
                    }
                }
                if (e != Errno.None)
                {
                    detail = $"thread {tid}, step {failed}: {e}";
                    return e;
                }
            }
            int after = Count();
            if (after != threads)
            {
                detail = $"thread count changed from {threads} to {after} while confining";
                return Errno.EBUSY;
            }
            detail = "";
            return Errno.None;
        }
    }

    const int SignalWaitMs = 1000;

    static bool TrySignal(ThreadSteps steps, int tid, out Errno e, out int failed)
    {
        e = Errno.None;
        failed = -1;
        try { return steps.TryRunOn(tid, SignalWaitMs, out e, out failed); }
        catch (Exception) { return false; } // the code page could not be made: the finalizer's visit reports it
    }

    /// <summary>Runs <paramref name="action"/> on the finalizer thread and returns its result (tid 0: it did not run).</summary>
    public static Errno RunOnFinalizerThread(Func<Errno> action, out int tid)
    {
        lock (FinalizerVisit.Lock)
        {
            FinalizerVisit.Action = action;
            FinalizerVisit.Ran = false;
            FinalizerVisit.Tid = 0;
            for (int attempt = 0; attempt < 10 && !Volatile.Read(ref FinalizerVisit.Ran); attempt++)
            {
                AllocateVisit();
                // The visit is the newest object: a young, non-compacting collection finds it dead; a full compacting
                // one also moved the whole start-up heap, a few milliseconds of each confined process's start.
                GC.Collect(0, GCCollectionMode.Forced, blocking: true, compacting: false);
                GC.WaitForPendingFinalizers();
            }
            FinalizerVisit.Action = null;
            tid = FinalizerVisit.Tid;
            return FinalizerVisit.Ran ? FinalizerVisit.Result : Errno.EBUSY;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void AllocateVisit() => _ = new FinalizerVisit();

    sealed class FinalizerVisit
    {
        internal static readonly object Lock = new();
        internal static Func<Errno>? Action;
        internal static Errno Result;
        internal static int Tid;
        internal static bool Ran;

        ~FinalizerVisit()
        {
            var action = Action;
            if (action == null || Volatile.Read(ref Ran)) return;
            Tid = CurrentThreadId;
            Result = Safe(action);
            Volatile.Write(ref Ran, true);
        }
    }

    static Errno Safe(Func<Errno> step)
    {
        try { return step(); }
        catch (Exception) { return Errno.EFAULT; }
    }
}
