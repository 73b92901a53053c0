using AppKernel.Platform;
using AppKernel.Sentry.Memory;
using AppKernel.Sentry.Syscalls;
using AppKernel.Sentry.Vfs;
using Microsoft.Extensions.Logging;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// A guest thread. Its run loop lives on one dedicated OS thread (ptrace's rule): run the guest
/// until it traps, serve the syscall or fault, repeat.
/// </summary>
public sealed partial class Task
{
    public Kernel Kernel { get; }
    /// <summary>This task's /proc/[pid] and /proc/[pid]/task/[tid] directories (ProcPidDir), made at first lookup.</summary>
    public object? ProcDir, ProcThreadDir;
    public int Tid { get; private set; }
    /// <summary>The thread group (process) id: the leader's tid.</summary>
    public int Tgid { get; private set; }
    /// <summary>The parent's pid as the child sees it (0 for pid 1, whose parent is outside the sandbox).</summary>
    public int Ppid => Parent?.Tgid ?? 0;
    public Registers Regs;
    public IGuestContext? Stub { get; private set; }
    public MemoryManager MM { get; private set; } = null!;
    public FdTable Fds { get; private set; } = new();

    /// <summary>execve and unshare(CLONE_FILES): the fd table becomes the caller's own (a copy if it was shared).</summary>
    public void UnshareFds() => Fds = Fds.Unshare();

    /// <summary>unshare(CLONE_FS): root, cwd and umask become the caller's own.</summary>
    public void UnshareFs() => Fs = new FsContext { Root = Fs.Root, Cwd = Fs.Cwd, Umask = Fs.Umask };
    public FsContext Fs { get; private set; } = new();
    /// <summary>The task's namespaces (mount, UTS, IPC …); replaced whole by unshare and setns.</summary>
    public Namespaces Ns = null!;
    /// <summary>The task's cgroup (FileSystems/Cgroups; kept after exit for /proc/PID/cgroup).</summary>
    public FileSystems.Cgroups.Cgroup? Cgroup;
    public SignalState Signals { get; private set; } = new();
    public Credentials Creds { get; private set; } = new();
    public RLimits Limits { get; private set; } = new();
    public readonly IoAccounting Io = new();
    public string Comm = "";
    public VfsPath Exe;
    public ulong ClearChildTid, RobustList, RobustListLen;
    public int PdeathSig;
    /// <summary>setpriority's nice value (-20..19); fork and clone copy it.</summary>
    public int Nice;
    /// <summary>sched_setscheduler's policy: one of the fair ones (SCHED_OTHER, SCHED_BATCH, SCHED_IDLE), with
    /// SCHED_RESET_ON_FORK's bit; the host schedules the stubs the same whatever it is.</summary>
    public uint SchedPolicy;
    /// <summary>sched_setaffinity's CPU set (bit i: CPU i), kept and reported (the host schedules the stubs).</summary>
    public ulong Affinity = FileSystems.Proc.SystemInfo.AllCpus;
    public bool NoNewPrivs;
    /// <summary>True while the task resolves a path it is about to open for reading (a read-only open(2), execve, and
    /// readlink, mostly a realpath before an open): a file system whose lookup can bring the last node's read-only fd
    /// along does (the gofer tree's walk), and the open then needs no request of its own.</summary>
    internal bool ResolvingToRead;

    public bool Exited { get; internal set; }
    /// <summary>Whether /proc shows this task as a zombie (Linux's EXIT_ZOMBIE, set by exit_notify). A thread is one
    /// once it exits, and a leader that exited alone (exit(2)) once it waits for the threads that outlive it. When the
    /// whole process ends (exit_group, a fatal signal) the leader shows as one only once the process is a zombie that
    /// its tracers have no thread exits left to reap: gdb takes a zombie leader with threads left for one that exited
    /// alone and drops it from its thread list, and Linux's narrow window for that is a wide one here.</summary>
    public bool ExitNotified => Exited && (Tid != Tgid || (Group.GroupExit == null
        ? Group.LeaderWaits || Zombie
        : Zombie && Group.UnreapedThreadExits.Count == 0));

