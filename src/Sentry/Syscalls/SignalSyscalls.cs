using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>Dispositions, masks, sending (kill, tgkill, sigqueue), waiting (sigtimedwait, sigsuspend) and sigreturn.</summary>
static class SignalSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.rt_sigaction] = (k, sig, act, oact, size, _, _) => Sigaction(k, (int)sig, act, oact, size);
        t[Nr.rt_sigprocmask] = (k, how, set, oset, size, _, _) => Sigprocmask(k, (int)how, set, oset, size);
        t[Nr.rt_sigpending] = (k, set, size, _, _, _, _) =>
            size != 8 ? Err(Errno.EINVAL) : k.Mem.Write(set, k.Signals.PendingMask() & k.Signals.Mask) ? 0 : Err(Errno.EFAULT);
        t[Nr.kill] = (k, pid, sig, _, _, _, _) => Kill(k, (int)pid, (int)sig);
        t[Nr.tgkill] = (k, tgid, tid, sig, _, _, _) => (int)tgid <= 0 ? Err(Errno.EINVAL) : TKill(k, (int)tgid, (int)tid, (int)sig);
        t[Nr.tkill] = (k, tid, sig, _, _, _, _) => TKill(k, -1, (int)tid, (int)sig);
        t[Nr.rt_sigqueueinfo] = (k, pid, sig, info, _, _, _) => Queue(k, (int)pid, (int)sig, info);
        t[Nr.rt_tgsigqueueinfo] = (k, tgid, tid, sig, info, _, _) => Queue(k, (int)tid, (int)sig, info, (int)tgid);
        t[Nr.rt_sigtimedwait] = (k, set, info, timeout, size, _, _) => TimedWait(k, set, info, timeout, size);
        t[Nr.rt_sigsuspend] = (k, set, size, _, _, _, _) => Suspend(k, set, size);
        t[Nr.pause] = (k, _, _, _, _, _, _) => Suspend(k, 0, 8);
        t[Nr.rt_sigreturn] = (k, _, _, _, _, _, _) => k.SigReturn();
        // The Sentry restarts interrupted calls itself and never leaves a restart block for the guest to resume:
        // a direct call finds none, and Linux then answers EINTR.
        // The interrupted call's continuation, once (Linux's restart_block; none left: EINTR).
        t[Nr.restart_syscall] = (k, _, _, _, _, _, _) =>
        {
            var block = k.RestartBlock;
            k.RestartBlock = null;
            return block != null ? block(k) : Err(Errno.EINTR);
        };
        t[Nr.sigaltstack] = (k, ss, oss, _, _, _, _) => Sigaltstack(k, ss, oss);
        t[Nr.pidfd_open] = (k, pid, flags, _, _, _, _) => PidfdOpen(k, (int)pid, flags);
        t[Nr.pidfd_send_signal] = (k, fd, sig, info, flags, _, _) => PidfdSendSignal(k, (int)fd, (int)sig, info, flags);
        t[Nr.pidfd_getfd] = (k, fd, targetFd, flags, _, _, _) => PidfdGetfd(k, (int)fd, (int)targetFd, flags);
    }

    /// <summary>pidfd_open(2): an fd naming a process (its leader's pid), always close-on-exec.</summary>
    static long PidfdOpen(Task t, int pid, ulong flags)
    {
        if ((flags & ~(ulong)OpenFlags.O_NONBLOCK) != 0 || pid <= 0) return Err(Errno.EINVAL);
        var p = t.PidNs.Lookup(pid);
        if (p == null) return Err(Errno.ESRCH);
        if (p.Tid != p.Tgid) return Err(Errno.EINVAL);
        return t.Fds.Install(new FileSystems.Anon.PidFd(p, (int)flags), true, 0, t.Limits.NoFile);
    }

    /// <summary>pidfd_send_signal(2): kill(2) through a pidfd, with an optional siginfo as rt_sigqueueinfo's.</summary>
    static long PidfdSendSignal(Task t, int fd, int sig, ulong infoAddr, ulong flags)
    {
        if (flags != 0 || sig < 0 || sig > SignalState.NSig) return Err(Errno.EINVAL);
        using var pfRef = t.Fds.Borrow(fd);
        // A /proc/[pid] directory's fd names its process too (Linux's tgid_pidfd_to_pid).
        var p = pfRef.File switch
        {
            FileSystems.Anon.PidFd pf => pf.Target,
            { Inode: FileSystems.Proc.ProcPidDir { Process: { } proc } } => proc,
            _ => null,
        };
        if (p == null) return Err(Errno.EBADF);
        if (!t.PidNs.Sees(p.Tid)) return Err(Errno.EINVAL); // a process outside the caller's PID namespace (access_pidfd_pidns)
        byte[] info;
        if (infoAddr != 0)
        {
            info = new byte[128];
            if (!t.Mem.Read(infoAddr, info)) return Err(Errno.EFAULT);
            if (BitConverter.ToInt32(info, 0) != sig) return Err(Errno.EINVAL);
            int code = BitConverter.ToInt32(info, 8);
            if ((code >= 0 || code == Task.SI_TKILL) && p.Tgid != t.Tgid) return Err(Errno.EPERM);
        }
        else info = Task.UserInfo(sig, Task.SI_USER, t.Tgid, t.SignalUid);
        if (t.Kernel.FindTask(p.Tid) != p) return Err(Errno.ESRCH); // reaped (a zombie still takes signals)
        if (!MaySignal(t, p, sig)) return Err(Errno.EPERM);
        if (sig != 0) p.SendSignal(sig, infoAddr != 0 ? t.UidToKernel(info) : info, asWritten: infoAddr != 0);
        return 0;
    }

    /// <summary>pidfd_getfd(2): a close-on-exec copy of another process's fd, given ptrace-attach permission over it
    /// (a process that is exiting or has exited has no fds left: ESRCH, as Linux).</summary>
    static long PidfdGetfd(Task t, int fd, int targetFd, ulong flags)
    {
        if (flags != 0) return Err(Errno.EINVAL);
        using var pfRef = t.Fds.Borrow(fd);
        if (pfRef.File is not FileSystems.Anon.PidFd pf) return Err(Errno.EBADF);
        var p = pf.Target;
        if (t.Kernel.FindTask(p.Tid) != p) return Err(Errno.ESRCH);
        if (!ProcessVmSyscalls.MayAccess(t, p)) return Err(Errno.EPERM);
        using var fRef = p.Fds.Borrow(targetFd);
        if (fRef.File is not { } f) return Err(pf.Gone ? Errno.ESRCH : Errno.EBADF); // an exiting process has no fds

        f.IncRef();
        int nfd = t.Fds.Install(f, cloexec: true, 0, t.Limits.NoFile);
        if (nfd < 0) f.DecRef();
        return nfd;
    }

    /// <summary>Linux's check_kill_permission for a signal a process sends: its own process, matching
    /// credentials (or root), or SIGCONT within the session; then Landlock's signal scope; else EPERM.</summary>
    static bool MaySignal(Task t, Task target, int sig) =>
        (target.Tgid == t.Tgid || t.Creds.MaySignal(target.Creds) || (sig == Task.SIGCONT && target.Sid == t.Sid))
        && Kernel.Landlock.LandlockChecks.MaySignal(t, target);

    static long Kill(Task t, int pid, int sig)
    {
        if (sig < 0 || sig > SignalState.NSig) return Err(Errno.EINVAL);
        if (pid == int.MinValue) return Err(Errno.ESRCH);
        // pid > 0 that process; 0 our process group; -1 every process but pid 1 and ourselves; < -1 that group.
        var targets = new List<Task>();
        // A zombie still takes a signal (it is ignored) until it is reaped, as on Linux.
        if (pid > 0) { if (t.PidNs.Lookup(pid) is { } p) targets.Add(p); }
        else
            foreach (var p in t.Kernel.Tasks())
            {
                if (p.Zombie || p.Tid != p.Tgid) continue; // one signal per process, through its leader
                // -1: what the caller's namespace sees, but its init; a group: its number in that namespace.
                bool hit = pid == -1 ? t.PidNs.IdOf(p.Tgid) > 1 && p.Tgid != t.Tgid : p.Pgid == (pid == 0 ? t.Pgid : t.PidNs.GlobalOf(-pid));
                if (hit) targets.Add(p);
            }
        if (targets.Count == 0) return Err(Errno.ESRCH);
        // A group succeeds if any member may be signalled; kill(-1) succeeds even if none may (Linux's rules).
        int allowed = 0;
        foreach (var p in targets)
        {
            if (!MaySignal(t, p, sig)) continue;
            allowed++;
            if (sig != 0) p.SendSignal(sig, Task.UserInfo(sig, Task.SI_USER, t.Tgid, t.SignalUid));
        }
        return allowed > 0 || pid == -1 ? 0 : Err(Errno.EPERM);
    }

    static long TKill(Task t, int tgid, int tid, int sig)
    {
        if (sig < 0 || sig > SignalState.NSig || tid <= 0) return Err(Errno.EINVAL);
        var p = t.PidNs.Lookup(tid);
        if (p == null || p.Zombie || (tgid > 0 && p.Tgid != t.PidNs.GlobalOf(tgid))) return Err(Errno.ESRCH);
        if (!MaySignal(t, p, sig)) return Err(Errno.EPERM);
        if (sig != 0) p.SendSignal(sig, Task.UserInfo(sig, Task.SI_TKILL, t.Tgid, t.SignalUid), shared: false);
        return 0;
    }

    /// <summary>rt_sigqueueinfo (to a process), or rt_tgsigqueueinfo (tgid given: to that thread of it).</summary>
    static long Queue(Task t, int pid, int sig, ulong infoAddr, int tgid = 0)
    {
        bool toThread = tgid != 0;
        if (sig < 0 || sig > SignalState.NSig || (toThread && (tgid <= 0 || pid <= 0))) return Err(Errno.EINVAL);
        var info = new byte[SigInfo.Size];
        if (!t.Mem.Read(infoAddr, info)) return Err(Errno.EFAULT);
        int code = System.Runtime.InteropServices.MemoryMarshal.Read<SigInfo>(info).Code;
        // A process may not forge kernel-made signals (si_code >= 0) or tkill's, except to itself.
        if ((code >= 0 || code == Task.SI_TKILL) && (toThread ? tgid : pid) != t.OwnTgid) return Err(Errno.EPERM);
        BitConverter.TryWriteBytes(info.AsSpan(0), sig);
        var p = t.PidNs.Lookup(pid);
        if (p == null || p.Zombie || (toThread && p.Tgid != t.PidNs.GlobalOf(tgid))) return Err(Errno.ESRCH);
        if (!MaySignal(t, p, sig)) return Err(Errno.EPERM);
        if (sig == 0) return 0;
        p.SendSignal(sig, t.UidToKernel(info), shared: !toThread, asWritten: true);
        return 0;
    }

    static long TimedWait(Task t, ulong setAddr, ulong infoAddr, ulong timeoutAddr, ulong size)
    {
        if (size != 8) return Err(Errno.EINVAL);
        if (!t.Mem.Read(setAddr, out ulong set)) return Err(Errno.EFAULT);
        set &= ~SignalState.Unblockable;
        var deadline = Deadline.None;
        if (timeoutAddr != 0)
        {
            if (!t.Mem.Read(timeoutAddr, out Timespec ts)) return Err(Errno.EFAULT);
            if (ts.Sec < 0 || ts.Nsec is < 0 or >= 1_000_000_000) return Err(Errno.EINVAL);
            deadline = Deadline.AfterSpan(ts.Sec, ts.Nsec);
        }
        lock (t.Signals.Queue)
        {
            while (true)
            {
                // Take only a signal in set: everything else stays pending for normal delivery.
                if (t.TakeSignal(~set, out int sig, out var info))
                {
                    if (infoAddr != 0 && !t.Mem.Write(infoAddr, info.AsSpan(0, SigInfo.Size))) return Err(Errno.EFAULT);
                    return sig;
                }
                // Another signal that is not blocked (or death) ends the wait; one of set arriving pulses the queue.
                if (t.SignalPending || t.Exited) return Err(Errno.EINTR);
                if (deadline.Passed) return Err(Errno.EAGAIN);
                t.Sleep(t.Signals.Queue, deadline.WaitMs);
            }
        }
    }

    /// <summary>rt_sigsuspend/pause: wait with a temporary mask until a signal is delivered; always EINTR.</summary>
    static long Suspend(Task t, ulong setAddr, ulong size)
    {
        if (size != 8) return Err(Errno.EINVAL);
        ulong mask = t.Signals.Mask;
        if (setAddr != 0 && !t.Mem.Read(setAddr, out mask)) return Err(Errno.EFAULT);
        mask &= ~SignalState.Unblockable;
        ulong old = t.Signals.Mask;
        // The temporary mask is in force while waiting (a signal it blocks does not end the wait) and while the
        // handler runs; sigreturn then brings back the old one.
        t.Signals.Mask = mask;
        lock (t.Signals.Queue)
            while (t.Sleep(t.Signals.Queue)) { }
        t.RestoreMaskAfterHandler = old;
        return Err(Errno.EINTR);
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
        if (act != 0)
        {
            t.Signals.Actions[sig] = newAct;
            // Setting "ignore" discards what is pending, even while blocked.
            if (newAct.Handler == 1 || (newAct.Handler == 0 && Task.DefaultIgnored(sig))) t.Signals.Discard(sig);
        }
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
