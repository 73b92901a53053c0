using AppKernel.Platform;
using static AppKernel.Sentry.Kernel.Ptrace;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// The tracee's side of ptrace (Linux's ptrace-stops): a traced thread stops in its own task loop — before a
/// signal's delivery, for a group stop, at syscall entry and exit, at events — and blocks there in a Sentry wait
/// until its tracer resumes it (or SIGKILL, or the tracer's end). The tracer's wait sees each stop once.
/// </summary>
public sealed partial class Task
{
    /// <summary>The process tracing this thread (null: none); changed under the tree lock.</summary>
    public ThreadGroup? Tracer { get; private set; }
    /// <summary>Attached with PTRACE_SEIZE (group stops report PTRACE_EVENT_STOP; INTERRUPT and LISTEN work).</summary>
    public bool PtraceSeized { get; private set; }
    public int PtraceOptions;
    /// <summary>GETEVENTMSG's value: a new child's pid, the exit status, a seccomp filter's data, syscall entry/exit.</summary>
    public ulong PtraceEventMsg;

    readonly object _ptraceLock = new();
    /// <summary>In a ptrace-stop, and whether the tracer has resumed it (guarded by _ptraceLock).</summary>
    bool _ptraceStopped, _ptraceResumed;
    PtraceResume _ptraceMode;
    int _ptraceResumeSig;
    /// <summary>The current stop's exit_code (status &gt;&gt; 8), its kind and its siginfo.</summary>
    int _ptraceExitCode;
    PtraceStopKind _ptraceStopKind;
    internal byte[] PtraceSigInfo = Array.Empty<byte>();
    /// <summary>The stop not yet reported to the tracer's wait (0: none); under the tree lock.</summary>
    int _ptraceReport;
    /// <summary>PTRACE_INTERRUPT (or a seized child's start): a PTRACE_EVENT_STOP at the next chance.</summary>
    volatile bool _ptraceTrap;
    /// <summary>SIGKILL came: even an exiting thread's stop ends.</summary>
    volatile bool _ptraceKilled;
    /// <summary>The group stop (ThreadGroup.StopSeq) this tracee already stopped for.</summary>
    int _ptraceGroupStopSeq = -1;
    /// <summary>PTRACE_SINGLESTEP or SYSEMU_SINGLESTEP resumed it (Linux's TIF_SINGLESTEP): the guest runs one
    /// instruction at a time (see RunGuest).</summary>
    bool _ptraceStep;
    /// <summary>The entry of the current syscall was a PTRACE_SYSEMU stop: no exit stop.</summary>
    bool _ptraceEmuEntry;
    /// <summary>The FP state read at the stop (the platform's context is driven by the tracee's thread only); put
    /// back when the tracer changed it.</summary>
    internal byte[] PtraceFp = new byte[512];
    internal bool PtraceFpDirty;
    /// <summary>The whole extended state read at the stop (NT_X86_XSTATE; PtraceXStateSize 0: the platform has
    /// none), kept in step with PtraceFp; put back when the tracer changed either.</summary>
    internal byte[]? PtraceXState;
    internal int PtraceXStateSize;
    internal bool PtraceXStateDirty;
    /// <summary>Room for any host's XSAVE area (AMX's tiles make it about 11 KiB).</summary>
    const int XStateMax = 16384;

    /// <summary>The tracer's pid (/proc's TracerPid).</summary>
    public int TracerPid => Tracer?.Leader.Tgid ?? 0;

    /// <summary>Whether the tracee sits in a ptrace-stop its tracer may act on.</summary>
    public bool PtraceStoppedNow { get { lock (_ptraceLock) return _ptraceStopped && !_ptraceResumed; } }
    public PtraceStopKind PtraceStopKindNow => _ptraceStopKind;
    public int PtraceExitCode => _ptraceExitCode;