    /// <summary>Gone from the kernel's task table (reaped, or released as an ended thread): until then it keeps its
    /// /proc directory, as Linux's task does until release_task.</summary>
    public bool Released { get; internal set; }
    public int ExitCode { get; private set; }
    public int TermSignal { get; private set; }
    public bool CoreDumped { get; private set; }
    /// <summary>Set by a handler that replaced the registers (execve): the result is not written to rax.</summary>
    public bool RegsReplaced;
    /// <summary>The syscall being served (-1: none), for the task dump (Kernel.DescribeTasks).</summary>
    long _inSyscall = -1;

    /// <summary>The task a pid argument names in the caller's PID namespace: 0 is the caller; else a live or zombie
    /// task (null: ESRCH).</summary>
    public Task? Named(int pid) => pid == 0 ? this : pid < 0 ? null : PidNs.Lookup(pid);

    /// <summary>Guest memory through this task's own stub (a vfork child's stub shares, not owns, its memory).</summary>
    public GuestMemory Mem => Stub?.Memory ?? MM.Memory;

    /// <summary>When the task was created, as time since the kernel started (/proc/[pid]/stat's starttime).</summary>
    public TimeSpan StartTime { get; private set; }

    Task(Kernel k)
    {
        Kernel = k;
        StartTime = k.Uptime.Elapsed;
    }

    /// <summary>A task with no address space, used while the kernel builds its mounts.</summary>
    internal static Task ForSetup(Kernel k)
    {
        var t = new Task(k) { Ns = k.InitNamespaces, PidNs = k.RootPidNs };
        t.Fs.Root = t.Fs.Cwd = k.Mounts.RootPath;
        return t;
    }

    /// <summary>The first guest task (pid 1). Must be called on the thread that will run it.</summary>
    public static Task CreateInit(Kernel k)
    {
        var t = new Task(k) { Tid = k.AllocatePid(), Ns = k.InitNamespaces, PidNs = k.RootPidNs };
        t.Tgid = t.Tid;
        t.Fs.Root = t.Fs.Cwd = k.Mounts.RootPath;
        k.Register(t);
        k.Cgroups.Attach(t, null);
        return t;
    }

    ThreadGroup? _group;
    /// <summary>The task's process. Made on first use, which another task's signal may race with: one wins.</summary>
    public ThreadGroup Group
    {
        get
        {
            if (_group == null) Interlocked.CompareExchange(ref _group, new ThreadGroup(this), null);
            return _group;
        }
    }

    /// <summary>A guest thread's own stub thread, in its process's shared address space.</summary>
    internal void AdoptThreadStub(IGuestContext stub, MemoryManager mm)
    {
        Stub = stub;
        MM = mm;
    }

    /// <summary>Ends this thread from another thread (exit_group, a fatal signal): it stops at its next chance.</summary>
    public void Stop(int code, int sig, bool core)
    {
        if (Exited) return;
        ExitCode = code;
        TermSignal = sig;
        CoreDumped = core;
        Exited = true;
        WakeUp();
        _group?.PulseStop();
    }

    /// <summary>Swaps in an address space prepared by exec.</summary>
    public void InstallAddressSpace(IGuestContext stub, MemoryManager mm)
    {
        var old = Stub;
        var oldMM = MM;
        Stub = stub;
        MM = mm;
        if (old != null && old != stub) old.Dispose();
        if (oldMM != null && oldMM != mm) oldMM.ReleaseUser(Tgid); // exec: the old image's segments are detached
    }

