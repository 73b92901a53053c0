using System.Runtime.InteropServices;
using AppKernel.Sentry.Memory;

namespace AppKernel.Sentry.Kernel;

/// <summary>The guest's struct rseq_cs (Linux's uapi/linux/rseq.h): one restartable critical section.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct RseqCs
{
    public uint Version, Flags;
    public ulong StartIp, PostCommitOffset, AbortIp;
}

/// <summary>
/// Restartable sequences (rseq(2)): a thread registers a struct rseq, whose cpu fields the kernel keeps current,
/// and whose rseq_cs, when the thread is interrupted inside it — a signal handler about to run, a preemption the
/// Sentry sees (a host signal that stopped the guest: <see cref="RseqPreempter"/>'s time-slice kick, a membarrier
/// RSEQ fence) — sends it to the section's abort_ip. The work happens only then: a syscall's return costs nothing.
/// A task's CPU number is the first of its affinity (<see cref="Task.Cpu"/>), so the cpu fields are written at
/// registration, on resume after such an interruption, and when sched_setaffinity moves the task.
/// </summary>
public sealed partial class Task
{
    /// <summary>The registered struct rseq (0: none), its length and the abort signature.</summary>
    public ulong RseqAddr { get; private set; }
    uint _rseqLen, _rseqSig;
    /// <summary>Interrupted since it last ran guest code: fix the critical section and cpu fields up before it does.</summary>
    int _rseqPendingWord;
    bool _rseqPending { get => Volatile.Read(ref _rseqPendingWord) != 0; set => Volatile.Write(ref _rseqPendingWord, value ? 1 : 0); }
    /// <summary>Odd while the task runs guest code; bumped at each entry and exit (the preempter compares samples).</summary>
    long _guestRuns;
    /// <summary>The preempter's last sample of <see cref="_guestRuns"/>.</summary>
    internal long RseqSeenRun;

    public const int RSEQ_FLAG_UNREGISTER = 1;
    /// <summary>sizeof(struct rseq) before it grew (Linux's ORIG_RSEQ_SIZE), and its alignment.</summary>
    public const uint RseqOrigSize = 32, RseqAlign = 32;
    /// <summary>offsetof(struct rseq, end): cpu_id_start, cpu_id, rseq_cs, flags, node_id, mm_cid.</summary>
    const uint RseqFeatureSize = 28;
    const ulong OffCpuIdStart = 0, OffRseqCs = 8, OffFlags = 16, OffNodeId = 20;
    const uint RSEQ_CPU_ID_UNINITIALIZED = unchecked((uint)-1);
    /// <summary>The node and concurrency id every task of the sandbox reports.</summary>
    const uint SandboxNode = 0, SandboxMmCid = 0;
    const ulong SignatureSize = 4;

    internal bool InGuest => (Volatile.Read(ref _guestRuns) & 1) != 0;
    internal long GuestRuns => Volatile.Read(ref _guestRuns);

    /// <summary>rseq(2), as Linux's sys_rseq.</summary>
    public long Rseq(ulong addr, uint len, int flags, uint sig)
    {
        if ((flags & RSEQ_FLAG_UNREGISTER) != 0)
        {
            if ((flags & ~RSEQ_FLAG_UNREGISTER) != 0) return -(long)Errno.EINVAL;
            if (RseqAddr == 0 || RseqAddr != addr || len != _rseqLen) return -(long)Errno.EINVAL;
            if (sig != _rseqSig) return -(long)Errno.EPERM;
            if (!WriteRseqCpu(0, RSEQ_CPU_ID_UNINITIALIZED)) return -(long)Errno.EFAULT;
            RseqForget();
            return 0;
        }
        if (flags != 0) return -(long)Errno.EINVAL;
        if (RseqAddr != 0)
        {
            if (RseqAddr != addr || len != _rseqLen) return -(long)Errno.EINVAL;
            return sig != _rseqSig ? -(long)Errno.EPERM : -(long)Errno.EBUSY;
        }
        bool aligned = addr % RseqAlign == 0;
        if (len < RseqOrigSize || !aligned || (len != RseqOrigSize && len < RseqFeatureSize)) return -(long)Errno.EINVAL;
        if (addr + len < addr || addr + len > MemoryManager.TaskSize) return -(long)Errno.EFAULT;
        RseqAddr = addr;
        // The cpu fields are written now: a struct that cannot take them is EFAULT, as Linux since 6.x answers.
        if (!WriteRseqCpu(Cpu, Cpu))
        {
            RseqAddr = 0;
            return -(long)Errno.EFAULT;
        }
        _rseqLen = len;
        _rseqSig = sig;
        Kernel.RseqPreempter.Add(this);
        return 0;
    }

    void RseqForget()
    {
        if (RseqAddr == 0) return;
        RseqAddr = 0;
        _rseqLen = _rseqSig = 0;
        Kernel.RseqPreempter.Remove(this);
    }

    /// <summary>fork keeps the registration (the child's memory is a copy); a CLONE_VM child or thread starts without.</summary>
    internal void RseqInherit(Task child, bool sharedVm)
    {
        if (sharedVm || RseqAddr == 0) return;
        child.RseqAddr = RseqAddr;
        child._rseqLen = _rseqLen;
        child._rseqSig = _rseqSig;
        child._rseqPending = true;
        Kernel.RseqPreempter.Add(child);
    }

