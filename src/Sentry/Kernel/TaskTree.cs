using AppKernel.Platform;
using AppKernel.Sentry.Memory;
using Microsoft.Extensions.Logging;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// Processes: fork (the stub forks itself, so the host copies the address space; the child stub is seized and
/// run by a new OS thread — ptrace's one tracer per stub), exit into a zombie, reaping with wait4/waitid, orphans going to pid 1. The whole tree is guarded by
/// one lock (Kernel.TreeLock), which waiters sleep on.
/// </summary>
public sealed partial class Task
{
    public const ulong CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800, CLONE_VFORK = 0x4000,
        CLONE_PARENT = 0x8000, CLONE_THREAD = 0x10000, CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000,
        CLONE_CHILD_CLEARTID = 0x200000, CLONE_CHILD_SETTID = 0x1000000, CLONE_CLEAR_SIGHAND = 0x100000000;
    const int CAP_CHECKPOINT_RESTORE = 40;

    public Task? Parent { get; private set; }
    /// <summary>personality(2)'s persona (PER_LINUX and its flags); per task, as Linux's.</summary>
    public uint Personality;
    /// <summary>ioprio_set's class and data (0: none set); per task, inherited by fork and clone.</summary>
    public ushort IoPriority;
    /// <summary>set_mempolicy's policy (null: MPOL_DEFAULT); per task, inherited by fork and clone.</summary>
    public MemPolicy? MemPolicy;
    /// <summary>Process group and session: the process's (its thread group keeps them), so every thread sees a change.</summary>
    public int Pgid { get => Group.Pgid; set => Group.Pgid = value; }
    public int Sid { get => Group.Sid; set => Group.Sid = value; }
    readonly List<Task> _children = new();
    /// <summary>Exited but not yet reaped by its parent.</summary>
    public bool Zombie { get; private set; }
    /// <summary>Told when this task has exited (its pidfds poll readable).</summary>
    public Vfs.WaitQueue ExitWaiters { get; } = new();
    /// <summary>Whether this task has been through ExitTree (its children handed on): a child exiting
    /// later has no parent to wait for it. (Exited alone is set earlier, while the task is still unwinding.)</summary>
    bool _gone;
    /// <summary>PR_SET_CHILD_SUBREAPER (the process's): orphaned descendants come here rather than to pid 1.</summary>
    public bool ChildSubreaper { get => Group.ChildSubreaper; set => Group.ChildSubreaper = value; }
    /// <summary>Set when a vfork child execs or exits: its parent waits for it.</summary>
    ManualResetEventSlim? _vforkDone;