    public void Run()
    {
        var table = SyscallTable.Handlers;
        var strace = Kernel.Options.Strace ? new Strace(this) : null;
        if (Tracer != null) DeliverSignals(); // a traced new child stops before it runs
        while (!Exited)
        {
            Kernel.WaitWhilePaused(this);
            EnterGuest();
            RunGuest(out var stop);
            LeaveGuest();
            switch (stop.Kind)
            {
                case StopKind.Syscall:
                    long nr = (long)Regs.OrigRax;
                    if (!stop.Patched) PatchSyscallSite(nr);
                    strace?.Enter(nr);
                    RegsReplaced = false;
                    bool skip = PtraceTracesSyscalls && PtraceSyscallEnter(ref nr);
                    _inSyscall = nr;
                    ServingThread.Context = Stub;
                    long ret = skip ? (long)Regs.Rax : Dispatch(table, nr);
                    ServingThread.Context = null;
                    _inSyscall = -1;
                    if (!RegsReplaced) Regs.Rax = (ulong)ret;
                    strace?.Exit(nr, ret);
                    if (Tracer != null) PtraceSyscallExit();
                    break;
                case StopKind.Signal:
                    var patched = EmulatePatchedSite(stop.Signal);
                    if (patched == SyscallPatches.Outcome.Syscall) goto case StopKind.Syscall;
                    if (patched == SyscallPatches.Outcome.None) OnSignal(stop);
                    break;
                case StopKind.Exited:
                    Kernel.Log.LogWarning("task {Tid}: stub vanished (status 0x{Status:x})", Tid, stop.WaitStatus);
                    // The process dies of SIGKILL: make sure its host process does too, or a host thread we lost
                    // track of (still stopped, never exiting) would keep the process from ever ending.
                    Stub?.KillHostProcess();
                    Terminate(9, false);
                    break;
            }
            DeliverSignals();
        }
        if (Tracer != null && TermSignal != SIGKILL) PtraceEvent(Ptrace.EVENT_EXIT, (ulong)WaitStatus);
        RseqReset();
        ExitSem();
        Kernel.Cgroups.Exit(this);
        if (Group.ExitsAlone(this))
        {
            PtraceExitNotify(leader: false);
            ThreadExit();
            return;
        }
        Group.WaitOthers(this);
        // After the leader's own exit(2) the parent hears the group's end (exit_group or a fatal signal), else the
        // code of the thread that ended last.
        if (Group.GroupExit is { } end) (ExitCode, TermSignal, CoreDumped) = end;
        else if (Group.LastExitCode is { } last) ExitCode = last;
        ExitTicks = CpuTicks(false);
        ExitMaxRssKb = MaxRssKb();
        ExitCpuNs = ProcessCpuNs();
        MM?.ReleaseUser(Tgid);
        Stub?.Dispose();
        // A vfork parent goes on once the child's memory is released (Linux's mm_release), before the exit is
        // reported: a tracer that only peeks at it (WNOWAIT) must not hold the parent in vfork.
        _vforkDone?.Set();
        Fds.Release();
        PtraceExitNotify(leader: true);
        ExitTree();
    }

    /// <summary>A syscall that trapped the slow way: its site becomes a jump to the platform's trampoline if it
    /// can (SyscallPatches). Not while traced: a debugger must see and step the guest's own code.</summary>
    void PatchSyscallSite(long nr)
    {
        if (Tracer != null || !Kernel.Options.SyscallPatching || MM == null) return;
        ulong trampoline = Stub!.SyscallTrampoline;
        if (trampoline == 0) return;
        lock (MM)
        {
            MM.Space = Stub; // the table is mapped by this thread's stub, as any address-space change
            MM.Patches.TryPatch(Regs.Rip, nr, trampoline);
        }
    }

    /// <summary>Puts this address space's patched sites back for good (a tracer attached, the guest set its own GS
    /// base). Written through this task's stub, as any address-space change; other threads may be running.</summary>
    internal void StopSyscallPatching()
    {
        if (MM == null || Stub == null) return;
        lock (MM)
        {
            MM.Space = Stub;
            MM.Patches.Stop();
        }
    }