    /// <summary>execve and exit drop the registration.</summary>
    internal void RseqReset() => RseqForget();

    bool WriteRseqCpu(uint cpuIdStart, uint cpuId)
    {
        Span<uint> cpu = [cpuIdStart, cpuId];
        Span<uint> node = [SandboxNode, SandboxMmCid];
        return Mem.Write(RseqAddr + OffCpuIdStart, MemoryMarshal.AsBytes(cpu))
            && Mem.Write(RseqAddr + OffNodeId, MemoryMarshal.AsBytes(node));
    }

    /// <summary>The CPU the task reports (getcpu, rseq): the first its affinity allows. The host schedules the stubs
    /// as it likes, but a program that pins a thread sees it on that CPU.</summary>
    public uint Cpu => (uint)System.Numerics.BitOperations.TrailingZeroCount(Affinity);

    /// <summary>sched_setaffinity changed the task's CPU: its rseq cpu fields are brought up to date (and a critical
    /// section it is in aborted, as a migration does) before it runs guest code again.</summary>
    internal void CpuMoved()
    {
        if (RseqAddr != 0) RseqKick();
    }

    /// <summary>The run loop marks the task interrupted when the host stopped it (not for a syscall or a fault).</summary>
    internal void RseqInterrupted()
    {
        if (RseqAddr != 0) _rseqPending = true;
    }

    /// <summary>Before the guest runs again after an interruption: abort an interrupted critical section and bring
    /// the cpu fields up to date (Linux's rseq_handle_notify_resume); a bad structure is a SIGSEGV.</summary>
    void RseqResume()
    {
        _rseqPending = false;
        if (RseqAddr == 0) return;
        if (!RseqFixIp() || !WriteRseqCpu(Cpu, Cpu)) RseqFault(0);
    }

    /// <summary>A handler's frame is about to be pushed (Linux's rseq_signal_deliver): the frame keeps the abort_ip.</summary>
    void RseqOnSignal(int sig)
    {
        if (RseqAddr == 0) return;
        if (!RseqFixIp() || !WriteRseqCpu(Cpu, Cpu)) RseqFault(sig);
    }

    /// <summary>Linux's force_sigsegv: the signal being delivered, if SIGSEGV, loses its handler.</summary>
    void RseqFault(int delivering)
    {
        if (delivering == SIGSEGV) Signals.Actions[SIGSEGV].Handler = SIG_DFL;
        ForceSignal(SIGSEGV, new SigInfo { Signo = SIGSEGV, Code = SI_KERNEL }.ToArray());
    }

    /// <summary>Linux's rseq_ip_fixup: with a critical section set, check it (version, flags, bounds, abort_ip
    /// outside, the signature before abort_ip), clear it, and move an IP inside it to abort_ip. False: SIGSEGV.</summary>
    bool RseqFixIp()
    {
        if (!Mem.Read(RseqAddr + OffRseqCs, out ulong csAddr)) return false;
        if (csAddr == 0) return true;
        if (csAddr >= MemoryManager.TaskSize || !Mem.Read(csAddr, out RseqCs cs)) return false;
        ulong end = cs.StartIp + cs.PostCommitOffset;
        if (cs.StartIp >= MemoryManager.TaskSize || end >= MemoryManager.TaskSize || cs.AbortIp >= MemoryManager.TaskSize
            || cs.Version > 0 || end < cs.StartIp || cs.AbortIp - cs.StartIp < cs.PostCommitOffset)
            return false;
        if (!Mem.Read(cs.AbortIp - SignatureSize, out uint signature) || signature != _rseqSig) return false;
        bool inside = Regs.Rip - cs.StartIp < cs.PostCommitOffset;
        if (inside)
        {
            // The deprecated no-restart flags and unknown ones are refused (Linux's rseq_warn_flags).
            if (cs.Flags != 0 || !Mem.Read(RseqAddr + OffFlags, out uint flags) || flags != 0) return false;
        }
        if (!Mem.Write(RseqAddr + OffRseqCs, 0UL)) return false;
        if (inside) Regs.Rip = cs.AbortIp;
        return true;
    }

    /// <summary>Brackets one run of guest code for the preempter (odd inside).</summary>
    void EnterGuest()
    {
        if (_rseqPending) RseqResume();
        Volatile.Write(ref _guestRuns, _guestRuns + 1);
        if (RseqAddr != 0) Kernel.RseqPreempter.GuestEntered();
    }

    void LeaveGuest() => Volatile.Write(ref _guestRuns, _guestRuns + 1);

    /// <summary>MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ: every other thread of the address space is interrupted as by a
    /// preemption; those running guest code are kicked, and the call returns once each has left it.</summary>
    public void RseqFence() => Kernel.RseqPreempter.Fence(this);

    /// <summary>The preempter or a fence interrupts this task; one running guest code is kicked out of it. The run
    /// it kicked (odd), or 0 if it was not running (the mark is made first, so a task entering the guest meanwhile
    /// sees it).</summary>
    internal long RseqKick()
    {
        Interlocked.Exchange(ref _rseqPendingWord, 1);
        long run = GuestRuns;
        if ((run & 1) == 0) return 0;
        Stub?.Kick();
        return run;
    }
}
