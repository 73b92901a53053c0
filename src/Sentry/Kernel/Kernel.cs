using System.Diagnostics;
using AppKernel.Sentry.FileSystems.Dev;
using AppKernel.Sentry.FileSystems.Proc;
using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.FileSystems.Tmpfs;
using AppKernel.Sentry.Vfs;
using Microsoft.Extensions.Logging;

namespace AppKernel.Sentry.Kernel;

// Lock order (a lock may be taken while holding only those above it):
//   Kernel.TreeLock (process tree, wait4)
//   → a thread group's / task's signal queue (Signals.Queue)
//   → a MemoryManager (lock (mm): VMAs, the stub's address space)
//   → FutexTable bucket (two buckets: lower index first) → FutexTable.Waiter
//   → a file's own lock (pipe buffer, eventfd, timerfd, epoll interest list, FileLocks of an inode)
//   → Kernel.LockWaits (the POSIX lock deadlock graph)
//   → WaitQueue (a waitable object's waiters) → a poller's Waiter
//   → FdTable._lock (never held while calling into a file; Borrow takes a reference instead)
// A task sleeps only through Task.Sleep on the object whose lock it holds, which releases that lock alone:
// never sleep holding a second lock.

/// <summary>The Sentry's global state: mounts, tasks, identity of the system, logging. Everything one sandbox
/// shares lives here (futex queues, task registry), not in static fields, so two kernels never meet.</summary>
public sealed class Kernel
{
    /// <summary>futex wait queues of this sandbox.</summary>
    public FutexTable Futexes { get; } = new();
    /// <summary>Who waits for whose POSIX record lock (the deadlock check).</summary>
    public LockWaits LockWaits { get; } = new();
    /// <summary>memfds live in this kernel's hidden tmpfs, mounted nowhere.</summary>
    public Mount MemfdMount { get; } = new(new Dentry("/", null, TmpfsFs.Create(0x3ff)), null, null, "tmpfs", "memfd", false);
    /// <summary>The host epoll thread that tells waiters when a host fd (runsc's stdio) becomes ready.</summary>
    public HostFdWatcher HostFds { get; } = new();

    public const string Release = "6.1.0-appkernel";
    public const string Version = "#1 SMP PREEMPT_DYNAMIC AppKernel";

    public KernelOptions Options { get; }
    public ILogger Log { get; }
    public MountNamespace Mounts { get; }
    public Stopwatch Uptime { get; } = Stopwatch.StartNew();
    readonly Dictionary<int, Task> _tasks = new();
    /// <summary>Guards the process tree (parents, children, zombies); wait4 sleeps on it.</summary>
    public readonly object TreeLock = new();
    int _nextPid = 1;
    readonly HashSet<long> _loggedUnimplemented = new();

    /// <summary>rootFs: the container's root directory (the gofer's); unless options say it is writable,
    /// an in-memory overlay keeps every change, so the host's files are never written.</summary>
    public Kernel(KernelOptions options, ILogger log, Inode rootFs)
    {
        Options = options;
        Log = log;
        var root = options.RootWritable ? rootFs : TmpfsFs.Overlay(rootFs);
        Mounts = new MountNamespace(new Mount(new Dentry("/", null, root), null, null,
            options.RootWritable ? "9p" : "overlay", options.RootFs, false));
        var dummyTask = Task.ForSetup(this);
        MountSynthetic(dummyTask, "/proc", new ProcRoot(this), "proc");
        MountSynthetic(dummyTask, "/dev", DevFs.Create(), "devtmpfs");
        MountSynthetic(dummyTask, "/sys", SysFs.Create(), "sysfs");
        MountSynthetic(dummyTask, "/dev/shm", TmpfsFs.Create(0x3ff), "tmpfs");
    }

    void MountSynthetic(Task t, string path, Inode root, string type)
    {
        // A rootfs without the directory still gets the mount: there is nothing to cover.
        if (PathWalker.Resolve(t, Mounts.RootPath, path, true, out var at) != Errno.None || !at.Inode.IsDir)
        {
            Log.LogDebug("{Path} is missing in the root; {Type} not mounted", path, type);
            return;
        }
        Mounts.MountAt(at, root, type, type, false);
    }

    public int AllocatePid()
    {
        lock (_tasks) return _nextPid++;
    }

    public void Register(Task t)
    {
        lock (_tasks) _tasks[t.Tid] = t;
    }

    public void Unregister(Task t)
    {
        lock (_tasks) _tasks.Remove(t.Tid);
    }

    public Task? FindTask(int tid)
    {
        lock (_tasks) return _tasks.GetValueOrDefault(tid);
    }

    public List<Task> Tasks()
    {
        lock (_tasks) return new List<Task>(_tasks.Values);
    }

    /// <summary>Logs every task's state (runsc do: SIGUSR2): what a stuck sandbox waits on.</summary>
    public void DescribeTasks()
    {
        var all = Tasks();
        all.Sort((a, b) => a.Tid.CompareTo(b.Tid));
        Log.LogWarning("task dump: {N} tasks", all.Count);
        foreach (var t in all) Log.LogWarning("{Task}", t.Describe());
    }

    /// <summary>Logs an unimplemented syscall once per number.</summary>
    public void LogUnimplemented(long nr, string name)
    {
        lock (_loggedUnimplemented)
            if (!_loggedUnimplemented.Add(nr)) return;
        Log.LogWarning("unimplemented syscall {Name} ({Nr}): ENOSYS", name, nr);
    }
}
