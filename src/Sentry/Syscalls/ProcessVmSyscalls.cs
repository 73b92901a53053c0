using AppKernel.Platform;
using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>process_vm_readv/process_vm_writev: copies between the caller's memory and another guest process's,
/// through each one's stub, with Linux's rules (ptrace-attach permission, partial counts, EFAULT only when nothing
/// moved).</summary>
static class ProcessVmSyscalls
{
    const int Chunk = 1 << 16;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.process_vm_readv] = (k, pid, liov, lcnt, riov, rcnt, flags) => Copy(k, (int)pid, liov, lcnt, riov, rcnt, flags, false);
        t[Nr.process_vm_writev] = (k, pid, liov, lcnt, riov, rcnt, flags) => Copy(k, (int)pid, liov, lcnt, riov, rcnt, flags, true);
        t[Nr.process_madvise] = (k, pidfd, iov, n, advice, flags, _) => ProcessMadvise(k, (int)pidfd, iov, n, (int)advice, flags);
        t[Nr.process_mrelease] = (k, pidfd, flags, _, _, _, _) => ProcessMrelease(k, (int)pidfd, flags);
    }

    const int MADV_COLLAPSE = 25;

    /// <summary>
    /// process_madvise(2): the non-destructive hints on another process's ranges, in order, stopping at the first
    /// failure; the bytes advised, else that failure. Needs read access to the process and CAP_SYS_NICE.
    /// </summary>
    static long ProcessMadvise(Task t, int pidfd, ulong iovAddr, ulong count, int advice, ulong flags)
    {
        if (flags != 0) return Err(Errno.EINVAL);
        var e = t.Mem.ReadIovecs(iovAddr, count, out var iovs);
        if (e != Errno.None) return Err(e);
        using var pfRef = t.Fds.Borrow(pidfd);
        if (pfRef.File is not FileSystems.Anon.PidFd pf) return Err(Errno.EBADF);
        var target = pf.Target;
        if (target.Zombie || t.Kernel.FindTask(target.Tid) != target) return Err(Errno.ESRCH);
        if (advice is not (Memory.MemoryManager.MADV_COLD or Memory.MemoryManager.MADV_PAGEOUT or Memory.MemoryManager.MADV_WILLNEED or MADV_COLLAPSE))
            return Err(Errno.EINVAL);
        if (!MayAccess(t, target)) return Err(Errno.EPERM);
        if (!t.Creds.Has(Credentials.CAP_SYS_NICE)) return Err(Errno.EPERM);
        long done = 0, r = 0;
        foreach (var v in iovs)
        {
            lock (target.MM) r = target.MM.Madvise((ulong)v.Base, v.Len, advice);
            if (r < 0) break;
            done += (long)v.Len;
        }
        return done > 0 ? done : r;
    }

    /// <summary>process_mrelease(2): frees a dying process's memory early. Only a process that is exiting may be
    /// reaped (EINVAL for a live one); one whose memory is already gone is ESRCH.</summary>
    static long ProcessMrelease(Task t, int pidfd, ulong flags)
    {
        if (flags != 0) return Err(Errno.EINVAL);
        using var pfRef = t.Fds.Borrow(pidfd);
        if (pfRef.File is not FileSystems.Anon.PidFd pf) return Err(Errno.EBADF);
        var target = pf.Target;
        if (target.Zombie || t.Kernel.FindTask(target.Tid) != target) return Err(Errno.ESRCH);
        return target.Exited ? 0 : Err(Errno.EINVAL);
    }

    /// <summary>Linux's ptrace_may_access with PTRACE_MODE_REALCREDS (or FSCREDS: the caller's fs ids instead of its
    /// real ones, as /proc/[pid]/mem's open): the same process, or CAP_SYS_PTRACE in the target's user namespace, or a
    /// target whose real, effective and saved ids all are the caller's and (commoncap's check) which lives in the
    /// caller's user namespace with no permitted capability the caller lacks; then Landlock's rule (a restricted
    /// caller reaches only tasks in its domain or nested in it).</summary>
    internal static bool MayAccess(Task t, Task target, bool fsCreds = false)
    {
        if (target.Tgid == t.Tgid) return true;
        Credentials c = t.Creds, d = target.Creds;
        uint uid = fsCreds ? c.Fsuid : c.Uid, gid = fsCreds ? c.Fsgid : c.Gid;
        bool creds = t.Creds.HasIn(target.Creds.UserNs, Credentials.CAP_SYS_PTRACE)
            || (uid == d.Uid && uid == d.Euid && uid == d.Suid && gid == d.Gid && gid == d.Egid && gid == d.Sgid
                && c.UserNs == d.UserNs && (d.CapPermitted & ~c.CapPermitted) == 0);
        return creds && Kernel.Landlock.LandlockChecks.MayTrace(t, target);
    }

    static long Copy(Task t, int pid, ulong localAddr, ulong localCount, ulong remoteAddr, ulong remoteCount, ulong flags, bool write)
    {
        if (flags != 0) return Err(Errno.EINVAL);
        var e = t.Mem.ReadIovecs(localAddr, localCount, out var local);
        if (e != Errno.None) return Err(e);
        ulong total = 0;
        foreach (var v in local) total += v.Len;
        if (total == 0) return 0;
        e = t.Mem.ReadIovecs(remoteAddr, remoteCount, out var remote, importing: false);
        if (e != Errno.None) return Err(e);
        var target = pid > 0 ? t.PidNs.Lookup(pid) : null;
        if (target == null) return Err(Errno.ESRCH);
        if (!MayAccess(t, target)) return Err(Errno.EPERM);
        if (target.Zombie || target.Stub == null) return Err(Errno.ESRCH); // no memory left to reach
        GuestMemory from = write ? t.Mem : target.Mem, to = write ? target.Mem : t.Mem;

        var buf = new byte[Chunk];
        long done = 0;
        int li = 0;
        ulong lOff = 0;
        foreach (var r in remote)
        {
            ulong rOff = 0;
            while (rOff < r.Len)
            {
                while (li < local.Length && lOff == local[li].Len) { li++; lOff = 0; }
                if (li == local.Length) return done;
                int n = (int)Math.Min(Math.Min(r.Len - rOff, local[li].Len - lOff), (ulong)Chunk);
                ulong rAt = (ulong)r.Base + rOff, lAt = (ulong)local[li].Base + lOff;
                int got = from.ReadPartial(write ? lAt : rAt, buf.AsSpan(0, n));
                int put = to.WritePartial(write ? rAt : lAt, buf.AsSpan(0, got));
                done += put;
                if (put < n) return done > 0 ? done : Err(Errno.EFAULT);
                rOff += (ulong)n;
                lOff += (ulong)n;
            }
        }
        return done;
    }
}