    SyscallPatches.Outcome EmulatePatchedSite(int sig)
    {
        if (sig is not (SIGILL or SIGSEGV) || MM == null) return SyscallPatches.Outcome.None;
        lock (MM) return MM.Patches.Emulate(sig, ref Regs);
    }

    long Dispatch(SyscallHandler?[] table, long nr)
    {
        if (Seccomp is { } s && CheckSeccomp(s, ref nr) is { } refused) return refused;
        var h = nr >= 0 && nr < table.Length ? table[nr] : null;
        if (h == null)
        {
            Kernel.LogUnimplemented(nr, SyscallNames.Of(nr));
            return -(long)Errno.ENOSYS;
        }
        try
        {
            return h(this, Regs.Rdi, Regs.Rsi, Regs.Rdx, Regs.R10, Regs.R8, Regs.R9);
        }
        catch (Exception e)
        {
            // A bug in one handler fails that syscall, never the sandbox.
            Kernel.Log.LogError(e, "syscall {Name} failed internally", SyscallNames.Of(nr));
            return -(long)Errno.EFAULT;
        }
    }

    void OnSignal(in StopInfo stop)
    {
        int sig = stop.Signal;
        switch (sig)
        {
            case 4: case 5: case 7: case 8: case 11: // SIGILL SIGTRAP SIGBUS SIGFPE SIGSEGV: the guest faulted
                Fault(sig, stop.Info.Code, stop.Info.Addr);
                break;
            default:
                // Host signals to the stub (our own kick included) are not the guest's; Switch suppresses them.
                RseqInterrupted();
                break;
        }
    }

    /// <summary>exit(2): ends this thread only. A leader that exits while its threads run waits for them (its
    /// run loop's end waits in <see cref="ThreadGroup.WaitOthers"/>), and the process reports the leader's code
    /// unless one of them ends the group.</summary>
    public void ExitThread(int code)
    {
        ExitCode = code & 0xff;
        Exited = true;
    }

    public void ExitGroup(int code)
    {
        ExitCode = code & 0xff;
        Exited = true;
        Group.ExitAll(this, ExitCode);
    }

    public void Terminate(int sig, bool core)
    {
        TermSignal = sig;
        CoreDumped = core;
        Exited = true;
        Group.TerminateAll(this, sig, core);
    }

    /// <summary>One line for the task dump: where this task is and what it waits on.</summary>
    public string Describe()
    {
        long nr = Volatile.Read(ref _inSyscall);
        var on = Volatile.Read(ref _waitingOn);
        var g = _group;
        return $"task {Tid} (process {Tgid}, {Comm}): " +
            (Zombie ? "zombie" : Exited ? "exiting" : "live") +
            (nr >= 0 ? $", in {SyscallNames.Of(nr)}" : ", in the guest") +
            (on != null ? $", sleeping on {on.GetType().Name}" : "") +
            (g != null && g.StopPending ? ", group stop" : "") +
            (_vforkDone != null && !_vforkDone.IsSet ? ", vfork parent or child" : "");
    }

    /// <summary>The guest's status as a shell reports it: the exit code, or 128+signal.</summary>
    public int ShellStatus => TermSignal != 0 ? 128 + TermSignal : ExitCode;

    /// <summary>Whether the task's root is not its mount namespace's (Linux's current_chrooted).</summary>
    public bool Chrooted
    {
        get
        {
            var root = Ns.Mnt.RootPath;
            return Fs.Root.Mount != root.Mount || Fs.Root.Dentry.Inode != root.Dentry.Inode;
        }
    }