    /// <summary>Whether the tracee is to stop where it sleeps (a sleep is interrupted and the syscall restarted).</summary>
    bool PtraceWantsStop => Tracer != null && (_ptraceTrap || (Group.StopPending && _ptraceGroupStopSeq != Group.StopSeq));
    /// <summary>Whether a group stop parks this thread where it sleeps (a tracee stops in its task loop instead).</summary>
    bool GroupStopParks => Group.StopPending && Tracer == null;

    /// <summary>Attaches tracer to this thread (TRACEME, ATTACH, SEIZE, or a traced parent's new child). Under the tree lock.</summary>
    internal void PtraceLink(ThreadGroup tracer, bool seized, int options)
    {
        Tracer = tracer;
        // A debugger reads and steps the guest's own code: patched syscall sites are put back for good.
        StopSyscallPatching();
        PtraceSeized = seized;
        PtraceOptions = options;
        _ptraceMode = PtraceResume.Cont;
        _ptraceGroupStopSeq = -1;
        tracer.Tracees.Add(this);
    }

    /// <summary>Detaches (tracer's DETACH, its end, or the tracee's end); under the tree lock. A stopped tracee goes on.</summary>
    internal void PtraceUnlink()
    {
        Tracer?.Tracees.Remove(this);
        Tracer = null;
        PtraceSeized = false;
        PtraceOptions = 0;
        _ptraceStep = false;
        _ptraceReport = 0;
        _ptraceTrap = false;
    }

    /// <summary>After PtraceUnlink, outside the tree lock: a tracee in a stop sees it is free.</summary>
    internal void PtraceWake()
    {
        lock (_ptraceLock) Monitor.PulseAll(_ptraceLock);
        Group.PulseStop();
    }

    /// <summary>SIGKILL ends every ptrace-stop of the process, even one on the way out (PTRACE_EVENT_EXIT).</summary>
    void PtraceKillStops()
    {
        foreach (var t in Group.Threads())
        {
            t._ptraceKilled = true;
            lock (t._ptraceLock) Monitor.PulseAll(t._ptraceLock);
        }
    }

    /// <summary>The tracer lets a stopped tracee go on (step: one instruction); false if it is not in a stop.</summary>
    public bool PtraceResumeFrom(PtraceResume mode, int sig, bool step = false)
    {
        // An unreported stop is not reported once resumed; cleared first, as the tracee's next stop may come at once.
        if (mode != PtraceResume.Listen) lock (Kernel.TreeLock) _ptraceReport = 0;
        lock (_ptraceLock)
        {
            if (!_ptraceStopped || _ptraceResumed) return false;
            _ptraceMode = mode;
            if (mode != PtraceResume.Listen) _ptraceStep = step;
            _ptraceResumeSig = sig;
            _ptraceResumed = true;
            Monitor.PulseAll(_ptraceLock);
        }
        return true;
    }

    /// <summary>PTRACE_INTERRUPT: a PTRACE_EVENT_STOP soon (a running guest is kicked, a sleep interrupted).</summary>
    public void PtraceInterrupt()
    {
        _ptraceTrap = true;
        WakeUp();
        lock (_ptraceLock) Monitor.PulseAll(_ptraceLock);
    }

    /// <summary>The tracee's wait report, taken by the tracer's wait (0: none).</summary>
    internal int TakePtraceReport(bool keep)
    {
        int r = _ptraceReport;
        if (!keep) _ptraceReport = 0;
        return r;
    }
    internal int PtraceReport => _ptraceReport;

