using AppKernel.Sentry.Kernel.Keys;
using AppKernel.Sentry.FileSystems.DevPts;
using System.Diagnostics;
using AppKernel.Platform;
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
//   → a System V IPC registry (Ipc: shm, sem, msg — a segment's attach count changes under the mm's lock) → its waiter
//   → FutexTable bucket (two buckets: lower index first) → FutexTable.Waiter
//   → a file's own lock (pipe buffer, eventfd, timerfd, epoll interest list, FileLocks of an inode, a terminal's Gate)
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
    public RseqPreempter RseqPreempter { get; } = new();
    public KeyService Keys { get; }
    /// <summary>The ordering keys kcmp(2) gives the objects it compares.</summary>
    public Syscalls.KcmpKeys KcmpKeys { get; } = new();
    /// <summary>Who waits for whose POSIX record lock (the deadlock check).</summary>
    public LockWaits LockWaits { get; } = new();
    /// <summary>memfds live in this kernel's hidden tmpfs, mounted nowhere.</summary>
    public Mount MemfdMount { get; } = new(new Dentry("/", null, TmpfsFs.Create(0x3ff)), null, null, "tmpfs", "memfd", false);
    /// <summary>The host epoll thread that tells waiters when a host fd (runsc's stdio) becomes ready.</summary>
    public HostFdWatcher HostFds { get; } = new();
    /// <summary>Sockets: the families, the abstract Unix names, the interfaces.</summary>
    public Net.NetStack Net { get; } = new();
    /// <summary>System V shared memory, semaphores and message queues (segments live in the memfd file system).</summary>
    public Ipc.SysvIpc SysvIpc { get; }
    /// <summary>The initial IPC namespace's POSIX message queues (what an OCI spec's mqueue mount shows).</summary>
    public FileSystems.Mqueue.MqueueFs Mqueue { get; } = new();
    /// <summary>Changes of any UTS namespace's host or domain name, for /proc/sys/kernel/{hostname,domainname}'s poll
    /// (one each for the whole kernel, as Linux's).</summary>
    public FileSystems.Synthetic.ChangeEvent HostnameChanged { get; } = new();
    public FileSystems.Synthetic.ChangeEvent DomainnameChanged { get; } = new();

    public const string Release = "6.1.0-appkernel";
    public const string Version = "#1 SMP PREEMPT_DYNAMIC AppKernel";

    public KernelOptions Options { get; }
    public ILogger Log { get; }
    /// <summary>The sandbox's first mount namespace (its setup's; tasks may be in others: Task.Ns).</summary>
    public MountNamespace Mounts { get; }
    /// <summary>The namespaces pid 1 starts in.</summary>
    public Namespaces InitNamespaces { get; }
    /// <summary>The cgroup2 hierarchy (every cgroup2 mount, /proc/PID/cgroup).</summary>
    public readonly FileSystems.Cgroups.CgroupHierarchy Cgroups = new();
    public Stopwatch Uptime { get; } = Stopwatch.StartNew();

    /// <summary>Whether syslog's READ_CLEAR or CLEAR emptied the kernel log (Syscalls/SyslogSyscalls).</summary>
    public bool LogCleared;
    readonly Dictionary<int, Task> _tasks = new();
    /// <summary>Guards the process tree (parents, children, zombies); wait4 sleeps on it.</summary>
    public readonly object TreeLock = new();
    int _nextPid = 1;
    readonly HashSet<long> _loggedUnimplemented = new();

    /// <summary>How guest code runs and traps: the kernel knows no more of it than <see cref="IPlatform"/> says.</summary>
    public IPlatform Platform => Options.Platform;
    /// <summary>The sandbox's pseudo-terminals (/dev/pts, /dev/ptmx).</summary>
    public DevPtsFs DevPts { get; }

    /// <summary>rootFs: the container's root directory (the gofer's); unless options say it is writable, an in-memory
    /// overlay keeps every change, so the host's files are never written. A read-only root has the overlay too, for
    /// the mount points the sandbox makes (its mount refuses the guest's writes).</summary>
    public Kernel(KernelOptions options, ILogger log, Inode rootFs)
    {
        Options = options;
        Log = log;
        Keys = new KeyService(this);
        SysvIpc = new Ipc.SysvIpc(MemfdMount);
        var root = options.Root == RootMode.Writable ? rootFs : TmpfsFs.Overlay(rootFs);
        Mounts = new MountNamespace(new Mount(new Dentry("/", null, root), null, null,
            options.Root == RootMode.Overlay ? "overlay" : "9p", options.RootFs, options.Root == RootMode.ReadOnly), TmpfsFs.Create(0x1ed));
        RootPidNs = new PidNamespace(this, NsInodes.PidInit);
        InitNamespaces = new Namespaces(Mounts, new UtsNamespace(options.Hostname, options.Domainname, NsInodes.UtsInit),
            new IpcNamespace(NsInodes.IpcInit) { SysvIpc = SysvIpc, Mqueue = Mqueue }) { PidForChildren = RootPidNs, Cgroup = Cgroups.InitNs };
        var dummyTask = Task.ForSetup(this);
        const int nosuid = Mount.MNT_NOSUID, nodev = Mount.MNT_NODEV, noexec = Mount.MNT_NOEXEC, relatime = Mount.MNT_RELATIME;
        MountSynthetic(dummyTask, "/proc", new ProcRoot(this, RootPidNs), "proc", nosuid | nodev | noexec | relatime);
        DevPts = new DevPtsFs(this, options.DevPts);
        MountSynthetic(dummyTask, "/dev", DevFs.Create(DevPts), "devtmpfs", nosuid | relatime, ",mode=755");
        MountSynthetic(dummyTask, "/dev/pts", DevPts.Root, "devpts", nosuid | noexec | relatime);
        MountSynthetic(dummyTask, "/sys", SysFs.Create(), "sysfs", nosuid | nodev | noexec | relatime);
        MountSynthetic(dummyTask, "/sys/fs/cgroup", Cgroups.Root, "cgroup2", nosuid | nodev | noexec | relatime);
        MountSynthetic(dummyTask, "/dev/shm", TmpfsFs.Create(0x3ff, new TmpfsSpace(TmpfsSpace.DefaultPages(options.CommitLimit))),
            "tmpfs", nosuid | nodev | relatime);
        if (options.HostNetwork) AppKernel.Sentry.Net.Host.HostInetFamily.Install(Net, HostFds);
    }

    /// <summary>A file system every sandbox has. Its mount point is made where the root lacks it, as runc makes
    /// /proc and /dev in an image that has neither; only a root that refuses the directory goes without.</summary>
    void MountSynthetic(Task t, string path, Inode root, string type, int flags, string superOptions = "")
    {
        var e = MountPoint(t, path, root.IsDir, out var at);
        if (e != Errno.None)
        {
            Log.LogDebug("no mount point {Path} in the root ({Errno}); {Type} not mounted", path, e, type);
            return;
        }
        Mounts.MountAt(at, root, type, type, false, flags).Super.Options = superOptions;
    }

    /// <summary>What an absolute path inside the sandbox names (symlinks followed), for setup code.</summary>
    public Errno Lookup(string path, out Inode inode)
    {
        var e = PathWalker.Resolve(Task.ForSetup(this), Mounts.RootPath, path, true, out var found);
        inode = e == Errno.None ? found.Inode : null!;
        return e;
    }

    /// <summary>Mounts root at path (an OCI mount: tmpfs, a bind mount's gofer tree …), making what is missing of
    /// path in the container's root as runc makes mount points: directories, and an empty file under a file's mount.
    /// ENOTDIR or EISDIR when the mount point's type is not the mounted root's.</summary>
    public Errno MountAt(string path, Inode root, string type, string source, bool readOnly)
    {
        var e = MountPoint(Task.ForSetup(this), path, root.IsDir, out var at);
        if (e != Errno.None) return e;
        Mounts.MountAt(at, root, type, source, readOnly);
        return Errno.None;
    }

    /// <summary>The mount point at path, with what is missing of it made: directories, and the last an empty file
    /// when the mounted root is not a directory.</summary>
    Errno MountPoint(Task t, string path, bool forDir, out VfsPath at)
    {
        at = Mounts.RootPath;
        var names = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < names.Length; i++)
        {
            bool last = i == names.Length - 1;
            var e = PathWalker.Resolve(t, at, names[i], true, out var next);
            if (e == Errno.ENOENT)
            {
                e = last && !forDir ? at.Inode.Create(t, names[i], InodeMode.S_IFREG | 0x1a4, out _) : at.Inode.Mkdir(t, names[i], 0x1ed);
                if (e == Errno.None || e == Errno.EEXIST) e = PathWalker.Resolve(t, at, names[i], true, out next);
            }
            if (e != Errno.None) return e;
            if (!last && !next.Inode.IsDir) return Errno.ENOTDIR;
            at = next;
        }
        return at.Inode.IsDir == forDir ? Errno.None : forDir ? Errno.ENOTDIR : Errno.EISDIR;
    }

    /// <summary>The sandbox's root PID namespace (the first task's).</summary>
    public PidNamespace RootPidNs { get; }

    public int AllocatePid() => AllocatePid(RootPidNs);

    /// <summary>A new task's global number, numbered too in ns and every namespace above it; -1 when ns's init has
    /// exited (only the task's own namespace is asked, as Linux's alloc_pid).</summary>
    public int AllocatePid(PidNamespace ns)
    {
        lock (_tasks)
        {
            if (ns.Dying) return -1;
            int id;
            do id = _nextPid++; while (_chosenPids.Contains(id));
            for (var n = ns; n is { IsRoot: false }; n = n.Parent) { n.Add(id); _nestedPids.Add(id); }
            return id;
        }
    }

    /// <summary>The largest pid plus one (/proc/sys/kernel/pid_max).</summary>
    public const int PidMax = 4194304;
    /// <summary>Global numbers set_tid chose: the counter never hands them out, as they may be named in namespaces
    /// that never numbered them.</summary>
    readonly HashSet<int> _chosenPids = new();
    /// <summary>Global numbers a namespace below the root has numbered: set_tid cannot take them again in the root.</summary>
    readonly HashSet<int> _nestedPids = new();

    /// <summary>
    /// clone3's set_tid (Linux's alloc_pid): setTid[0] is the number in ns, setTid[1] in its parent and so on; the
    /// levels not named count on. Each named number is checked, innermost first: within 1..pid_max-1 and not a
    /// number other than 1 in a namespace without an init (EINVAL), privilege over the namespace (EPERM, asked
    /// through mayChoose), not in use by a task, process group or session (EEXIST).
    /// </summary>
    public int AllocatePid(PidNamespace ns, int[] setTid, Func<PidNamespace, bool> mayChoose, out Errno err)
    {
        lock (_tasks)
        {
            err = Errno.EINVAL;
            if (setTid.Length > ns.Level + 1) return -1;
            if (ns.Dying) { err = Errno.ENOMEM; return -1; }
            var n = ns;
            for (int i = 0; i < setTid.Length; i++, n = n.Parent!)
            {
                int want = setTid[i];
                err = Errno.EINVAL;
                if (want < 1 || want >= PidMax || (want != 1 && !n.HasInit)) return -1;
                err = Errno.EPERM;
                if (!mayChoose(n)) return -1;
                err = Errno.EEXIST;
                int g = n.GlobalOf(want);
                if (g > 0 && _tasks.Values.Any(t => t.Tid == g || t.Pgid == g || t.Sid == g)) return -1;
                if (n.IsRoot && (_nestedPids.Contains(want) || _chosenPids.Contains(want))) return -1;
            }
            err = Errno.None;
            bool rootChosen = setTid.Length == ns.Level + 1;
            int id;
            if (rootChosen) _chosenPids.Add(id = setTid[^1]);
            else do id = _nextPid++; while (_chosenPids.Contains(id));
            n = ns;
            for (int i = 0; n is { IsRoot: false }; i++, n = n.Parent!)
            {
                if (i < setTid.Length) n.AddAs(id, setTid[i]); else n.Add(id);
                _nestedPids.Add(id);
            }
            return id;
        }
    }

    public void Register(Task t)
    {
        lock (_tasks)
        {
            _tasks[t.Tid] = t;
            t.Released = false; // a thread that execs leaves under its own tid and comes back under its leader's
        }
    }

    public void Unregister(Task t)
    {
        bool removed;
        lock (_tasks)
        {
            // A process leaves: its CPU time stays in the sandbox's total (a thread's is its process's).
            // Only t itself: a leader's tid may already name the thread that took its place (exec from a thread).
            removed = _tasks.TryGetValue(t.Tid, out var there) && there == t && _tasks.Remove(t.Tid);
            if (removed) t.Released = true;
            if (removed && t.Tid == t.Tgid)
            {
                _goneTicks.User += t.ExitTicks.User;
                _goneTicks.Sys += t.ExitTicks.Sys;
            }
        }
        if (removed) Cgroups.Release(t);
    }

    (long User, long Sys) _goneTicks;

    /// <summary>The guest's CPU time in clock ticks (user, system): every process's, those gone included
    /// (/proc/stat's cpu lines).</summary>
    public (long User, long Sys) GuestCpuTicks()
    {
        List<Task> live;
        (long User, long Sys) total;
        lock (_tasks)
        {
            live = new List<Task>(_tasks.Values);
            total = _goneTicks;
        }
        foreach (var p in live)
            if (p.Tid == p.Tgid)
            {
                var (u, s) = p.CpuTicks(thread: false);
                total.User += u;
                total.Sys += s;
            }
        return total;
    }

    public Task? FindTask(int tid)
    {
        lock (_tasks) return _tasks.GetValueOrDefault(tid);
    }

    public List<Task> Tasks()
    {
        lock (_tasks) return new List<Task>(_tasks.Values);
    }

    readonly ManualResetEventSlim _running = new(true);

    /// <summary>Whether `runsc pause` froze the sandbox.</summary>
    public bool Paused => !_running.IsSet;

    /// <summary>Freezes every task (`runsc pause`): a running guest is kicked back to the Sentry, and no task runs
    /// guest code again until <see cref="Resume"/>. A task in a syscall finishes it first.</summary>
    public void Pause()
    {
        _running.Reset();
        foreach (var t in Tasks()) t.Stub?.Kick();
    }

    public void Resume() => _running.Set();

    /// <summary>Called by a task before it runs guest code: waits while the sandbox is paused (an ending task goes on).</summary>
    internal void WaitWhilePaused(Task t)
    {
        while (!_running.IsSet && !t.Exited) _running.Wait(100);
    }

    /// <summary>Sends sig to every process of the sandbox, as from outside it (SI_USER, pid 0): `runsc kill --all`.</summary>
    public void SignalAll(int sig)
    {
        foreach (var p in Tasks())
            if (!p.Zombie && p.Tid == p.Tgid) p.SendSignal(sig, Task.UserInfo(sig, Task.SI_USER, 0, 0));
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
