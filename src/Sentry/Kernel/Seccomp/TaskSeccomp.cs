using AppKernel.Sentry.Kernel.Seccomp;
using AppKernel.Sentry.Syscalls;
using Microsoft.Extensions.Logging;

namespace AppKernel.Sentry.Kernel;

/// <summary>The seccomp check before a call is dispatched (Linux's __secure_computing), for both platforms.</summary>
public sealed partial class Task
{
    /// <summary>The task's seccomp mode and filters (null: none, the fast path). Inherited by fork and clone, kept
    /// across exec; replaced whole (never changed in place), by this task or by a TSYNC in another thread.</summary>
    public SeccompState? Seccomp;

    public const uint AUDIT_ARCH_X86_64 = 0xC000003E;
    /// <summary>SIGSYS's si_code for a seccomp trap; Linux's MAX_ERRNO caps RET_ERRNO's data.</summary>
    public const int SYS_SECCOMP = 1, MAX_ERRNO = 4095;

    /// <summary>Applies the task's seccomp state to call nr: null to run it, else the value rax gets (the call is skipped).</summary>
    long? CheckSeccomp(SeccompState s, ref long nr)
    {
        if (s.Mode == SeccompState.MODE_STRICT)
        {
            if (nr is Nr.read or Nr.write or Nr.exit or Nr.rt_sigreturn) return null;
            Kernel.Log.LogInformation("seccomp: pid {Pid} killed by strict mode at {Name}", Tid, SyscallNames.Of(nr));
            KillThread(SignalState.SIGKILL, core: false);
            return -(long)Errno.ENOSYS;
        }
        var d = new SeccompData
        {
            Nr = (int)nr, Arch = AUDIT_ARCH_X86_64, InstructionPointer = Regs.Rip,
            Arg0 = Regs.Rdi, Arg1 = Regs.Rsi, Arg2 = Regs.Rdx, Arg3 = Regs.R10, Arg4 = Regs.R8, Arg5 = Regs.R9,
        };
        uint ret = s.Evaluate(d, out var match);
        uint data = ret & SeccompRet.DATA;
        switch (ret & SeccompRet.ACTION_FULL)
        {
            case SeccompRet.ALLOW:
                return null;
            case SeccompRet.LOG:
                Kernel.Log.LogInformation("seccomp: pid {Pid} {Name} allowed and logged", Tid, SyscallNames.Of(nr));
                return null;
            case SeccompRet.ERRNO:
                return -(long)Math.Min(data, MAX_ERRNO);
            case SeccompRet.TRAP:
                // The handler sees the call's registers as they were (syscall_rollback: rax is the number again).
                ForceSignal(SIGSYS, new SigInfo { Signo = SIGSYS, Errno = (int)data, Code = SYS_SECCOMP, Addr = Regs.Rip, Syscall = (int)nr, Arch = AUDIT_ARCH_X86_64 }.ToArray());
                return nr;
            case SeccompRet.TRACE:
                return PtraceSeccomp(data, ref nr);
            case SeccompRet.USER_NOTIF:
                return match?.Listener is { } l ? l.Notify(this, d) : -(long)Errno.ENOSYS;
            case SeccompRet.KILL_THREAD when Group.Threads().Count(x => !x.Exited) > 1:
                Kernel.Log.LogInformation("seccomp: thread {Tid} killed at {Name}", Tid, SyscallNames.Of(nr));
                Stop(0, SIGSYS, false);
                return -(long)Errno.ENOSYS;
            default:
                // KILL_PROCESS, the last thread's KILL_THREAD and any unknown action: SIGSYS with a core.
                Kernel.Log.LogInformation("seccomp: pid {Pid} killed at {Name}", Tgid, SyscallNames.Of(nr));
                Terminate(SIGSYS, true);
                return -(long)Errno.ENOSYS;
        }
    }

    /// <summary>do_exit(sig) of this thread alone: the process ends with it only when it is the last one.</summary>
    void KillThread(int sig, bool core)
    {
        if (Group.Threads().Count(x => !x.Exited) > 1) Stop(0, sig, core);
        else Terminate(sig, core);
    }

    /// <summary>A signal the task cannot refuse (force_sig_info's HANDLER_CURRENT): blocked or ignored, its
    /// disposition becomes the default and it is unblocked.</summary>
    public void ForceSignal(int sig, byte[] info)
    {
        ulong bit = SignalState.Bit(sig);
        if ((Signals.Mask & bit) != 0 || Signals.Actions[sig].Handler == SIG_IGN)
        {
            Signals.Actions[sig].Handler = SIG_DFL;
            Signals.Mask &= ~bit;
        }
        SendSignal(sig, info, shared: false);
    }
}
