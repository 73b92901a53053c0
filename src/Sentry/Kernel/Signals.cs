using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace AppKernel.Sentry.Kernel;

/// <summary>
/// Signal generation and delivery. A signal is queued on the target task; the task delivers it when it next
/// comes back to the Sentry (after a syscall or fault; a running guest is kicked with a host signal). Delivery
/// runs the default action or builds Linux's x86-64 rt_sigframe (return address, ucontext, siginfo, FP
/// state) on the guest stack; rt_sigreturn restores from it.
/// </summary>
public sealed partial class Task
{
    public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8,
        SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGCHLD = 17,
        SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25,
        SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29, SIGSYS = 31;
    public const int SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_SIGIO = -5, SI_TKILL = -6;
    const ulong SIG_DFL = 0, SIG_IGN = 1;
    const ulong SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000,
        SA_RESETHAND = 0x80000000, SA_RESTORER = 0x04000000;

    /// <summary>What a blocking syscall returns when a signal interrupts it: restarted after the handler when it
    /// has SA_RESTART (or when no handler runs), else EINTR (Linux's ERESTARTSYS).</summary>
    public const long RestartSys = -512;
    /// <summary>Restarted only when no handler runs, else EINTR whatever SA_RESTART says (Linux's ERESTARTNOHAND:
    /// msgsnd, msgrcv).</summary>
    public const long RestartNoHand = -514;
    /// <summary>EINTR when a handler runs, else the call goes on through restart_syscall, which runs
    /// <see cref="RestartBlock"/> (Linux's ERESTART_RESTARTBLOCK: a sleep stopped and continued sleeps on to the end
    /// it had).</summary>
    public const long RestartWithBlock = -516;
    /// <summary>What restart_syscall does next (Linux's restart_block.fn); cleared once a handler runs.</summary>
    public Func<Task, long>? RestartBlock { get; set; }
    const ulong SYS_restart_syscall = 219;

    object? _waitingOn;

    /// <summary>Whether the task waits in the Sentry now (/proc's 'S').</summary>
    public bool Sleeping => Volatile.Read(ref _waitingOn) != null;

    /// <summary>Whether a signal is pending that the task does not block (it must go back to deliver it).</summary>
    public bool SignalPending => (Signals.PendingMask() & ~(Signals.Mask & ~SignalState.Unblockable)) != 0;

    /// <summary>
    /// The one way a task blocks inside the Sentry: Monitor.Wait on obj (whose lock the caller holds) until
    /// pulsed or timeoutMs passes. Returns false if a signal interrupts: the caller then fails with RestartSys or EINTR.
    /// </summary>
    public bool Sleep(object obj, int timeoutMs = Timeout.Infinite)
    {
        // A full fence between announcing the wait and reading Exited/the signals, paired with WakeUp's: one of
        // the two sides always sees the other's write (a release store alone may pass the loads that follow it).
        Interlocked.Exchange(ref _waitingOn, obj);
        try
        {
            if (SignalPending || Exited || PtraceWantsStop) return false;
            // The guest thread will wait a while: its platform need not keep a CPU busy for it.
            Stub?.WillBlock();
            // A group stop catches a sleeping thread where it sleeps; the caller then looks at its condition again.
            if (!GroupStopParks) Monitor.Wait(obj, timeoutMs);
            if (GroupStopParks) Group.ParkWhileBlocked(this, obj);
            return !SignalPending && !Exited && !PtraceWantsStop;
        }
        finally
        {
            Volatile.Write(ref _waitingOn, null);
            Stub?.Woke();
        }
    }

    PosixTimers? _posixTimers;
    /// <summary>timer_create's timers, one set per process (kept by the leader).</summary>
    public PosixTimers PosixTimers => Group.Leader == this ? _posixTimers ??= new PosixTimers() : Group.Leader.PosixTimers;

    CpuTimers? _cpuTimers;
    /// <summary>ITIMER_VIRTUAL, ITIMER_PROF and RLIMIT_CPU, one set per process (kept by the leader).</summary>
    public CpuTimers CpuTimers
    {
        get
        {
            if (Group.Leader != this) return Group.Leader.CpuTimers;
            if (_cpuTimers == null) Interlocked.CompareExchange(ref _cpuTimers, new CpuTimers(this), null);
            return _cpuTimers;
        }
    }