    /// <summary>
    /// Stops this (traced) thread with exit_code code until the tracer resumes it; returns the signal the tracer
    /// gave (0: none). exiting: the thread is already on its way out (PTRACE_EVENT_EXIT), so only SIGKILL ends the wait.
    /// </summary>
    int PtraceStop(PtraceStopKind kind, int code, byte[]? info, bool exiting = false)
    {
        var tracer = Tracer;
        if (tracer == null || (exiting ? _ptraceKilled : Exited)) return 0;
        if (Stub != null && !Stub.GetFpRegs(PtraceFp)) Array.Clear(PtraceFp);
        PtraceXState ??= new byte[XStateMax];
        PtraceXStateSize = Stub?.GetXState(PtraceXState) ?? 0;
        PtraceFpDirty = PtraceXStateDirty = false;
        int sig = 0;
        while (true)
        {
            lock (_ptraceLock)
            {
                _ptraceStopped = true;
                _ptraceResumed = false;
                _ptraceStopKind = kind;
                _ptraceExitCode = code;
                PtraceSigInfo = info ?? new SigInfo { Signo = code & 0x7f, Code = code, Pid = Tid, Uid = (int)Creds.Uid }.ToArray();
            }
            lock (Kernel.TreeLock)
            {
                if (Tracer == tracer) _ptraceReport = code;
                Monitor.PulseAll(Kernel.TreeLock);
            }
            var leader = tracer.Leader;
            if ((leader.Signals.Actions[SIGCHLD].Flags & 1 /* SA_NOCLDSTOP */) == 0)
                leader.SendSignal(SIGCHLD, UserInfo(SIGCHLD, CLD_TRAPPED, Tid, Creds.Uid, code & 0x7f));
            bool retrap = false;
            lock (_ptraceLock)
            {
                bool Free() => Tracer != tracer || (exiting ? _ptraceKilled : Exited);
                Interlocked.Exchange(ref _waitingOn, _ptraceLock);
                try
                {
                    Stub?.WillBlock();
                    while (!_ptraceResumed && !Free()) Monitor.Wait(_ptraceLock, 200);
                    if (_ptraceResumed && _ptraceMode == PtraceResume.Listen && !Free())
                    {
                        // PTRACE_LISTEN: still stopped, until the group stop ends or an INTERRUPT; then a new EVENT_STOP.
                        _ptraceResumed = false;
                        while (!_ptraceResumed && !Free() && Group.StopPending && !_ptraceTrap) Monitor.Wait(_ptraceLock, 200);
                        retrap = !_ptraceResumed && !Free();
                    }
                }
                finally
                {
                    Volatile.Write(ref _waitingOn, null);
                    Stub?.Woke();
                }
                if (!retrap)
                {
                    _ptraceStopped = false;
                    sig = _ptraceResumed ? _ptraceResumeSig : 0;
                    _ptraceResumed = false;
                }
            }
            if (!retrap) break;
            _ptraceTrap = false;
            kind = PtraceStopKind.Group;
            code = (Group.StopPending ? Group.StopSignal : SIGTRAP) | EVENT_STOP << 8;
            info = null;
        }
        lock (Kernel.TreeLock) if (Tracer != tracer || _ptraceReport == code) _ptraceReport = 0;
        if (PtraceXStateDirty && Stub != null) Stub.SetXState(PtraceXState.AsSpan(0, PtraceXStateSize));
        else if (PtraceFpDirty && Stub != null) Stub.SetFpRegs(PtraceFp);
        return sig;
    }

    /// <summary>An event stop ((SIGTRAP | ev &lt;&lt; 8) as exit_code) with msg for GETEVENTMSG, if the tracer asked for ev.</summary>
    /// <summary>A task id as this task's tracer sees it (its PID namespace's number), for an event's message.</summary>
    public ulong PidForTracer(int tid) => (ulong)(Tracer?.Leader.PidNs.IdOf(tid) ?? tid);

    public void PtraceEvent(int ev, ulong msg)
    {
        if (Tracer == null || (PtraceOptions & OptionFor(ev)) == 0) return;
        PtraceEventMsg = msg;
        PtraceStop(PtraceStopKind.Event, SIGTRAP | ev << 8, null, exiting: ev == EVENT_EXIT);
    }