    /// <summary>Resolves a guest path relative to dirfd (or the cwd for AT_FDCWD).</summary>
    public Errno StartDir(int dirfd, string path, out VfsPath start)
    {
        start = Fs.Cwd;
        if (path.Length > 0 && path[0] == '/') { start = Fs.Root; return Errno.None; }
        if (dirfd == PathSyscalls.AT_FDCWD) return Errno.None;
        using var fRef = Fds.Borrow(dirfd); var f = fRef.File;
        if (f == null) return Errno.EBADF;
        if (!f.Path.IsValid) return Errno.ENOTDIR;
        start = f.Path;
        if (path.Length > 0 && !start.Inode.IsDir) return Errno.ENOTDIR;
        return Errno.None;
    }
}

public sealed class Credentials
{
    /// <summary>Kernel ids (kuids/kgids): the ids themselves in the initial user namespace; syscalls show them
    /// through <see cref="UserNs"/>'s maps.</summary>
    public uint Uid, Gid, Euid, Egid, Suid, Sgid, Fsuid, Fsgid;
    public uint[] Groups = Array.Empty<uint>();
    /// <summary>The user namespace these credentials live in: where their capabilities count and ids are seen.</summary>
    public UserNamespace UserNs = UserNamespace.Initial;
    /// <summary>The key service's thread, process and session keyrings (Linux keeps them in the cred), and
    /// KEYCTL_SET_REQKEY_KEYRING's default.</summary>
    public Keys.Key? ThreadKeyring, ProcessKeyring, SessionKeyring;
    public int ReqkeyDefault;

    // capability(7) numbers the Sentry checks; CAP_LAST_CAP is Linux 6.1's.
    public const int CAP_CHOWN = 0, CAP_DAC_OVERRIDE = 1, CAP_DAC_READ_SEARCH = 2, CAP_FOWNER = 3, CAP_FSETID = 4,
        CAP_KILL = 5, CAP_SETGID = 6, CAP_SETUID = 7, CAP_SETPCAP = 8, CAP_NET_BIND_SERVICE = 10, CAP_NET_BROADCAST = 11,
        CAP_NET_ADMIN = 12, CAP_NET_RAW = 13, CAP_IPC_LOCK = 14, CAP_SYS_CHROOT = 18, CAP_SYS_PTRACE = 19, CAP_SYS_ADMIN = 21,
        CAP_SYS_NICE = 23, CAP_SYS_RESOURCE = 24, CAP_SETFCAP = 31, CAP_SYSLOG = 34, CAP_LAST_CAP = 40;
    public const ulong AllCaps = (1UL << (CAP_LAST_CAP + 1)) - 1;
    /// <summary>What an fsuid change to or from 0 drops or raises (Linux's CAP_FS_MASK).</summary>
    const ulong FsCaps = 1UL << CAP_CHOWN | 1UL << CAP_DAC_OVERRIDE | 1UL << CAP_DAC_READ_SEARCH | 1UL << CAP_FOWNER
        | 1UL << CAP_FSETID | 1UL << 9 /* LINUX_IMMUTABLE */ | 1UL << 27 /* MKNOD */ | 1UL << 32 /* MAC_OVERRIDE */;

    /// <summary>The capability sets (bit n = capability n). Root starts with all, as a process of the host's root.</summary>
    public ulong CapEffective = AllCaps, CapPermitted = AllCaps, CapInheritable, CapBounding = AllCaps, CapAmbient;

    /// <summary>securebits (prctl PR_SET_SECUREBITS): each flag's lock is the bit above it. KEEP_CAPS is also
    /// PR_SET_KEEPCAPS's, and execve clears it.</summary>
    public uint Securebits;
    public const uint SECBIT_NOROOT = 1 << 0, SECBIT_NO_SETUID_FIXUP = 1 << 2, SECBIT_KEEP_CAPS = 1 << 4,
        SECBIT_KEEP_CAPS_LOCKED = 1 << 5, SECBIT_NO_CAP_AMBIENT_RAISE = 1 << 6;
    /// <summary>SECURE_ALL_BITS and SECURE_ALL_LOCKS.</summary>
    public const uint SecureAllBits = 0x55, SecureAllLocks = 0xaa;

