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
        t[Nr.clone] = (k, flags, stack, ptid, ctid, tls, _) => (flags & CLONE_PIDFD) != 0 ? Err(Errno.EINVAL) : k.Fork(flags, stack, ptid, ctid, tls); // no pidfds yet
        t[Nr.clone3] = (k, args, size, _, _, _, _) => Clone3(k, args, size);
        t[Nr.wait4] = (k, pid, status, options, rusage, _, _) => Wait4(k, (int)pid, status, (int)options, rusage);
        t[Nr.getrusage] = (k, who, addr, _, _, _, _) => Getrusage(k, (int)who, addr);
        t[Nr.times] = (k, addr, _, _, _, _, _) => Times(k, addr);
        t[Nr.waitid] = (k, idtype, id, info, options, rusage, _) => Waitid(k, (int)idtype, (int)id, info, (int)options, rusage);
    }

    const ulong CLONE_PIDFD = 0x1000, CLONE_INTO_CGROUP = 0x200000000, CSIGNAL = 0xff;

    /// <summary>clone3(struct clone_args *, size): the same as clone, with the stack given as base and size.</summary>
    static long Clone3(Task t, ulong addr, ulong size)
    {
        const ulong Ver0 = 64, MaxKnown = 88; // clone_args up to set_tid_size (VER1); cgroup (VER2) is refused below
        if (size < Ver0 || size > 4096) return Err(Errno.EINVAL);
        var raw = new byte[size];
        if (!t.Mem.Read(addr, raw)) return Err(Errno.EFAULT);
        // A newer caller's struct may be longer: its extra fields must be zero (Linux's copy_struct_from_user).
        for (ulong i = MaxKnown; i < size; i++) if (raw[i] != 0) return Err(Errno.E2BIG);
        ulong F(int i) => (ulong)i * 8 + 8 <= size ? BitConverter.ToUInt64(raw, i * 8) : 0;
        ulong flags = F(0), childTid = F(2), parentTid = F(3), exitSignal = F(4), stack = F(5), stackSize = F(6), tls = F(7);
        ulong setTidSize = F(9);
        if ((flags & CSIGNAL) != 0 || exitSignal > 64 || (flags & CLONE_INTO_CGROUP) != 0) return Err(Errno.EINVAL);
        if ((stack == 0) != (stackSize == 0)) return Err(Errno.EINVAL);
        if (setTidSize != 0) return Err(Errno.EPERM); // choosing pids needs CAP_SYS_ADMIN over the pid namespace
        if ((flags & CLONE_PIDFD) != 0) return Err(Errno.EINVAL); // no pidfds yet
        if ((flags & Task.CLONE_THREAD) != 0 && exitSignal != 0) return Err(Errno.EINVAL);
        return t.Fork(flags | exitSignal, stack == 0 ? 0 : stack + stackSize, parentTid, childTid, tls);
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
        var e = t.WaitChild(pid, options & (Task.WNOHANG | Task.WUNTRACED | Task.WCONTINUED | Task.__WALL | Task.__WCLONE), out var child, out int status, out _, out _);
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
        int opts = options & (Task.WNOHANG | Task.WNOWAIT | Task.WUNTRACED | Task.WCONTINUED | Task.__WALL | Task.__WCLONE);
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