    /// <summary>A signal about to be delivered stops a tracee first; the tracer's answer replaces it (0: suppressed).
    /// False when there is nothing left to deliver.</summary>
    bool PtraceSignalStop(ref int sig, ref byte[] info)
    {
        int given = PtraceStop(PtraceStopKind.Signal, sig, info);
        if (Exited || given == 0) return false;
        if (given != sig)
        {
            // Another signal: the siginfo the tracer set if it names it, else one from the tracer (Linux's ptrace_signal).
            var si = PtraceSigInfo;
            info = si.Length >= 4 && BitConverter.ToInt32(si, 0) == given ? si
                : UserInfo(given, SI_USER, Tracer?.Leader.Tgid ?? 0, 0);
            sig = given;
            if ((Signals.Mask & SignalState.Bit(sig)) != 0)
            {
                SendSignal(sig, info, shared: false); // blocked now: it waits like any other
                return false;
            }
        }
        else info = PtraceSigInfo;
        return true;
    }

    /// <summary>A group stop reaches a tracee: it reports it (once per group stop) as a ptrace-stop. False if untraced.</summary>
    bool PtraceGroupStop()
    {
        if (Tracer == null) return false;
        int seq = Group.StopSeq;
        if (_ptraceGroupStopSeq == seq) return true;
        _ptraceGroupStopSeq = seq;
        int sig = Group.StopSignal;
        if (sig == 0) return true;
        Group.PtraceParked(this, true);
        PtraceStop(PtraceStopKind.Group, PtraceSeized ? sig | EVENT_STOP << 8 : sig, null);
        Group.PtraceParked(this, false);
        // Detached while the group is still stopped: back to the group stop (Linux's __ptrace_detach).
        return Tracer != null || !Group.StopPending;
    }

    /// <summary>PTRACE_INTERRUPT's or a seized new child's stop (PTRACE_EVENT_STOP).</summary>
    void PtraceTrapStop()
    {
        _ptraceTrap = false;
        if (Tracer == null) return;
        bool group = Group.StopPending;
        if (group) _ptraceGroupStopSeq = Group.StopSeq;
        PtraceStop(PtraceStopKind.Group, (group ? Group.StopSignal : SIGTRAP) | EVENT_STOP << 8, null);
    }

    /// <summary>
    /// Runs the guest until it traps. A single-stepping tracee runs with the trap flag set, so the CPU traps after
    /// one instruction (the platform reports the host's SIGTRAP, TRAP_TRACE, as a fault); the flag is taken off
    /// again at once, so neither the tracer nor the guest sees it (Linux's TIF_FORCED_TF). A flag the guest set
    /// itself stays.
    /// </summary>
    void RunGuest(out StopInfo stop)
    {
        bool forced = _ptraceStep && Tracer != null && (Regs.Eflags & TF) == 0;
        if (forced) Regs.Eflags |= TF;
        Stub!.Switch(ref Regs, out stop);
        if (forced) Regs.Eflags &= ~TF;
    }

    /// <summary>A handler's frame was just pushed while single-stepping: stepping ends and the tracer hears of it
    /// at the handler's first instruction (Linux's signal_setup_done: ptrace_notify(SIGTRAP)).</summary>
    void PtraceSteppedIntoHandler()
    {
        if (!_ptraceStep || Tracer == null) return;
        _ptraceStep = false;
        PtraceStop(PtraceStopKind.Event, SIGTRAP, null);
    }

    /// <summary>Whether the tracer asked for syscall stops (PTRACE_SYSCALL, PTRACE_SYSEMU).</summary>
    bool PtraceTracesSyscalls => Tracer != null && _ptraceMode is PtraceResume.Syscall or PtraceResume.Sysemu;

    int SyscallTrapCode => SIGTRAP | ((PtraceOptions & O_TRACESYSGOOD) != 0 ? 0x80 : 0);

    /// <summary>The syscall-enter stop: the tracer may change the call (orig_rax, arguments) or skip it (orig_rax
    /// -1, or PTRACE_SYSEMU), rax being the result then. True to skip.</summary>
    bool PtraceSyscallEnter(ref long nr)
    {
        _ptraceEmuEntry = _ptraceMode == PtraceResume.Sysemu;
        Regs.Rax = unchecked((ulong)-(long)Errno.ENOSYS);
        PtraceEventMsg = EVENTMSG_SYSCALL_ENTRY;
        int sig = PtraceStop(PtraceStopKind.SyscallEnter, SyscallTrapCode, null);
        // A signal given at a syscall stop is sent to the tracee (Linux's ptrace_report_syscall).
        if (sig != 0) SendSignal(sig, UserInfo(sig, SI_USER, Tracer?.Leader.Tgid ?? 0, 0), shared: false);
        if (_ptraceEmuEntry || Exited) return true;
        nr = (long)Regs.OrigRax;
        return nr == -1;
    }