    /// <summary>Linux's capable(): cap over the sandbox's initial user namespace (every global privilege).</summary>
    public bool Has(int cap) => UserNs.Parent == null ? (CapEffective >> cap & 1) != 0 : HasIn(UserNamespace.Initial, cap);

    /// <summary>Linux's cap_capable: cap in ns — held in our own namespace when ns is it or below it; or every
    /// capability in a namespace whose creator we are, made from ours (and so in all its descendants).</summary>
    public bool HasIn(UserNamespace ns, int cap)
    {
        for (var n = ns; n != null; n = n.Parent)
        {
            if (n == UserNs) return (CapEffective >> cap & 1) != 0;
            if (n.Level <= UserNs.Level) return false;
            if (n.Parent == UserNs && n.Owner == Euid) return true;
        }
        return false;
    }

    /// <summary>Linux's capable_wrt_inode_uidgid: cap in our namespace, over a file whose owner and group map there.</summary>
    public bool HasOver(int cap, uint kuid, uint kgid) =>
        HasIn(UserNs, cap) && UserNs.UidMap.Up(kuid) != IdMap.Invalid && UserNs.GidMap.Up(kgid) != IdMap.Invalid;

    /// <summary>The kernel id of uid 0 in our namespace (IdMap.Invalid while unmapped): who counts as root for
    /// the capability rules of set*uid and execve.</summary>
    uint RootUid => UserNs.UidFromUser(0);

    /// <summary>Moving into user namespace ns (creating it, or setns): every capability there, none inheritable,
    /// default securebits (Linux's set_cred_user_ns).</summary>
    public void EnterUserNs(UserNamespace ns)
    {
        UserNs = ns;
        CapEffective = CapPermitted = CapBounding = AllCaps;
        CapInheritable = CapAmbient = 0;
        Securebits = 0;
    }

    /// <summary>Linux's cap_emulate_setxuid and the fsuid rule, after a set*uid changed the ids from these
    /// (none with SECBIT_NO_SETUID_FIXUP; SECBIT_KEEP_CAPS keeps the permitted set when root is left).</summary>
    public void AfterUidChange(uint oldUid, uint oldEuid, uint oldSuid, uint oldFsuid)
    {
        if ((Securebits & SECBIT_NO_SETUID_FIXUP) != 0) return;
        bool keepCaps = (Securebits & SECBIT_KEEP_CAPS) != 0;
        uint root = RootUid;
        if ((oldUid == root || oldEuid == root || oldSuid == root) && Uid != root && Euid != root && Suid != root)
        {
            if (!keepCaps) CapPermitted = 0;
            CapEffective = 0;
            CapAmbient = 0;
        }
        if (oldEuid == root && Euid != root) CapEffective = 0;
        if (oldEuid != root && Euid == root) CapEffective = CapPermitted;
        if (oldFsuid == root && Fsuid != root) CapEffective &= ~FsCaps;
        if (oldFsuid != root && Fsuid == root) CapEffective |= CapPermitted & FsCaps;
    }