    RealTimer? _realTimer;
    /// <summary>alarm/setitimer(ITIMER_REAL). Not inherited by fork; kept across exec.</summary>
    public RealTimer RealTimer => _realTimer ??= new RealTimer(this);

    /// <summary>Sleeps up to timeoutMs with nothing to wake it but a signal (nanosleep); false if a signal interrupts.</summary>
    public bool Nap(int timeoutMs)
    {
        var gate = new object();
        lock (gate) return Sleep(gate, timeoutMs);
    }

    /// <summary>Set by sigsuspend: the mask the handler's sigreturn must bring back.</summary>
    public ulong? RestoreMaskAfterHandler;

    /// <summary>A siginfo for a signal sent by a process (kill, tgkill), or SIGCHLD's with the child's status.</summary>
    public static byte[] UserInfo(int sig, int code, int pid, uint uid, int status = 0)
    {
        return new SigInfo { Signo = sig, Code = code, Pid = pid, Uid = (int)uid, Status = status }.ToArray();
    }

    public static bool DefaultIgnored(int sig) => sig is SIGCHLD or SIGURG or SIGWINCH or SIGCONT;
    static bool DefaultCore(int sig) => sig is SIGQUIT or SIGILL or SIGTRAP or SIGABRT or SIGBUS or SIGFPE or SIGSEGV or SIGXCPU or SIGXFSZ or SIGSYS;
    static bool DefaultStop(int sig) => sig is SIGSTOP or SIGTSTP or SIGTTIN or SIGTTOU;

    /// <summary>Queues sig on this task (any thread may call it) and makes the task look at it soon. info's si_pid
    /// is a global number, made the receiver's (<see cref="ReceivedInfo"/>), unless asWritten (a guest's own siginfo).</summary>
    public void SendSignal(int sig, byte[] info, bool shared = true, bool asWritten = false)
    {
        if (Exited || Zombie)
        {
            // A leader that ended alone (exit(2)) while its threads run: a signal to the process goes to one of them.
            if (shared && !Zombie && Group.Leader == this && Group.Threads().Find(x => !x.Exited) is { } live)
                live.SendSignal(sig, info, shared, asWritten);
            return;
        }
        var handler = Signals.Actions[sig].Handler;
        bool forced = false;
        if (!asWritten) info = ReceivedInfo(sig, info, out forced);
        info = UidSeen(sig, info);
        bool blocked = (Signals.Mask & SignalState.Bit(sig)) != 0;
        // A blocked signal is kept whatever its action (sigwaitinfo may take it); delivery drops it then.
        if (!blocked && handler == SIG_DFL && InitIgnores(sig, forced)) return;
        // An ignored signal is dropped at once unless blocked (the handler may change before it is unblocked).
        if (sig == SIGCONT) Group.Continue();
        if (DefaultStop(sig)) Group.DiscardContinue();
        if (!blocked && sig != SIGKILL && Tracer == null && (handler == SIG_IGN || (handler == SIG_DFL && DefaultIgnored(sig)))) return;
        var target = shared ? null : Signals;
        lock (Signals.Queue)
        {
            if (sig < 32 && Signals.Queue.Exists(q => q.Sig == sig && q.Target == target)) return; // standard signals do not queue twice
            Signals.Queue.Add((sig, info, target));
            Monitor.PulseAll(Signals.Queue);
        }
        Signals.Waiters.Notify(); // signalfd pollers
        if (sig == SIGKILL) { PtraceKillStops(); Terminate(SIGKILL, false); WakeUp(); Group.PulseStop(); }
        else if (!blocked) WakeUp();
        else if (shared)
        {
            // Sent to the process but blocked here: a thread that does not block it takes it (Linux's complete_signal).
            foreach (var other in Group.Threads())
                if (other != this && !other.Exited && (other.Signals.Mask & SignalState.Bit(sig)) == 0) { other.WakeUp(); break; }
        }
    }

    /// <summary>Tells the parent of a stop or continue: the wait report (under the tree lock) and SIGCHLD.</summary>
    internal void NotifyParent(int code, int status, Action record)
    {
        var parent = Parent;
        lock (Kernel.TreeLock)
        {
            record();
            Monitor.PulseAll(Kernel.TreeLock);
        }
        // SA_NOCLDSTOP: the parent wants no SIGCHLD for stops and continues.
        if (parent == null || (parent.Signals.Actions[SIGCHLD].Flags & 1) != 0) return;
        var info = UserInfo(SIGCHLD, code, Tgid, Creds.Uid, status);
        parent.SendSignal(SIGCHLD, info);
    }

