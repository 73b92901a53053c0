using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>rt_sigaction, rt_sigprocmask, sigaltstack: recorded and reported back (delivery comes with processes).</summary>
static class SignalSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.rt_sigaction] = (k, sig, act, oact, size, _, _) => Sigaction(k, (int)sig, act, oact, size);
        t[Nr.rt_sigprocmask] = (k, how, set, oset, size, _, _) => Sigprocmask(k, (int)how, set, oset, size);
        // Nothing is ever pending until signal delivery arrives with the processes issue.
        t[Nr.rt_sigpending] = (k, set, size, _, _, _, _) => size != 8 ? Err(Errno.EINVAL) : k.Mem.Write(set, 0UL) ? 0 : Err(Errno.EFAULT);
        t[Nr.kill] = (k, pid, sig, _, _, _, _) => Kill(k, (int)pid, (int)sig);
        t[Nr.sigaltstack] = (k, ss, oss, _, _, _, _) => Sigaltstack(k, ss, oss);
    }

    static long Kill(Task t, int pid, int sig)
    {
        if (sig < 0 || sig > SignalState.NSig) return Err(Errno.EINVAL);
        if (pid != t.Tgid && pid != 0 && pid != -1 && pid != -t.Tgid) return Err(Errno.ESRCH);
        if (sig == 0) return 0;
        return Err(Errno.ENOSYS); // delivery comes with the processes issue
    }

    static long Sigaction(Task t, int sig, ulong act, ulong oact, ulong size)
    {
        if (size != 8) return Err(Errno.EINVAL);
        if (sig < 1 || sig > SignalState.NSig) return Err(Errno.EINVAL);
        SigAction newAct = default;
        if (act != 0)
        {
            if (sig is SignalState.SIGKILL or SignalState.SIGSTOP) return Err(Errno.EINVAL);
            if (!t.Mem.Read(act, out newAct)) return Err(Errno.EFAULT);
            newAct.Mask &= ~SignalState.Unblockable;
        }
        if (oact != 0 && !t.Mem.Write(oact, t.Signals.Actions[sig])) return Err(Errno.EFAULT);
        if (act != 0) t.Signals.Actions[sig] = newAct;
        return 0;
    }

    static long Sigprocmask(Task t, int how, ulong set, ulong oset, ulong size)
    {
        if (size != 8) return Err(Errno.EINVAL);
        ulong old = t.Signals.Mask;
        if (set != 0)
        {
            if (!t.Mem.Read(set, out ulong m)) return Err(Errno.EFAULT);
            switch (how)
            {
                case 0: t.Signals.Mask |= m; break;
                case 1: t.Signals.Mask &= ~m; break;
                case 2: t.Signals.Mask = m; break;
                default: return Err(Errno.EINVAL);
            }
            t.Signals.Mask &= ~SignalState.Unblockable;
        }
        if (oset != 0 && !t.Mem.Write(oset, old)) return Err(Errno.EFAULT);
        return 0;
    }

    const int SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 1 << 31, MINSIGSTKSZ = 2048;

    static long Sigaltstack(Task t, ulong ss, ulong oss)
    {
        var cur = t.Signals.AltStack;
        bool onStack = (cur.Flags & SS_DISABLE) == 0 && t.Regs.Rsp > cur.Sp && t.Regs.Rsp <= cur.Sp + cur.Size;
        if (oss != 0)
        {
            var o = cur;
            if (onStack) o.Flags |= SS_ONSTACK;
            if (!t.Mem.Write(oss, o)) return Err(Errno.EFAULT);
        }
        if (ss != 0)
        {
            if (!t.Mem.Read(ss, out SigAltStack n)) return Err(Errno.EFAULT);
            if (onStack) return Err(Errno.EPERM);
            int mode = n.Flags & ~SS_AUTODISARM;
            if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK) return Err(Errno.EINVAL);
            if (mode == SS_DISABLE) n = new SigAltStack { Flags = SS_DISABLE };
            else if (n.Size < MINSIGSTKSZ) return Err(Errno.ENOMEM);
            else n.Flags &= SS_AUTODISARM;
            t.Signals.AltStack = n;
        }
        return 0;
    }
}
