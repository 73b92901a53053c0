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
        // clone's flags are an int: bits above (clone3's own) do not exist for it.
        t[Nr.clone] = (k, flags, stack, ptid, ctid, tls, _) => Clone(k, flags & LegacyFlags, stack, ptid, ctid, tls, (flags & CLONE_PIDFD) != 0 ? ptid : 0);
        t[Nr.clone3] = (k, args, size, _, _, _, _) => Clone3(k, args, size);
        t[Nr.wait4] = (k, pid, status, options, rusage, _, _) => Wait4(k, (int)pid, status, (int)options, rusage);
        t[Nr.getrusage] = (k, who, addr, _, _, _, _) => Getrusage(k, (int)who, addr);
        t[Nr.times] = (k, addr, _, _, _, _, _) => Times(k, addr);
        t[Nr.waitid] = (k, idtype, id, info, options, rusage, _) => Waitid(k, (int)idtype, (int)id, info, (int)options, rusage);
        t[Nr.unshare] = (k, flags, _, _, _, _, _) => Unshare(k, flags);
    }

    const ulong CLONE_NEWNS = 0x20000, CLONE_SYSVSEM = 0x40000, CLONE_NEWCGROUP = 0x02000000, CLONE_NEWUTS = 0x04000000,
        CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000,
        CLONE_NEWTIME = 0x80;
    const ulong AllNamespaces = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME;

    /// <summary>unshare(2): the fd table (CLONE_FILES) and fs context (CLONE_FS) become the caller's own. Thread,
    /// signal-handler and memory sharing can only be "unshared" by a single-threaded process, where they are
    /// already its own (Linux's check_unshare_flags); a new user namespace (anyone; the caller gets every capability
    /// there), new mount, UTS and IPC namespaces (CAP_SYS_ADMIN in the owning user namespace) are the caller's from
    /// then on; other namespaces are not supported (EINVAL, as a kernel built without them answers).</summary>
    static long Unshare(Task t, ulong flags)
    {
        const ulong allowed = Task.CLONE_THREAD | Task.CLONE_FS | Task.CLONE_SIGHAND | Task.CLONE_VM | Task.CLONE_FILES
            | CLONE_SYSVSEM | AllNamespaces;
        if ((flags & ~allowed) != 0) return Err(Errno.EINVAL);
        // Linux's implied flags: a new user namespace unshares the thread and fs; memory implies handlers,
        // handlers imply the thread; a new mount namespace needs its own fs context.
        if ((flags & CLONE_NEWUSER) != 0) flags |= Task.CLONE_THREAD | Task.CLONE_FS;
        if ((flags & Namespaces.CLONE_NEWIPC) != 0) flags |= CLONE_SYSVSEM; // undo lists belong to the old namespace
        if ((flags & Task.CLONE_VM) != 0) flags |= Task.CLONE_SIGHAND;
        if ((flags & Task.CLONE_SIGHAND) != 0) flags |= Task.CLONE_THREAD;
        if ((flags & CLONE_NEWNS) != 0) flags |= Task.CLONE_FS;
        if ((flags & (Task.CLONE_THREAD | Task.CLONE_SIGHAND | Task.CLONE_VM)) != 0 && t.Group.Count > 1) return Err(Errno.EINVAL);
        if ((flags & Namespaces.Unsupported) != 0) return Err(Errno.EINVAL);
        // A new user namespace comes first: the other new namespaces are owned by it and checked in it.
        UserNamespace? userNs = null;
        if ((flags & CLONE_NEWUSER) != 0)
        {
            var ue = UserNamespace.Create(t.Creds, t.Chrooted, out userNs);
            if (ue != Errno.None) return Err(ue);
        }
        if ((flags & Namespaces.Supported) != 0 && !MayMakeNamespaces(t.Creds, userNs)) return Err(Errno.EPERM);
        if (userNs != null) t.Creds.EnterUserNs(userNs);
        // CLONE_NEWPID: the caller stays where it is; its next children start the new namespace.
        if ((flags & CLONE_NEWPID) != 0 && t.CheckNewPidNs() is var pidNsErr and not Errno.None) return Err(pidNsErr);
        if ((flags & Task.CLONE_FS) != 0) t.UnshareFs();
        if ((flags & Task.CLONE_FILES) != 0) t.UnshareFds();
        if ((flags & CLONE_SYSVSEM) != 0) t.ExitSem(); // as Linux: leaving the shared undo list is exit_sem
        if ((flags & Namespaces.Supported) != 0)
        {
            t.Ns = t.Ns.CopyFor(flags, out var map, t.Kernel.Cgroups.Of(t));
            t.Ns.Own(flags, t.Creds.UserNs);
            if (map != null) t.Fs.MoveTo(map);
        }
        return 0;
    }

    /// <summary>CAP_SYS_ADMIN in the user namespace that will own new mount, UTS or IPC namespaces: the caller's,
    /// or the one being made with them, where the caller will hold every capability.</summary>
    internal static bool MayMakeNamespaces(Credentials c, UserNamespace? newUserNs) =>
        newUserNs != null || c.HasIn(c.UserNs, Credentials.CAP_SYS_ADMIN);

    const ulong CLONE_PIDFD = 0x1000, CLONE_DETACHED = 0x400000, CLONE_CLEAR_SIGHAND = Task.CLONE_CLEAR_SIGHAND,
        CLONE_INTO_CGROUP = 0x200000000, CSIGNAL = 0xff, LegacyFlags = 0xffffffff;
    const int CloneArgsSizeVer2 = 88;

    /// <summary>clone and clone3: CLONE_PIDFD puts a pidfd of the child at pidfdAddr (clone's parent_tid), so it
    /// cannot go with CLONE_PARENT_SETTID in clone, nor with CLONE_THREAD (Linux 6.1).</summary>
    static long Clone(Task t, ulong flags, ulong stack, ulong ptid, ulong ctid, ulong tls, ulong pidfdAddr, int[]? setTid = null,
        FileSystems.Cgroups.Cgroup? cgroup = null)
    {
        if ((flags & CLONE_PIDFD) != 0 && ((flags & Task.CLONE_THREAD) != 0 || (pidfdAddr == ptid && (flags & Task.CLONE_PARENT_SETTID) != 0)))
            return Err(Errno.EINVAL);
        return t.Fork(flags & ~CLONE_PIDFD, stack, ptid, ctid, tls, (flags & CLONE_PIDFD) != 0 ? pidfdAddr : 0, setTid, cgroup);
    }

    /// <summary>clone3(struct clone_args *, size): the same as clone, with the stack given as base and size, the
    /// exit signal a field of its own, CLONE_CLEAR_SIGHAND, and set_tid (the child's pids chosen, innermost
    /// namespace first). Checked in the order of Linux's copy_clone_args_from_user and clone3_args_valid.</summary>
    static long Clone3(Task t, ulong addr, ulong size)
    {
        int known = System.Runtime.CompilerServices.Unsafe.SizeOf<CloneArgs>();
        if (size > 4096) return Err(Errno.E2BIG);
        if (size < CloneArgs.SizeVer0) return Err(Errno.EINVAL);
        Span<byte> raw = stackalloc byte[known];
        var e = GuestIO.CopyStructFromUser(t, addr, size, raw); // an older, shorter struct reads as zeros after its end
        if (e != Errno.None) return Err(e);
        var a = System.Runtime.InteropServices.MemoryMarshal.Read<CloneArgs>(raw);
        ulong flags = a.Flags, childTid = a.ChildTid, parentTid = a.ParentTid, exitSignal = a.ExitSignal, stack = a.Stack, stackSize = a.StackSize, tls = a.Tls;
        if (a.SetTidSize > PidNamespace.MaxLevel || (a.SetTid == 0) != (a.SetTidSize == 0)) return Err(Errno.EINVAL);
        if (exitSignal > SignalState.NSig) return Err(Errno.EINVAL);
        if ((flags & CLONE_INTO_CGROUP) != 0 && (a.Cgroup > int.MaxValue || size < CloneArgsSizeVer2)) return Err(Errno.EINVAL);
        int[]? setTid = null;
        if (a.SetTidSize != 0)
        {
            setTid = new int[a.SetTidSize];
            if (!t.Mem.Read(a.SetTid, System.Runtime.InteropServices.MemoryMarshal.AsBytes(setTid.AsSpan()))) return Err(Errno.EFAULT);
        }
        // clone3_args_valid: only the legacy flags and clone3's own; the CSIGNAL bits and CLONE_DETACHED are not flags
        // here (CLONE_NEWTIME is); CLONE_CLEAR_SIGHAND cannot go with shared handlers; a CLONE_PARENT child or a
        // thread has no exit signal of its own to give; a stack is a base and a size, both or neither.
        if ((flags & ~(LegacyFlags | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP)) != 0) return Err(Errno.EINVAL);
        if ((flags & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME))) != 0) return Err(Errno.EINVAL);
        if ((flags & (Task.CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) == (Task.CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) return Err(Errno.EINVAL);
        if ((flags & (Task.CLONE_THREAD | Task.CLONE_PARENT)) != 0 && exitSignal != 0) return Err(Errno.EINVAL);
        if ((stack == 0) != (stackSize == 0)) return Err(Errno.EINVAL);
        ulong pidfd = a.Pidfd;
        if ((flags & CLONE_PIDFD) != 0 && pidfd == 0) return Err(Errno.EINVAL);
        FileSystems.Cgroups.Cgroup? into = null;
        if ((flags & CLONE_INTO_CGROUP) != 0 &&
            FileSystems.Cgroups.CgroupMigration.ForkTarget(t, (int)a.Cgroup, (flags & Task.CLONE_THREAD) != 0, out into) is var ce and not Errno.None)
            return Err(ce);
        return Clone(t, flags | exitSignal, stack == 0 ? 0 : stack + stackSize, parentTid, childTid, tls, pidfd, setTid, into);
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
        // A thread's peak is its memory's, which is the process's.
        long maxRss = who == -1 ? t.Group.Leader.ChildrenMaxRssKb : t.Group.Leader.MaxRssKb();
        return WriteRusage(t, addr, ticks, maxRss) ? 0 : Err(Errno.EFAULT);
    }

    /// <summary>A reaped child's rusage (wait4, waitid): its own and its descendants' times and peak memory.</summary>
    static bool WriteChildRusage(Task t, ulong addr, Task child) => WriteRusage(t, addr,
        (child.ExitTicks.User + child.ChildrenTicks.User, child.ExitTicks.Sys + child.ChildrenTicks.Sys),
        Math.Max(child.ExitMaxRssKb, child.ChildrenMaxRssKb));

    /// <summary>A struct rusage with the user and system times (clock ticks) and the peak resident set (KiB); the
    /// other fields are not kept.</summary>
    static bool WriteRusage(Task t, ulong addr, (long User, long Sys) ticks, long maxRssKb)
    {
        var ru = new RUsage
        {
            Maxrss = maxRssKb,
            Utime = new Timeval { Sec = ticks.User / TicksPerSec, Usec = ticks.User % TicksPerSec * (1_000_000 / TicksPerSec) },
            Stime = new Timeval { Sec = ticks.Sys / TicksPerSec, Usec = ticks.Sys % TicksPerSec * (1_000_000 / TicksPerSec) },
        };
        return t.Mem.Write(addr, ru);
    }

    static long Times(Task t, ulong addr)
    {
        var self = t.CpuTicks(false);
        if (addr != 0)
        {
            var tms = new Tms { Utime = self.User, Stime = self.Sys, Cutime = t.Group.Leader.ChildrenTicks.User, Cstime = t.Group.Leader.ChildrenTicks.Sys };
            if (!t.Mem.Write(addr, tms)) return Err(Errno.EFAULT);
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
        if (rusage != 0 && !WriteChildRusage(t, rusage, child)) return Err(Errno.EFAULT);
        return t.PidNs.IdOf(child.Tid);
    }

    const int P_ALL = 0, P_PID = 1, P_PGID = 2, P_PIDFD = 3;

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
        bool nonblockingPidfd = false;
        if (idtype == P_PIDFD)
        {
            // The pidfd's process, by its number in our namespace (Linux's pidfd_get_pid); a non-blocking pidfd
            // waits as with WNOHANG, and EAGAIN when nothing is there yet unless the caller asked for WNOHANG itself.
            using var fRef = t.Fds.Borrow(id);
            if (fRef.File == null) return Err(Errno.EBADF);
            if (fRef.File is not FileSystems.Anon.PidFd pidfd) return Err(Errno.EBADF); // as pidfd_pid's answer for another file
            pid = t.PidNs.IdOf(pidfd.Target.Tgid);
            if (pid == 0) return Err(Errno.ECHILD);
            nonblockingPidfd = (pidfd.Flags & Vfs.OpenFlags.O_NONBLOCK) != 0 && (options & Task.WNOHANG) == 0;
            if (nonblockingPidfd) options |= Task.WNOHANG;
        }
        if (pid == int.MinValue || (idtype == P_PID && id <= 0)) return Err(Errno.EINVAL);
        // waitid's WSTOPPED is wait4's WUNTRACED; without WEXITED, exits are not reported.
        int opts = options & (Task.WNOHANG | Task.WNOWAIT | Task.WUNTRACED | Task.WCONTINUED | Task.__WALL | Task.__WCLONE);
        var e = (options & Task.WEXITED) != 0
            ? t.WaitChild(pid, opts, out var child, out _, out int code, out int cldStatus)
            : WaitNoExit(t, pid, opts, out child, out code, out cldStatus);
        if (e != Errno.None) return Err(e);
        if (child == null && nonblockingPidfd) return Err(Errno.EAGAIN);
        var si = child == null ? default
            : new SigInfo { Signo = Task.SIGCHLD, Code = code, Pid = t.PidNs.IdOf(child.Tid), Uid = (int)t.Creds.UserNs.UidToUser(child.Creds.Uid), Status = cldStatus };
        if (info != 0 && !t.Mem.Write(info, si)) return Err(Errno.EFAULT);
        // The reported child's usage (nothing when none was reported), as Linux's waitid fills it.
        if (rusage != 0 && !(child == null ? t.Mem.Write(rusage, default(RUsage)) : WriteChildRusage(t, rusage, child))) return Err(Errno.EFAULT);
        return 0;
    }
}