    /// <summary>Makes the task come back to the Sentry soon: kicks a running guest, wakes a sleeping wait.</summary>
    public void WakeUp()
    {
        Stub?.Kick();
        Interlocked.MemoryBarrier(); // the caller's Exited or queued signal is visible before _waitingOn is read
        if (Volatile.Read(ref _waitingOn) is { } o) lock (o) Monitor.PulseAll(o);
    }

    /// <summary>Takes the lowest-numbered pending signal that mask does not block (SIGKILL always).</summary>
    public bool TakeSignal(ulong mask, out int sig, out byte[] info)
    {
        lock (Signals.Queue)
        {
            // Thread-directed signals first, then process-wide ones; the lowest number within each (Linux's order).
            int best = -1;
            for (int pass = 0; pass < 2 && best < 0; pass++)
                for (int i = 0; i < Signals.Queue.Count; i++)
                {
                    var (s, _, target) = Signals.Queue[i];
                    if (target != (pass == 0 ? Signals : null)) continue;
                    if (s != SIGKILL && (mask & SignalState.Bit(s)) != 0) continue;
                    if (best < 0 || s < Signals.Queue[best].Sig) best = i;
                }
            if (best < 0) { sig = 0; info = Array.Empty<byte>(); return false; }
            (sig, info, _) = Signals.Queue[best];
            Signals.Queue.RemoveAt(best);
            return true;
        }
    }

    /// <summary>Delivers pending unblocked signals (called on the task's thread between guest runs).</summary>
    void DeliverSignals()
    {
        bool restart = (long)Regs.Rax is RestartSys or RestartNoHand or RestartWithBlock;
        DeliverOne(restart);
        // Nothing (or only an ignored signal) came in the way: the interrupted syscall simply runs again.
        if ((long)Regs.Rax is RestartSys or RestartNoHand) Restart();
        else if ((long)Regs.Rax == RestartWithBlock) Restart(SYS_restart_syscall);
    }

    /// <summary>Back onto the syscall instruction, to make the call again (or restart_syscall).</summary>
    void Restart(ulong? nr = null)
    {
        Regs.Rip -= 2;
        Regs.Rax = nr ?? Regs.OrigRax;
    }

    void DeliverOne(bool restart)
    {
        while (!Exited)
        {
            // Job control: every thread of a stopping process stops here, before it takes another signal.
            if (Group.StopPending && !PtraceGroupStop())
            {
                Group.Park(this);
                if (Tracer != null) continue; // attached while stopped: the tracer hears of the stop
            }
            if (_ptraceTrap) { PtraceTrapStop(); continue; }
            if (Exited || !TakeSignal(Signals.Mask, out int sig, out var info)) break;
            if (Tracer != null && sig != SIGKILL && !PtraceSignalStop(ref sig, ref info)) continue;
            var act = Signals.Actions[sig];
            if (restart && act.Handler is not (SIG_DFL or SIG_IGN))
            {
                // A handler runs: SA_RESTART makes the syscall go again after it, else it fails with EINTR.
                if ((act.Flags & SA_RESTART) != 0 && (long)Regs.Rax == RestartSys) Restart();
                else Regs.Rax = unchecked((ulong)-(long)Errno.EINTR);
                RestartBlock = null;
                restart = false;
            }
            if (sig == SIGKILL || act.Handler == SIG_DFL)
            {
                if (DefaultIgnored(sig)) continue;
                // A namespace's init never takes a default action but SIGKILL's and SIGSTOP's (get_signal).
                if (sig is not (SIGKILL or SIGSTOP) && !PidNs.IsRoot && IsPidNsInit) continue;
                if (DefaultStop(sig))
                {
                    // Nobody could continue an orphaned group: terminal stops are dropped there (SIGSTOP is not).
                    if (sig != SIGSTOP && JobControl.Orphaned(Kernel, Pgid)) continue;
                    Group.BeginStop(this, sig);
                    continue;
                }
                Terminate(sig, DefaultCore(sig));
                return;
            }
            if (act.Handler == SIG_IGN) continue;
            RseqOnSignal(sig);
            if (!PushFrame(sig, info, act))
            {
                // No room for the frame: Linux kills with SIGSEGV.
                Terminate(SIGSEGV, true);
                return;
            }
            PtraceSteppedIntoHandler();
            return; // one frame at a time; the next signal is delivered when the handler comes back
        }
        if (RestoreMaskAfterHandler is { } m) { Signals.Mask = m; RestoreMaskAfterHandler = null; }
    }