    /// <summary>fork, vfork and process-creating clone. Threads (CLONE_THREAD, or CLONE_VM without vfork) are not yet supported.</summary>
    public long Fork(ulong flags, ulong stack, ulong ptid, ulong ctid, ulong tls, ulong pidfdAddr = 0, int[]? setTid = null,
        FileSystems.Cgroups.Cgroup? cgroup = null)
    {
        var bad = CheckCloneFlags(flags, tls);
        if (bad != Errno.None) return -(long)bad;
        if ((flags & CLONE_THREAD) != 0) return NewThread(flags, stack, ptid, ctid, tls, setTid, cgroup);
        // CLONE_PIDFD's slot must take the fd before any child exists (Linux fails the clone with EFAULT).
        if (pidfdAddr != 0 && !Mem.Write(pidfdAddr, -1)) return -(long)Errno.EFAULT;
        // CLONE_VM (vfork, posix_spawn): the child runs in our memory until it execs or exits — its stub is a host
        // process sharing our stub's address space, and it shares our memory manager.
        bool sharedVm = (flags & CLONE_VM) != 0;
        UserNamespace? userNs = null;
        if ((flags & Namespaces.CLONE_NEWUSER) != 0)
        {
            var ue = UserNamespace.Create(Creds, Chrooted, out userNs);
            if (ue != Errno.None) return -(long)ue;
        }
        if ((flags & Namespaces.CLONE_NEWPID) != 0 && CheckNewPidNs() is var pidNsErr and not Errno.None) return -(long)pidNsErr;
        // A new cgroup namespace is rooted where the child starts (cgroup_post_fork: CLONE_INTO_CGROUP's cgroup).
        var ns = Ns.CopyFor(flags, out var mountMap, cgroup ?? Kernel.Cgroups.Of(this));
        ns.Own(flags, userNs ?? Creds.UserNs);
        // The child is numbered in our children's PID namespace and every one above; a namespace whose init is gone takes no one.
        int tid;
        if (setTid == null) tid = Kernel.AllocatePid(ns.PidForChildren);
        else
        {
            // Choosing pids needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE over each namespace, as the child's
            // credentials have them: in a user namespace made with it, all of them.
            tid = Kernel.AllocatePid(ns.PidForChildren, setTid, n => MayChoosePid(n, userNs), out var pe);
            if (tid < 0) return -(long)pe;
        }
        if (tid < 0) return -(long)Errno.ENOMEM;
        var child = new Task(Kernel)
        {
            Ns = ns,
            PidNs = ns.PidForChildren,
            Tid = tid,
            Tgid = tid,
            Regs = Regs,
            Fds = (flags & CLONE_FILES) != 0 ? Fds.Share() : Fds.Fork(),
            Fs = (flags & CLONE_FS) != 0 ? Fs : new FsContext { Root = Fs.Root, Cwd = Fs.Cwd, Umask = Fs.Umask },
            Signals = Signals.Fork(shareActions: (flags & CLONE_SIGHAND) != 0),
            Creds = Creds.Fork(),
            Limits = Limits.Fork(),
            Comm = Comm,
            Exe = Exe,
            NoNewPrivs = NoNewPrivs,
            Seccomp = Seccomp,
            Landlock = Landlock,
            // SCHED_RESET_ON_FORK is not inherited, and resets a raised priority (the fair policies stay).
            Nice = (SchedPolicy & Syscalls.SchedAttrSyscalls.SCHED_RESET_ON_FORK) != 0 ? Math.Max(Nice, 0) : Nice,
            SchedPolicy = SchedPolicy & ~Syscalls.SchedAttrSyscalls.SCHED_RESET_ON_FORK,
            Affinity = Affinity,
            ClearChildTid = (flags & CLONE_CHILD_CLEARTID) != 0 ? ctid : 0,
            Pgid = Pgid,
            Sid = Sid,
            Tty = Tty,
            Personality = Personality,
            IoPriority = IoPriority,
            MemPolicy = MemPolicy,
            // A CLONE_PARENT child is its grandparent's as the caller is, so it tells it with the caller's own exit signal (Linux's copy_process).
            ExitSignal = (flags & CLONE_PARENT) != 0 ? Group.Leader.ExitSignal : (int)(flags & 0xff),
        };
        if (userNs != null) child.Creds.EnterUserNs(userNs);
        child.Creds.ThreadKeyring = child.Creds.ProcessKeyring = null; // a new process keeps only the session keyring
        if ((flags & CLONE_CLEAR_SIGHAND) != 0) child.Signals.ResetHandlers();
        if (mountMap != null) child.Fs.MoveTo(mountMap);
        child.StartRegs(flags, stack, tls);
        if ((flags & CLONE_VFORK) != 0) child._vforkDone = new ManualResetEventSlim();
        // The parent's tid word has the child's pid as we see it; the child's word (CLONE_CHILD_SETTID) as it sees itself.
        if ((flags & CLONE_PARENT_SETTID) != 0 && !Mem.Write(ptid, PidNs.IdOf(child.Tid))) return -(long)Errno.EFAULT;
        RseqInherit(child, sharedVm); // before the child runs

        // The pids controller may refuse the child (EAGAIN) before it is anyone's.
        if (Kernel.Cgroups.Attach(child, this, cgroup) is var ce and not Errno.None)
        {
            child.Fds.Release();
            return -(long)ce;
        }
        // Children belong to the process (any of its threads may wait for them), so the leader keeps them.
        var parent = (flags & CLONE_PARENT) != 0 && Parent != null ? Parent : Group.Leader;
        int ptraceEvent = PtraceForkChild(child, flags);
        lock (Kernel.TreeLock)
        {
            child.Parent = parent;
            child.ParentThread = parent == Group.Leader ? this : parent;
            child.Group.CoredumpFilter = Group.CoredumpFilter; // Linux keeps it in the mm, which the child copies
            parent._children.Add(child);
        }
        Kernel.Register(child);

        // The stub forks itself: the host copies the address space copy-on-write. The mappings are noted at the
        // same moment, under the lock other threads of this process change them with.
        long hostPid;
        MemoryManager childMM;
        lock (MM)
        {
            hostPid = sharedVm ? Stub!.CloneVm() : Stub!.ForkStub();
            childMM = sharedVm ? MM : MM.ForkFor(null);
            // The child's copies of System V segments are attaches of their own; a CLONE_VM child is one more user.
            if (sharedVm) MM.AddUser(); else childMM.SyncShm(Tgid);
        }
        child.SemUndo = ShareSemUndo(flags);
        Exception? failed = hostPid < 0
            ? new PlatformException($"fork of the stub failed: {(Errno)(-hostPid)}")
            : StartTaskThread(child, ParentReturns(flags, ptraceEvent), () =>
            {
                var stub = Kernel.Platform.Adopt(hostPid);
                if (!sharedVm) childMM.Space = stub;
                child.InstallAddressSpace(stub, childMM);
                if ((flags & CLONE_CHILD_SETTID) != 0) stub.Memory.Write(ctid, child.OwnTid);
            });
        if (failed != null)
        {
            // A guest meeting its limits (a pids cgroup refusing the stub or the Sentry's thread) is no Sentry
            // fault: debug level, and EAGAIN as Linux answers a fork over pids.max.
            Kernel.Log.LogDebug("fork failed: {Error}", failed.Message);
            // The stub was made but never seized: a process is killed and reaped here; a thread of a shared address
            // space stays parked in its stub until that process ends.
            if (failed is NoHostThreadException && hostPid > 0 && !sharedVm)
            {
                Tmds.Linux.LibC.kill((int)hostPid, SIGKILL);
                Platform.Native.Host.Reap((int)hostPid);
            }
            lock (Kernel.TreeLock) { parent._children.Remove(child); child.PtraceUnlink(); }
            Kernel.Unregister(child);
            Kernel.Cgroups.Exit(child);
            child.Fds.Release();
            childMM.ReleaseUser(Tgid);
            child.ExitSem();
            child.RseqReset();
            return -(long)(hostPid < 0 && (Errno)(-hostPid) != Errno.EAGAIN ? Errno.ENOMEM : Errno.EAGAIN);
        }
        // CLONE_PIDFD: the pidfd goes into our table only (the child's copy was made before), close-on-exec.
        if (pidfdAddr != 0)
        {
            int fd = Fds.Install(new FileSystems.Anon.PidFd(child, 0), true, 0, Limits.NoFile);
            if (fd >= 0 && !Mem.Write(pidfdAddr, fd)) Fds.Close(fd);
        }
        // RLIMIT_CPU is inherited and counts the child's own CPU time (interval timers are not inherited).
        if (child.Limits.Values[RLimits.RLIMIT_CPU].Cur != RLimits.Infinity) child.CpuTimers.LimitChanged();
        if (ptraceEvent != 0) PtraceEvent(ptraceEvent, PidForTracer(child.Tid));
        // The vfork parent waits until the child execs or exits.
        if (child._vforkDone is { } done)
        {
            AwaitVforkChild(done);
            PtraceEvent(Ptrace.EVENT_VFORK_DONE, PidForTracer(child.Tid));
        }
        return PidNs.IdOf(child.Tid);
    }