    /// <summary>The syscall-exit stop (rax holds the result, which the tracer may change). A single-stepping tracee
    /// instead traps right after the syscall instruction, before running another (Linux's user_single_step_report:
    /// SIGTRAP with TRAP_BRKPT), unless the call was emulated (SYSEMU).</summary>
    void PtraceSyscallExit()
    {
        bool emu = _ptraceEmuEntry;
        _ptraceEmuEntry = false;
        if (emu || Exited || Tracer == null) return;
        if (_ptraceStep)
        {
            ForceSignal(SIGTRAP, new SigInfo { Signo = SIGTRAP, Code = TRAP_BRKPT, Addr = Regs.Rip }.ToArray());
            return;
        }
        if (_ptraceMode != PtraceResume.Syscall) return;
        PtraceEventMsg = EVENTMSG_SYSCALL_EXIT;
        int sig = PtraceStop(PtraceStopKind.SyscallExit, SyscallTrapCode, null);
        if (sig != 0) SendSignal(sig, UserInfo(sig, SI_USER, Tracer?.Leader.Tgid ?? 0, 0), shared: false);
    }

    /// <summary>SECCOMP_RET_TRACE: a tracer that set PTRACE_O_TRACESECCOMP sees a PTRACE_EVENT_SECCOMP stop and may
    /// change or skip (orig_rax -1) the call; without one the call fails with ENOSYS. null: run nr.</summary>
    long? PtraceSeccomp(uint data, ref long nr)
    {
        if (Tracer == null || (PtraceOptions & O_TRACESECCOMP) == 0) return -(long)Errno.ENOSYS;
        Regs.Rax = unchecked((ulong)-(long)Errno.ENOSYS);
        PtraceEvent(EVENT_SECCOMP, data);
        if (Exited) return -(long)Errno.ENOSYS;
        nr = (long)Regs.OrigRax;
        return nr == -1 ? (long)Regs.Rax : null;
    }

    /// <summary>A traced parent's fork/vfork/clone: which event (0: none) — and if one, the child is traced too,
    /// starting with a stop (SIGSTOP, or PTRACE_EVENT_STOP when seized). Before the child runs.</summary>
    int PtraceForkChild(Task child, ulong flags)
    {
        if (Tracer == null || (flags & CLONE_UNTRACED) != 0) return 0;
        int ev = (flags & CLONE_VFORK) != 0 ? EVENT_VFORK : (flags & CLONE_THREAD) != 0 || (int)(flags & 0xff) != SIGCHLD ? EVENT_CLONE : EVENT_FORK;
        if ((PtraceOptions & OptionFor(ev)) == 0) return 0;
        lock (Kernel.TreeLock)
        {
            if (Tracer is not { } tracer) return 0;
            child.PtraceLink(tracer, PtraceSeized, PtraceOptions);
        }
        if (PtraceSeized) child._ptraceTrap = true;
        else child.SendSignal(SIGSTOP, UserInfo(SIGSTOP, SI_KERNEL, 0, 0), shared: false);
        return ev;
    }

    /// <summary>After a successful execve: PTRACE_EVENT_EXEC (message: the old thread id), or the legacy SIGTRAP.</summary>
    public void PtraceExec(int oldTid)
    {
        if (Tracer == null) return;
        if ((PtraceOptions & O_TRACEEXEC) != 0) PtraceEvent(EVENT_EXEC, PidForTracer(oldTid));
        else if (!PtraceSeized) SendSignal(SIGTRAP, UserInfo(SIGTRAP, SI_USER, 0, 0), shared: false);
    }