    static readonly int UcontextSize = System.Runtime.CompilerServices.Unsafe.SizeOf<UContext>();
    const int SiginfoSize = SigInfo.Size;
    /// <summary>The frame below the FP area: return address, ucontext, siginfo.</summary>
    static readonly int FrameSize = 8 + UcontextSize + SiginfoSize;
    /// <summary>Where the FP state is read into <see cref="FrameBuf"/> before its length places the frame (the frame's
    /// head, alignment included, is shorter).</summary>
    static readonly int FpReadAt = FrameSize + 64;
    /// <summary>Per task: a frame being built (written to the guest in one copy), or an FP area read back.</summary>
    byte[]? _frameBuf;
    byte[] FrameBuf => _frameBuf ??= new byte[FpReadAt + XStateMax + XSave.Magic2Size];

    bool OnAltStack(ulong sp)
    {
        var a = Signals.AltStack;
        return (a.Flags & 2) == 0 && sp > a.Sp && sp <= a.Sp + a.Size;
    }

    bool PushFrame(int sig, byte[] info, SigAction act)
    {
        ulong sp = Regs.Rsp;
        var alt = Signals.AltStack;
        if ((act.Flags & SA_ONSTACK) != 0 && (alt.Flags & 2) == 0 && !OnAltStack(sp)) sp = alt.Sp + alt.Size;
        else sp -= 128; // the red zone
        // The FP area (64-byte aligned), then the frame, aligned so the handler starts as if called.
        var buf = FrameBuf.AsSpan();
        int fpLen = SaveFpArea(buf[FpReadAt..], out bool extended);
        ulong fp = (sp - (ulong)fpLen) & ~63UL;
        ulong frame = ((fp - (ulong)FrameSize) & ~15UL) - 8;
        // Already on the alternate stack and the frame would run off its bottom: no frame (the caller kills with
        // SIGSEGV), as Linux's get_sigframe — never a frame in whatever memory lies below.
        if (OnAltStack(Regs.Rsp) && !OnAltStack(frame)) return false;
        var uc = new UContext
        {
            Flags = (ulong)((extended ? UC_FP_XSTATE : 0) | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS),
            Stack = new SigAltStack { Sp = alt.Sp, Size = alt.Size, Flags = (alt.Flags & 2) != 0 ? 2 : OnAltStack(Regs.Rsp) ? 1 : 0 },
            Mask = RestoreMaskAfterHandler ?? Signals.Mask,
            Mc = new SigContext
            {
                R8 = Regs.R8, R9 = Regs.R9, R10 = Regs.R10, R11 = Regs.R11, R12 = Regs.R12, R13 = Regs.R13, R14 = Regs.R14, R15 = Regs.R15,
                Rdi = Regs.Rdi, Rsi = Regs.Rsi, Rbp = Regs.Rbp, Rbx = Regs.Rbx, Rdx = Regs.Rdx, Rax = Regs.Rax, Rcx = Regs.Rcx,
                Rsp = Regs.Rsp, Rip = Regs.Rip, Eflags = Regs.Eflags, Cs = (ushort)Regs.Cs, Ss = (ushort)Regs.Ss,
                Oldmask = RestoreMaskAfterHandler ?? Signals.Mask, FpState = fp,
                Trapno = sig == SIGSEGV || sig == SIGBUS ? 14UL : 0, Cr2 = sig == SIGSEGV || sig == SIGBUS ? BitConverter.ToUInt64(info, 16) : 0,
            },
        };
        // Return address, ucontext, siginfo, the few bytes of alignment, the FP area (moved down into place): one write.
        int head = (int)(fp - frame);
        buf.Slice(FpReadAt, fpLen).CopyTo(buf[head..]);
        buf[..head].Clear();
        BitConverter.TryWriteBytes(buf, act.Restorer);
        MemoryMarshal.Write(buf[8..], in uc);
        info.AsSpan(0, SiginfoSize).CopyTo(buf[(8 + UcontextSize)..]);
        if (!Mem.Write(frame, buf[..(head + fpLen)])) return false;
        RestoreMaskAfterHandler = null;
        // The handler starts with a clean FP state (Linux's fpu__clear_user_states); sigreturn brings back the saved one.
        SetFxOnly(InitialFpState, buf, extended ? fpLen - XSave.Magic2Size : 0);
        Regs.Rsp = frame;
        Regs.Rip = act.Handler;
        // The handler starts without the direction, resume and trap flags (Linux's handle_signal): a program that
        // single-steps itself takes its SIGTRAP in a handler that is not stepped; sigreturn brings the flag back.
        const ulong DF = 0x400, RF = 0x10000;
        Regs.Eflags &= ~(DF | RF | Ptrace.TF);
        Regs.Rdi = (ulong)sig;
        Regs.Rsi = frame + 8 + (ulong)UcontextSize;
        Regs.Rdx = frame + 8;
        Regs.Rax = 0;
        Signals.Mask |= act.Mask | ((act.Flags & SA_NODEFER) != 0 ? 0 : SignalState.Bit(sig));
        Signals.Mask &= ~SignalState.Unblockable;
        if ((act.Flags & SA_RESETHAND) != 0) Signals.Actions[sig] = default;
        return true;
    }