    /// <summary>Linux's copy_process checks, made before anything is created. A TLS base the host would refuse
    /// (non-canonical) is EPERM as arch_prctl's: it must never reach the registers of a new stub.</summary>
    Errno CheckCloneFlags(ulong flags, ulong tls)
    {
        const ulong CLONE_NEWNS = Namespaces.CLONE_NEWNS, CLONE_NEWUSER = Namespaces.CLONE_NEWUSER;
        if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS)) return Errno.EINVAL;
        if ((flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS)) return Errno.EINVAL;
        // A thread stays in its process's PID namespace: none new, and not after unshare(CLONE_NEWPID).
        if ((flags & CLONE_THREAD) != 0 && ((flags & (CLONE_NEWUSER | Namespaces.CLONE_NEWPID)) != 0 || Ns.PidForChildren != PidNs))
            return Errno.EINVAL;
        // Namespaces this kernel cannot make are refused as by a kernel built without them; the others need
        // CAP_SYS_ADMIN (copy_namespaces).
        if ((flags & Namespaces.Unsupported) != 0 && (flags & CLONE_THREAD) == 0) return Errno.EINVAL;
        // A thread stays in its process's user namespace (copy_process).
        if ((flags & (CLONE_THREAD | CLONE_NEWUSER)) == (CLONE_THREAD | CLONE_NEWUSER)) return Errno.EINVAL;
        // With CLONE_NEWUSER the new namespaces belong to the child's new user namespace, where it holds every capability.
        if ((flags & Namespaces.Supported) != 0 && (flags & (CLONE_THREAD | CLONE_NEWUSER)) == 0 && !Creds.HasIn(Creds.UserNs, Credentials.CAP_SYS_ADMIN)) return Errno.EPERM;
        if ((flags & CLONE_THREAD) != 0 && (flags & CLONE_SIGHAND) == 0) return Errno.EINVAL;
        if ((flags & CLONE_SIGHAND) != 0 && (flags & CLONE_VM) == 0) return Errno.EINVAL;
        if ((flags & CLONE_PARENT) != 0 && IsPidNsInit) return Errno.EINVAL; // an init (of any PID namespace) makes no siblings
        if ((flags & CLONE_SETTLS) != 0 && tls >= MemoryManager.TaskSize) return Errno.EPERM;
        return Errno.None;
    }

    /// <summary>
    /// A thread (CLONE_THREAD, with CLONE_VM and CLONE_SIGHAND): a new host thread in our stub process, seized by a
    /// new OS thread of ours; memory manager, fds, fs and dispositions are shared, the signal mask is its own.
    /// </summary>
    bool MayChoosePid(PidNamespace n, UserNamespace? childUserNs) =>
        (childUserNs != null && n.Owner == childUserNs) ||
        Creds.HasIn(n.Owner, Credentials.CAP_SYS_ADMIN) || Creds.HasIn(n.Owner, CAP_CHECKPOINT_RESTORE);

    long NewThread(ulong flags, ulong stack, ulong ptid, ulong ctid, ulong tls, int[]? setTid, FileSystems.Cgroups.Cgroup? cgroup)
    {
        if ((flags & CLONE_VM) == 0 || (flags & CLONE_SIGHAND) == 0) return -(long)Errno.EINVAL;
        if (PidNs.Dying) return -(long)Errno.ENOMEM; // the namespace's init is gone (alloc_pid)
        long hostTid;
        lock (MM) hostTid = Stub!.CloneThread();
        if (hostTid < 0) return -(long)Errno.EAGAIN;
        // Closed in between: the host thread stays parked in its stub until the process ends.
        int tid;
        if (setTid == null) tid = Kernel.AllocatePid(PidNs);
        else
        {
            tid = Kernel.AllocatePid(PidNs, setTid, n => MayChoosePid(n, null), out var pe);
            if (tid < 0) return -(long)pe;
        }
        if (tid < 0) return -(long)Errno.ENOMEM;
        var child = new Task(Kernel)
        {
            Tid = tid,
            Tgid = Tgid,
            PidNs = PidNs,
            Regs = Regs,
            Fds = Fds.Share(),
            Fs = Fs,
            Ns = Ns,
            Signals = Signals.ShareActions(),
            // Credentials are per thread as in Linux (glibc's setuid makes every thread call it); a thread's
            // capset is its own (gVisor's tests drop a capability in one thread and keep it in another).
            Creds = Creds.Fork(),
            Limits = Limits,
            Comm = Comm,
            Exe = Exe,
            NoNewPrivs = NoNewPrivs,
            Seccomp = Seccomp,
            Landlock = Landlock,
            // SCHED_RESET_ON_FORK is not inherited, and resets a raised priority (the fair policies stay).
            Nice = (SchedPolicy & Syscalls.SchedAttrSyscalls.SCHED_RESET_ON_FORK) != 0 ? Math.Max(Nice, 0) : Nice,
            SchedPolicy = SchedPolicy & ~Syscalls.SchedAttrSyscalls.SCHED_RESET_ON_FORK,
            Affinity = Affinity,
            Personality = Personality,
            IoPriority = IoPriority,
            MemPolicy = MemPolicy,
            ClearChildTid = (flags & CLONE_CHILD_CLEARTID) != 0 ? ctid : 0,
            Parent = Parent,
            _group = Group,
            SemUndo = ShareSemUndo(flags),
        };
        child.StartRegs(flags, stack, tls);
        child.Creds.ThreadKeyring = null; // a thread shares the process and session keyrings, not the thread's
        if ((flags & CLONE_PARENT_SETTID) != 0) Mem.Write(ptid, child.OwnTid);
        if ((flags & CLONE_CHILD_SETTID) != 0) Mem.Write(ctid, child.OwnTid);
        if ((flags & CLONE_VFORK) != 0) child._vforkDone = new ManualResetEventSlim();
        if (Kernel.Cgroups.Attach(child, this, cgroup) is var ce and not Errno.None)
        {
            child.Fds.Release();
            child.ExitSem();
            return -(long)ce;
        }
        Group.Add(child);
        Kernel.Register(child);
        int ptraceEvent = PtraceForkChild(child, flags);
        int hostTgid = Stub.HostTgid;
        var failed = StartTaskThread(child, ParentReturns(flags, ptraceEvent), () => child.AdoptThreadStub(Kernel.Platform.AdoptThread(hostTid, hostTgid), MM));
        if (failed != null)
        {
            lock (Kernel.TreeLock) child.PtraceUnlink();
            Kernel.Unregister(child);
            Kernel.Cgroups.Exit(child);
            child.Fds.Release();
            child.ExitSem();
            Group.Remove(child);
            return -(long)Errno.EAGAIN;
        }
        if (ptraceEvent != 0) PtraceEvent(ptraceEvent, PidForTracer(child.Tid));
        // CLONE_VFORK with CLONE_THREAD: the caller waits for the thread's exit (or exec) all the same.
        if (child._vforkDone is { } done) AwaitVforkChild(done);
        return child.OwnTid;
    }

    /// <summary>A CLONE_VFORK caller's wait for its child's exec or exit. Killable only, as in Linux: the caller's own
    /// end (SIGKILL, exit_group from another thread) stops it. Blocked as in Task.Sleep: the platform counts this
    /// thread out, so that the child it waits for may spin for the Sentry (else each of the child's syscalls
    /// was a futex sleep and wake on both sides).</summary>
    void AwaitVforkChild(ManualResetEventSlim done)
    {
        Stub?.WillBlock();
        try { while (!done.Wait(20) && !Exited) { } }
        finally { Stub?.Woke(); }
    }

    /// <summary>The registers a new process or thread starts with: the parent's, clone returning 0, and the stack and TLS asked for.</summary>
    void StartRegs(ulong flags, ulong stack, ulong tls)
    {
        Regs.Rax = 0;
        if (stack != 0) Regs.Rsp = stack;
        if ((flags & CLONE_SETTLS) != 0) Regs.FsBase = tls;
    }

    /// <summary>
    /// Runs child on an OS thread of its own once adopt has given it a stub. Returns null, or why the child could
    /// not start. Where any thread may drive a context the parent adopts it here; under ptrace, whose tracer is the
    /// thread that seizes, the child's own thread adopts it while the parent waits.
    /// </summary>
    sealed class NoHostThreadException(Exception inner) : Exception("no host thread for the task", inner);

    Exception? StartTaskThread(Task child, bool parentReturns, Action adopt)
    {
        long runs = parentReturns ? GuestRuns : -1;
        bool adoptHere = !Kernel.Platform.OneThreadPerContext;
        if (adoptHere)
        {
            try { adopt(); }
            catch (Exception e) when (e is PlatformException or OutOfMemoryException) { return e; }
        }
        var ready = adoptHere ? null : new ManualResetEventSlim();
        Exception? failed = null;
        try
        {
            TaskThreads.Run(() =>
            {
                if (ready != null)
                {
                    try { adopt(); }
                    catch (Exception e) when (e is PlatformException or OutOfMemoryException) { failed = e; }
                    ready.Set();
                    if (failed != null) return;
                }
                AwaitReturnFromClone(runs);
                child.Run();
            });
        }
        catch (Exception e) when (e is OutOfMemoryException or ThreadStartException)
        {
            // No host thread (a pids limit holds the Sentry too). A stub adopted here is the child's: disposing it
            // ends (and reaps) what was made for it; otherwise the caller undoes the stub.
            if (!adoptHere) return new NoHostThreadException(e);
            child.Stub?.Dispose();
            return new PlatformException($"no host thread for the task: {e.Message}");
        }
        ready?.Wait();
        return failed;
    }

    /// <summary>Whether a clone goes straight back to guest code: not when it stops for its tracer, nor for a
    /// CLONE_VFORK parent, which waits for its child.</summary>
    static bool ParentReturns(ulong flags, int ptraceEvent) => ptraceEvent == 0 && (flags & CLONE_VFORK) == 0;

    /// <summary>
    /// On the new child's thread: lets the parent get back to guest code first, as Linux's clone returns while the
    /// child is only queued to run (a thread started on a stack in its parent's frame relies on it: the parent's
    /// return address lies below that stack). Waking the child's thread here would otherwise often preempt the
    /// parent's. Bounded, so that a parent held up elsewhere (a group stop, a slow machine) holds no child long.
    /// </summary>
    void AwaitReturnFromClone(long runs)
    {
        if (runs < 0) return;
        var spin = new SpinWait();
        long until = Environment.TickCount64 + 10;
        // The stub may be disposed meanwhile (an exec, an exit): ResumePending is safe to ask then.
        while ((GuestRuns == runs || Stub is { ResumePending: true }) && !Exited && Environment.TickCount64 < until)
            spin.SpinOnce(sleep1Threshold: -1);
    }

    /// <summary>The thread that made this process (its real_parent, a thread in Linux): its exit is what
    /// PR_SET_PDEATHSIG reports.</summary>
    public Task? ParentThread;

    /// <summary>A thread's run loop ended while its process goes on: CLONE_CHILD_CLEARTID (what pthread_join
    /// waits on), then its host thread ends.</summary>
    void ThreadExit()
    {
        OrphanThreadChildren();
        ExitRobustList();
        if (ClearChildTid != 0)
        {
            Mem.Write(ClearChildTid, 0);
            Syscalls.FutexSyscalls.Wake(this, ClearChildTid, 1);
        }
        Kernel.Unregister(this);
        _vforkDone?.Set();
        Fds.Release(); // before the group hears: an exec waiting for us then finds the table unshared
        if (Stub is { IsThread: false } main)
        {
            // The old leader of a thread that execs: the host process's main thread only exits (the process lives
            // on until the exec'ing thread has left it, and the host reports this exit only then), so the group
            // hears first that it is gone.
            Group.Remove(this);
            main.ExitThreadOnly();
            return;
        }
        Stub?.Dispose();
        Group.Remove(this);
    }

    /// <summary>
    /// The robust futex list (set_robust_list): every lock this thread still holds is marked FUTEX_OWNER_DIED and
    /// one waiter woken, so the next locker gets EOWNERDEAD instead of waiting forever (Linux's exit_robust_list).
    /// </summary>
    void ExitRobustList()
    {
        const uint FUTEX_WAITERS = 0x80000000, FUTEX_OWNER_DIED = 0x40000000, FUTEX_TID_MASK = 0x3fffffff;
        ulong head = RobustList;
        if (head == 0 || !Mem.Read(head, out ulong entry) || !Mem.Read(head + 8, out long offset) || !Mem.Read(head + 16, out ulong pending))
            return;
        void Death(ulong e)
        {
            ulong uaddr = (ulong)((long)(e & ~1UL) + offset);
            if (!Mem.Read(uaddr, out uint v) || (v & FUTEX_TID_MASK) != (uint)OwnTid) return;
            uint nv = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
            if (!Mem.Write(uaddr, nv)) return;
            if ((nv & FUTEX_WAITERS) != 0) Syscalls.FutexSyscalls.Wake(this, uaddr, 1);
        }
        for (int i = 0; i < 2048 && (entry & ~1UL) != head; i++)
        {
            if (!Mem.Read(entry & ~1UL, out ulong next)) break;
            if ((entry & ~1UL) != (pending & ~1UL)) Death(entry);
            entry = next;
        }
        if (pending != 0) Death(pending);
    }

    /// <summary>
    /// execve from a thread that is not the leader, once the others are gone: this thread becomes the process
    /// under the old leader's pid (its own tid disappears), with its parent, children and the signals pending for
    /// the process, as Linux's de_thread (process group, session and subreaper flag are the thread group's already).
    /// </summary>
    internal void TakeOver(Task old)
    {
        lock (Kernel.TreeLock)
        {
            Kernel.Unregister(this);
            Tid = old.Tid;
            StartTime = old.StartTime;
            ExitSignal = old.ExitSignal;
            ChildrenTicks = (ChildrenTicks.User + old.ChildrenTicks.User, ChildrenTicks.Sys + old.ChildrenTicks.Sys);
            ChildrenMaxRssKb = Math.Max(ChildrenMaxRssKb, old.ChildrenMaxRssKb);
            foreach (var c in old._children)
            {
                c.Parent = this;
                _children.Add(c);
            }
            old._children.Clear();
            if (Parent != null)
            {
                int i = Parent._children.IndexOf(old);
                if (i >= 0) Parent._children[i] = this;
            }
            _vforkDone ??= old._vforkDone;
            Kernel.Register(this);
            Monitor.PulseAll(Kernel.TreeLock);
        }
        // What was sent to the process (kill) stays pending for it (one list for all threads); what was sent to the
        // old leader alone goes with it.
        old.Signals.DropOwn();
    }

    /// <summary>Whether this process has exec'd since fork: its parent may no longer move it to another group.</summary>
    bool _execed;

    /// <summary>exec succeeded: a vfork parent may go on.</summary>
    public void ExecDone()
    {
        _execed = true;
        _vforkDone?.Set();
    }

    /// <summary>The end of Run: become a zombie for the parent to reap; children go to pid 1.</summary>
    void ExitTree()
    {
        // A session leader's end takes the terminal from its session (its foreground group hears SIGHUP).
        if (Sid == Tgid && Tty != null) JobControl.Disassociate(this, onExit: true);
        PtraceTracerGone();
        if (!PidNs.IsRoot && IsPidNsInit) ZapPidNs();
        var orphans = new List<Task>();
        lock (Kernel.TreeLock)
        {
            // Orphans go to the nearest living subreaper among our ancestors, else to our namespace's init.
            var heir = Reaper();
            orphans.AddRange(_children);
            foreach (var c in _children)
            {
                if (heir == null || heir == this || heir._gone) { c.Parent = null; continue; }
                c.Parent = heir;
                c.ExitSignal = SIGCHLD; // as Linux's reparenting: the new parent is told with SIGCHLD
                heir._children.Add(c);
            }
            _children.Clear();
            _gone = true;
            if (Parent != null && !Parent._gone)
            {
                // A parent ignoring SIGCHLD, or with SA_NOCLDWAIT, never sees a zombie: the child is reaped at once
                // (its wait ends in ECHILD), and only a handler still hears of it (Linux's do_notify_parent).
                var act = Parent.Signals.Actions[SIGCHLD];
                bool autoreap = ExitSignal == SIGCHLD && (act.Handler == SIG_IGN || (act.Flags & SA_NOCLDWAIT) != 0);
                if (autoreap)
                {
                    Parent._children.Remove(this);
                    Kernel.Unregister(this);
                }
                else Zombie = true;
                if (ExitSignal is > 0 and <= 64 && !(autoreap && act.Handler == SIG_IGN))
                {
                    var info = UserInfo(ExitSignal, ExitReport.Code, Tgid, Creds.Uid, ExitReport.Status);
                    Parent.SendSignal(ExitSignal, info);
                }
            }
            else Kernel.Unregister(this);
            _vforkDone?.Set();
            Monitor.PulseAll(Kernel.TreeLock);
        }
        ExitWaiters.Notify();
        JobControl.HangUpOrphans(this, orphans);
        // PR_SET_PDEATHSIG: each child that asked is told its parent is gone (children made by a thread that ended
        // earlier were told then: OrphanThreadChildren).
        foreach (var c in orphans)
            if (c.PdeathSig != 0) c.SendSignal(c.PdeathSig, UserInfo(c.PdeathSig, SI_USER, Tgid, Creds.Uid));
    }

    /// <summary>The children this thread made (or was handed as its process's leader), for task/[tid]/children.</summary>
    public List<Task> ChildrenOfThread()
    {
        lock (Kernel.TreeLock) return Group.Leader._children.FindAll(c => c.ParentThread == this);
    }

    /// <summary>A thread that ends while its process lives hands the children it made to the leader, and each that
    /// asked (PR_SET_PDEATHSIG) is told, as Linux's forget_original_parent does within a thread group.</summary>
    void OrphanThreadChildren()
    {
        var told = new List<Task>();
        lock (Kernel.TreeLock)
            foreach (var c in Group.Leader._children)
                if (c.ParentThread == this)
                {
                    c.ParentThread = Group.Leader;
                    if (c.PdeathSig != 0) told.Add(c);
                }
        foreach (var c in told) c.SendSignal(c.PdeathSig, UserInfo(c.PdeathSig, SI_USER, Tgid, Creds.Uid));
    }

    /// <summary>The signal the parent gets when this process ends (clone's low byte; 0 for none).</summary>
    public int ExitSignal = SIGCHLD;

    /// <summary>Internal wait option: report stops and continues only, never an exit (waitid without WEXITED).</summary>
    public const int WNOWAIT_EXITS = 0x00100000;
    public const int WNOHANG = 1, WUNTRACED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x01000000,
        __WNOTHREAD = 0x20000000, __WALL = 0x40000000, __WCLONE = unchecked((int)0x80000000);

    /// <summary>How the process ended, as SIGCHLD's and waitid's si_code and si_status: CLD_EXITED (1) with the exit
    /// code, or CLD_KILLED (2) / CLD_DUMPED (3) with the signal.</summary>
    (int Code, int Status) ExitReport => TermSignal == 0 ? (1, ExitCode) : (CoreDumped ? 3 : 2, TermSignal);

    /// <summary>The wait status word of a zombie (exit code or killing signal).</summary>
    public int WaitStatus => TermSignal != 0 ? TermSignal | (CoreDumped ? 0x80 : 0) : (ExitCode & 0xff) << 8;

    /// <summary>
    /// Waits for a child matching pid (wait4's rule: &gt;0 that pid, -1 any, 0 or &lt;-1 a process group — every child
    /// here, as process groups come later). Returns the reaped zombie, null with ECHILD or (WNOHANG) nothing yet.
    /// </summary>
    public Errno WaitChild(int pid, int options, out Task? reaped) => WaitChild(pid, options, out reaped, out _, out _, out _);

    /// <summary>
    /// Waits for a child matching pid (&gt;0 that pid, -1 any, 0 our process group, &lt;-1 that group): an exit
    /// (reaped unless WNOWAIT), or with WUNTRACED a stop and with WCONTINUED a continue, each reported once.
    /// status is wait4's word; code and info are waitid's si_code and si_status.
    /// </summary>
    public Errno WaitChild(int pid, int options, out Task? reaped, out int status, out int code, out int info)
    {
        reaped = null;
        status = code = info = 0;
        // pid and process group are the caller's namespace's numbers: one it cannot see matches no child.
        if (pid > 0 || pid < -1)
        {
            int g = pid == int.MinValue ? 0 : PidNs.GlobalOf(Math.Abs(pid));
            if (g == 0) return Errno.ECHILD;
            pid = pid > 0 ? g : -g;
        }
        lock (Kernel.TreeLock)
        {
            bool interrupted = false;
            while (true)
            {
                bool any = false;
                var me = Group.Leader; // the process's children (exec may change the leader while we sleep)
                foreach (var c in me._children)
                {
                    if (pid > 0 ? c.Tid != pid : pid == 0 ? c.Pgid != Pgid : pid < -1 && c.Pgid != -pid) continue;
                    // A "clone" child (exit signal other than SIGCHLD) is waited for only with __WCLONE or __WALL.
                    if ((options & __WALL) == 0 && (c.ExitSignal != SIGCHLD) != ((options & __WCLONE) != 0)) continue;
                    // Not waiting for exits: a zombie can never report a stop or continue, so it does not count
                    // (only zombies left: ECHILD, as Linux's wait_task_zombie leaves notask_error alone).
                    if (c.Zombie && (options & WNOWAIT_EXITS) != 0) continue;
                    any = true;
                    if (c.Zombie && c.Group.UnreapedThreadExits.Count > 0) continue;
                    if (c.Zombie && (options & WNOWAIT_EXITS) == 0)
                    {
                        status = c.WaitStatus;
                        (code, info) = c.ExitReport;
                        if ((options & WNOWAIT) == 0)
                        {
                            me.ChildrenTicks = (me.ChildrenTicks.User + c.ExitTicks.User + c.ChildrenTicks.User, me.ChildrenTicks.Sys + c.ExitTicks.Sys + c.ChildrenTicks.Sys);
                            me.ChildrenMaxRssKb = Math.Max(me.ChildrenMaxRssKb, Math.Max(c.ExitMaxRssKb, c.ChildrenMaxRssKb));
                            me._children.Remove(c);
                            c.Zombie = false;
                            Kernel.Unregister(c);
                        }
                        reaped = c;
                        return Errno.None;
                    }
                    // A child we trace reports its ptrace-stops instead (WaitTracees).
                    if (c.Tracer == me.Group) continue;
                    if ((options & WUNTRACED) != 0 && c.Group.StopReport != 0)
                    {
                        status = (c.Group.StopReport << 8) | 0x7f;
                        code = 5; // CLD_STOPPED
                        info = c.Group.StopReport;
                        if ((options & WNOWAIT) == 0) c.Group.StopReport = 0;
                        reaped = c;
                        return Errno.None;
                    }
                    if ((options & WCONTINUED) != 0 && c.Group.ContinueReport)
                    {
                        status = 0xffff;
                        code = 6; // CLD_CONTINUED
                        info = SIGCONT;
                        if ((options & WNOWAIT) == 0) c.Group.ContinueReport = false;
                        reaped = c;
                        return Errno.None;
                    }
                }
                if (WaitTracees(pid, options, ref reaped, ref status, ref code, ref info, out bool found)) any = true;
                if (found) return Errno.None;
                if (!any) return Errno.ECHILD;
                if ((options & WNOHANG) != 0) return Errno.None;
                // A child that exited while we were interrupted is still reported (it was looked at first).
                if (interrupted) return (Errno)(-RestartSys);
                interrupted = !Sleep(Kernel.TreeLock);
            }
        }
    }

    /// <summary>setpgid(2): pid 0 is the caller, pgid 0 the target's pid; only the caller or its children, in its session.</summary>
    public Errno SetPgid(int pid, int pgid)
    {
        if (pgid < 0) return Errno.EINVAL;
        // Both numbers are the caller's namespace's; a group it cannot see is none (EPERM below).
        if (pgid > 0 && (pgid = PidNs.GlobalOf(pgid)) == 0) return Errno.EPERM;
        lock (Kernel.TreeLock)
        {
            var target = pid == 0 || pid == OwnTgid ? this : Group.Leader._children.Find(c => PidNs.IdOf(c.Tgid) == pid);
            if (target == null) return Errno.ESRCH;
            if (target != this)
            {
                // A child: in our session, and only until it has exec'd (Linux's PF_FORKNOEXEC).
                if (target.Sid != Sid) return Errno.EPERM;
                if (target._execed) return Errno.EACCES;
            }
            if (target.Sid == target.Tgid) return Errno.EPERM; // a session leader stays in its group
            if (pgid == 0) pgid = target.Tgid;
            if (pgid != target.Tgid && !Kernel.Tasks().Exists(p => p.Pgid == pgid && p.Sid == Sid)) return Errno.EPERM;
            target.Pgid = pgid;
            return Errno.None;
        }
    }

    /// <summary>setsid(2): a new session and group led by the caller, unless it already leads a group.</summary>
    public long SetSid()
    {
        lock (Kernel.TreeLock)
        {
            if (Kernel.Tasks().Exists(p => p.Pgid == Tgid)) return -(long)Errno.EPERM;
            Sid = Pgid = Tgid;
            Tty = null; // a new session starts without a controlling terminal
            return OwnTgid;
        }
    }

    /// <summary>Live and zombie children (for /proc and diagnostics).</summary>
    public List<Task> Children()
    {
        lock (Kernel.TreeLock) return new List<Task>(Group.Leader._children);
    }
}
