using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>fork, vfork, clone, wait4/waitid, and the CPU times of processes (getrusage, times).</summary>
static class ForkSyscalls
{
    const ulong SIGCHLD = 17;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.fork] = (k, _, _, _, _, _, _) => k.Fork(SIGCHLD, 0, 0, 0, 0);
        t[Nr.vfork] = (k, _, _, _, _, _, _) => k.Fork(Task.CLONE_VM | Task.CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
        // clone(flags, stack, parent_tid, child_tid, tls) on x86-64.
        t[Nr.clone] = (k, flags, stack, ptid, ctid, tls, _) => k.Fork(flags, stack, ptid, ctid, tls);
        // clone3 is ENOSYS: glibc then falls back to clone.
        t[Nr.wait4] = (k, pid, status, options, rusage, _, _) => Wait4(k, (int)pid, status, (int)options, rusage);
        t[Nr.getrusage] = (k, who, addr, _, _, _, _) => Getrusage(k, (int)who, addr);
        t[Nr.times] = (k, addr, _, _, _, _, _) => Times(k, addr);
        t[Nr.waitid] = (k, idtype, id, info, options, rusage, _) => Waitid(k, (int)idtype, (int)id, info, (int)options, rusage);
    }

    const long TicksPerSec = 100; // USER_HZ, what /proc's utime/stime count in

    static long Getrusage(Task t, int who, ulong addr)
    {
        (long User, long Sys) ticks = who switch
        {
            0 => t.CpuTicks(false),     // RUSAGE_SELF
            -1 => t.Group.Leader.ChildrenTicks, // RUSAGE_CHILDREN: the process's
            1 => t.CpuTicks(true),      // RUSAGE_THREAD
            _ => (-1, -1),
        };
        if (ticks.User < 0) return Err(Errno.EINVAL);
        return WriteRusage(t, addr, ticks) ? 0 : Err(Errno.EFAULT);
    }

    /// <summary>A struct rusage with the user and system times (clock ticks); the other fields are not kept.</summary>
    static bool WriteRusage(Task t, ulong addr, (long User, long Sys) ticks)
    {
        var ru = new long[18];
        ru[0] = ticks.User / TicksPerSec; ru[1] = ticks.User % TicksPerSec * (1_000_000 / TicksPerSec);
        ru[2] = ticks.Sys / TicksPerSec; ru[3] = ticks.Sys % TicksPerSec * (1_000_000 / TicksPerSec);
        return t.Mem.Write(addr, System.Runtime.InteropServices.MemoryMarshal.AsBytes(ru.AsSpan()));
    }

    static long Times(Task t, ulong addr)
    {
        var self = t.CpuTicks(false);
        if (addr != 0)
        {
            Span<long> tms = stackalloc long[4] { self.User, self.Sys, t.Group.Leader.ChildrenTicks.User, t.Group.Leader.ChildrenTicks.Sys };
            if (!t.Mem.Write(addr, System.Runtime.InteropServices.MemoryMarshal.AsBytes(tms))) return Err(Errno.EFAULT);
        }
        return (long)(t.Kernel.Uptime.ElapsedMilliseconds / (1000 / TicksPerSec));
    }

    static long Wait4(Task t, int pid, ulong statusAddr, int options, ulong rusage)
    {
        if ((options & ~(Task.WNOHANG | Task.WUNTRACED | Task.WCONTINUED | Task.__WNOTHREAD | Task.__WALL | Task.__WCLONE)) != 0)
            return Err(Errno.EINVAL);
        if (pid == int.MinValue) return Err(Errno.ESRCH);
        var e = t.WaitChild(pid, options & (Task.WNOHANG | Task.WUNTRACED | Task.WCONTINUED), out var child, out int status, out _, out _);
        if (e != Errno.None) return Err(e);
        if (child == null) return 0;
        if (statusAddr != 0 && !t.Mem.Write(statusAddr, status)) return Err(Errno.EFAULT);
        var total = (child.ExitTicks.User + child.ChildrenTicks.User, child.ExitTicks.Sys + child.ChildrenTicks.Sys);
        if (rusage != 0 && !WriteRusage(t, rusage, total)) return Err(Errno.EFAULT);
        return child.Tid;
    }

    const int P_ALL = 0, P_PID = 1, P_PGID = 2;

    /// <summary>waitid without WEXITED: only stops and continues are looked for (exits stay for a later wait).</summary>
    static Errno WaitNoExit(Task t, int pid, int opts, out Task? child, out int code, out int info)
    {
        child = null; code = info = 0;
        if ((opts & (Task.WUNTRACED | Task.WCONTINUED)) == 0) return Errno.EINVAL;
        return t.WaitChild(pid, opts | Task.WNOWAIT_EXITS, out child, out _, out code, out info);
    }

    static long Waitid(Task t, int idtype, int id, ulong info, int options, ulong rusage)
    {
        if ((options & ~(Task.WNOHANG | Task.WEXITED | Task.WUNTRACED | Task.WCONTINUED | Task.WNOWAIT | Task.__WNOTHREAD | Task.__WALL | Task.__WCLONE)) != 0)
            return Err(Errno.EINVAL);
        if ((options & (Task.WEXITED | Task.WUNTRACED | Task.WCONTINUED)) == 0) return Err(Errno.EINVAL);
        int pid = idtype switch { P_ALL => -1, P_PID => id, P_PGID => id == 0 ? 0 : -id, _ => int.MinValue };
        if (pid == int.MinValue || (idtype == P_PID && id <= 0)) return Err(Errno.EINVAL);
        // waitid's WSTOPPED is wait4's WUNTRACED; without WEXITED, exits are not reported.
        int opts = options & (Task.WNOHANG | Task.WNOWAIT | Task.WUNTRACED | Task.WCONTINUED);
        var e = (options & Task.WEXITED) != 0
            ? t.WaitChild(pid, opts, out var child, out _, out int code, out int cldStatus)
            : WaitNoExit(t, pid, opts, out child, out code, out cldStatus);
        if (e != Errno.None) return Err(e);
        var si = new byte[128];
        if (child != null)
        {
            BitConverter.TryWriteBytes(si.AsSpan(0), 17);                     // si_signo = SIGCHLD
            BitConverter.TryWriteBytes(si.AsSpan(8), code);                   // si_code
            BitConverter.TryWriteBytes(si.AsSpan(16), child.Tid);             // si_pid
            BitConverter.TryWriteBytes(si.AsSpan(20), (int)child.Creds.Uid);  // si_uid
            BitConverter.TryWriteBytes(si.AsSpan(24), cldStatus);             // si_status
        }
        if (info != 0 && !t.Mem.Write(info, si)) return Err(Errno.EFAULT);
        if (rusage != 0 && !t.Mem.Write(rusage, new byte[144])) return Err(Errno.EFAULT);
        return 0;
    }
}