    /// <summary>rt_sigreturn: restores what PushFrame saved. The handler's ret popped the return address.</summary>
    public long SigReturn()
    {
        ulong frame = Regs.Rsp - 8;
        if (!Mem.Read(frame + 8, out UContext uc))
        {
            Terminate(SIGSEGV, true);
            return 0;
        }
        var m = uc.Mc;
        Regs.R8 = m.R8; Regs.R9 = m.R9; Regs.R10 = m.R10; Regs.R11 = m.R11; Regs.R12 = m.R12; Regs.R13 = m.R13;
        Regs.R14 = m.R14; Regs.R15 = m.R15; Regs.Rdi = m.Rdi; Regs.Rsi = m.Rsi; Regs.Rbp = m.Rbp; Regs.Rbx = m.Rbx;
        Regs.Rdx = m.Rdx; Regs.Rax = m.Rax; Regs.Rcx = m.Rcx; Regs.Rsp = m.Rsp; Regs.Rip = m.Rip;
        // Only the flags a program may change, its trap flag among them (no IF/IOPL games).
        const ulong userFlags = 0x40dd5;
        Regs.Eflags = (Regs.Eflags & ~userFlags) | (m.Eflags & userFlags);
        Regs.OrigRax = ulong.MaxValue; // not in a syscall: nothing to restart
        // A frame whose FP area cannot be read is a bad frame, as one whose ucontext cannot; none at all leaves the
        // FP state as a handler starts with it (Linux's fpu__restore_sig).
        if (!RestoreFpArea(m.FpState))
        {
            Terminate(SIGSEGV, true);
            return 0;
        }
        Signals.Mask = uc.Mask & ~SignalState.Unblockable;
        RegsReplaced = true;
        return 0;
    }

    /// <summary>A synchronous fault of the guest (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP): to its handler if it
    /// has one and does not block it, else the default action (terminate with a core).</summary>
    void Fault(int sig, int code, ulong addr)
    {
        // A tracee's fault goes through its signal-delivery-stop like any signal.
        if (Tracer != null) { ForceSignal(sig, new SigInfo { Signo = sig, Code = code, Addr = addr }.ToArray()); return; }
        var act = Signals.Actions[sig];
        bool blocked = (Signals.Mask & SignalState.Bit(sig)) != 0;
        if (act.Handler is SIG_DFL or SIG_IGN || blocked)
        {
            Kernel.Log.LogInformation("task {Tid}: signal {Sig} (code {Code}) at rip 0x{Rip:x} ({Where}) addr 0x{Addr:x}",
                Tid, sig, code, Regs.Rip, MM.Describe(Regs.Rip), addr);
            Terminate(sig, true);
            return;
        }
        var si = new SigInfo { Signo = sig, Code = code, Addr = addr }.ToArray();
        if (!PushFrame(sig, si, act)) Terminate(SIGSEGV, true);
    }
}