    /// <summary>The effective ids an execve of a file with this mode and owner gives (Linux's bprm_fill_uid): a
    /// set-user-ID file's owner, a set-group-ID (and group-executable) file's group — when the owner is mapped in the
    /// task's user namespace and nothing forbids it (a nosuid mount, no_new_privs, a tracer).</summary>
    public (uint Euid, uint Egid) ExecIds(uint mode, uint fileUid, uint fileGid, bool ignoreSetIds)
    {
        const uint S_ISUID = 0x800, S_ISGID = 0x400, S_IXGRP = 0x8;
        uint euid = Euid, egid = Egid;
        if (ignoreSetIds) return (euid, egid);
        if ((mode & S_ISUID) != 0 && UserNs.UidMap.Up(fileUid) != IdMap.Invalid) euid = fileUid;
        if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) && UserNs.GidMap.Up(fileGid) != IdMap.Invalid) egid = fileGid;
        return (euid, egid);
    }

    /// <summary>execve's new ids: the effective ones (ExecIds) become the saved and file-system ones too, as Linux's
    /// cap_bprm_creds_from_file does on every exec.</summary>
    public void SetExecIds(uint euid, uint egid)
    {
        Euid = Suid = Fsuid = euid;
        Egid = Sgid = Fsgid = egid;
    }

    /// <summary>execve's capability transition for a file without capabilities (capabilities(7)), after
    /// SetExecIds: a set-id exec (new euid not the real uid, or egid not the real gid) loses the ambient set; root
    /// (uid 0 of the task's user namespace, unless SECBIT_NOROOT) gets its inheritable and bounding sets, effective
    /// if its euid is root; others keep only the ambient set. SECBIT_KEEP_CAPS ends here.</summary>
    public void OnExec()
    {
        uint root = RootUid;
        if (Euid != Uid || Egid != Gid) CapAmbient = 0;
        Securebits &= ~SECBIT_KEEP_CAPS;
        if ((Securebits & SECBIT_NOROOT) == 0 && (Euid == root || Uid == root))
        {
            CapPermitted = (CapInheritable | CapBounding | CapAmbient) & AllCaps;
            CapEffective = Euid == root ? CapPermitted : CapAmbient;
        }
        else CapPermitted = CapEffective = CapAmbient;
    }

    public Credentials Fork()
    {
        var c = (Credentials)MemberwiseClone();
        c.Groups = (uint[])Groups.Clone();
        return c;
    }

    /// <summary>Whether these credentials may change target's scheduling (Linux's check_same_owner, root aside).</summary>
    public bool MayManage(Credentials target) => Has(CAP_SYS_NICE) || Euid == target.Uid || Euid == target.Euid;

    /// <summary>Whether these credentials may send a signal to a process with target's (Linux's kill_ok_by_cred:
    /// the real or effective uid is the target's real or saved uid; CAP_KILL in the target's user namespace passes).</summary>
    public bool MaySignal(Credentials target) =>
        HasIn(target.UserNs, CAP_KILL) || Euid == target.Uid || Euid == target.Suid || Uid == target.Uid || Uid == target.Suid;

    /// <summary>Whether gid is the fs group or a supplementary group (what permission checks use).</summary>
    public bool InGroup(uint gid) => gid == Fsgid || Array.IndexOf(Groups, gid) >= 0;
}

/// <summary>Resource limits (getrlimit/prlimit64), Linux's defaults.</summary>
public sealed class RLimits
{
    public const int Count = 16;
    public const int RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9;
    public const ulong Infinity = ulong.MaxValue;
    public readonly (ulong Cur, ulong Max)[] Values = new (ulong, ulong)[Count];

    public RLimits()
    {
        for (int i = 0; i < Count; i++) Values[i] = (Infinity, Infinity);
        Values[RLIMIT_STACK] = (8UL << 20, Infinity);
        Values[4] = (0, Infinity);              // RLIMIT_CORE
        Values[6] = (63459, 63459);             // RLIMIT_NPROC
        Values[RLIMIT_NOFILE] = (1024, 1048576);
        Values[RLIMIT_MEMLOCK] = (8UL << 20, 8UL << 20);
        Values[11] = (63459, 63459);            // RLIMIT_SIGPENDING
        Values[12] = (819200, 819200);          // RLIMIT_MSGQUEUE
        Values[13] = (0, 0);                    // RLIMIT_NICE
        Values[14] = (0, 0);                    // RLIMIT_RTPRIO
    }

    public RLimits Fork()
    {
        var r = new RLimits();
        Array.Copy(Values, r.Values, Count);
        return r;
    }

    public int NoFile => (int)Math.Min(Values[RLIMIT_NOFILE].Cur, 1 << 20);
}