    /// <summary>
    /// The thread's end as its tracer sees it: PTRACE_EVENT_EXIT first if asked, then the exit for its wait. A
    /// process traced by another than its parent is reported to the tracer first: the parent hears of it after
    /// the tracer has waited (or gone).
    /// </summary>
    void PtraceExitNotify(bool leader)
    {
        if (Tracer == null) return;
        PtraceExit? note = null;
        ThreadGroup? tracer;
        lock (Kernel.TreeLock)
        {
            tracer = Tracer;
            if (tracer == null) return;
            PtraceUnlink();
            // The parent's own tracee is reported once, as its zombie.
            if (leader && Parent?.Group == tracer) return;
            var (code, info) = ExitReport;
            note = new PtraceExit(this, WaitStatus, code, info);
            tracer.TraceeExits.Add(note);
            if (!leader) Group.UnreapedThreadExits.Add(note);
            Monitor.PulseAll(Kernel.TreeLock);
        }
        tracer.Leader.SendSignal(SIGCHLD, UserInfo(SIGCHLD, note.Code, Tid, Creds.Uid, note.Info));
        if (!leader) return;
        lock (Kernel.TreeLock)
            while (tracer.TraceeExits.Contains(note) && !tracer.Leader._gone) Monitor.Wait(Kernel.TreeLock, 200);
    }

    /// <summary>The tracer process ends: its tracees are detached (PTRACE_O_EXITKILL ones killed) and go on.</summary>
    void PtraceTracerGone()
    {
        List<Task> tracees;
        lock (Kernel.TreeLock)
        {
            tracees = new List<Task>(Group.Tracees);
            foreach (var c in tracees)
            {
                if ((c.PtraceOptions & O_EXITKILL) != 0) c._ptraceExitKill = true;
                c.PtraceUnlink();
            }
            foreach (var note in Group.TraceeExits) note.Task.Group.UnreapedThreadExits.Remove(note);
            Group.TraceeExits.Clear();
            Monitor.PulseAll(Kernel.TreeLock);
        }
        foreach (var c in tracees)
        {
            if (c._ptraceExitKill) c.SendSignal(SIGKILL, UserInfo(SIGKILL, SI_KERNEL, 0, 0));
            c.PtraceWake();
        }
    }
    bool _ptraceExitKill;

    /// <summary>The tracee's wait reports to its tracer: a stop (by thread id) or a traced thread's exit.
    /// Under the tree lock. Returns whether a tracee matched pid at all.</summary>
    internal bool WaitTracees(int pid, int options, ref Task? reaped, ref int status, ref int code, ref int info, out bool found)
    {
        found = false;
        bool any = false;
        var g = Group;
        bool keep = (options & WNOWAIT) != 0;
        for (int i = 0; i < g.TraceeExits.Count; i++)
        {
            var e = g.TraceeExits[i];
            if (!PidMatches(e.Task, pid)) continue;
            any = true;
            if ((options & WNOWAIT_EXITS) != 0) continue;
            (status, code, info) = (e.Status, e.Code, e.Info);
            if (!keep)
            {
                g.TraceeExits.RemoveAt(i);
                // Its process's leader may now be reported to whoever waits for it.
                if (e.Task.Group.UnreapedThreadExits.Remove(e)) Monitor.PulseAll(Kernel.TreeLock);
            }
            reaped = e.Task;
            found = true;
            return true;
        }
        foreach (var c in g.Tracees)
        {
            if (!PidMatches(c, pid)) continue;
            any = true;
            int r = c.TakePtraceReport(keep);
            if (r == 0) continue;
            status = r << 8 | 0x7f;
            code = CLD_TRAPPED;
            info = r;
            reaped = c;
            found = true;
            return true;
        }
        return any;
    }

    bool PidMatches(Task c, int pid) => pid > 0 ? c.Tid == pid : pid == -1 || (pid == 0 ? c.Pgid == Pgid : c.Pgid == -pid);
}
