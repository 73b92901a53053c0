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
    }

    /// <summary>Linux's ptrace_may_access with PTRACE_MODE_REALCREDS: the same process, root, or a target whose
    /// real, effective and saved ids all are the caller's real ones.</summary>
    internal static bool MayAccess(Task t, Task target)
    {
        if (target.Tgid == t.Tgid || t.Creds.Has(Credentials.CAP_SYS_PTRACE)) return true;
        Credentials c = t.Creds, d = target.Creds;
        return c.Uid == d.Uid && c.Uid == d.Euid && c.Uid == d.Suid && c.Gid == d.Gid && c.Gid == d.Egid && c.Gid == d.Sgid;
    }

    static long Copy(Task t, int pid, ulong localAddr, ulong localCount, ulong remoteAddr, ulong remoteCount, ulong flags, bool write)
    {
        if (flags != 0) return Err(Errno.EINVAL);
        var e = t.Mem.ReadIovecs(localAddr, localCount, out var local);
        if (e != Errno.None) return Err(e);
        ulong total = 0;
        foreach (var v in local) total += v.Len;
        if (total == 0) return 0;
        e = t.Mem.ReadIovecs(remoteAddr, remoteCount, out var remote);
        if (e != Errno.None) return Err(e);
        var target = pid > 0 ? t.Kernel.FindTask(pid) : null;
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
