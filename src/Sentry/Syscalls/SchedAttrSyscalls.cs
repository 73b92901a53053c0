using System.Buffers.Binary;
using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// sched_getattr and sched_setattr over the one policy the sandbox runs (SCHED_OTHER, as sched_setscheduler): the
/// extensible struct sched_attr with Linux's size rules (a size below the first version or past a page is E2BIG
/// and the kernel's size is written back; bytes past the kernel's struct must be zero), the fair policies' nice
/// value with its permission rule, and the checks of the other policies' arguments before they are refused (EPERM).
/// Utilization clamping is answered as by a kernel built without it (EOPNOTSUPP; no clamp values reported).
/// </summary>
static class SchedAttrSyscalls
{
    const int SizeVer0 = 48, KernelSize = 56, PageSize = 4096;
    public const uint SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5, SCHED_DEADLINE = 6;
    public const uint SCHED_RESET_ON_FORK = 0x40000000;
    const ulong SCHED_FLAG_RESET_ON_FORK = 0x01;
    const ulong SCHED_FLAG_KEEP_POLICY = 0x08, SCHED_FLAG_KEEP_PARAMS = 0x10, SCHED_FLAG_UTIL_CLAMP_MIN = 0x20,
        SCHED_FLAG_UTIL_CLAMP_MAX = 0x40, SCHED_FLAG_ALL = 0x7f;
    // Offsets in struct sched_attr.
    const int OffSize = 0, OffPolicy = 4, OffFlags = 8, OffNice = 16, OffPriority = 20;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.sched_getattr] = (k, pid, attr, size, flags, _, _) => Get(k, (int)pid, attr, (uint)size, (uint)flags);
        t[Nr.sched_setattr] = (k, pid, attr, flags, _, _, _) => Set(k, (int)pid, attr, (uint)flags);
    }

    static long Get(Task t, int pid, ulong attr, uint size, uint flags)
    {
        if (attr == 0 || pid < 0 || flags != 0) return Err(Errno.EINVAL);
        if (size > PageSize || size < SizeVer0) return Err(Errno.EINVAL);
        var p = InfoSyscalls.Named(t, pid);
        if (p == null) return Err(Errno.ESRCH);
        Span<byte> a = stackalloc byte[KernelSize];
        a.Clear();
        int n = (int)Math.Min(size, KernelSize);
        BinaryPrimitives.WriteUInt32LittleEndian(a[OffSize..], (uint)n);
        BinaryPrimitives.WriteUInt32LittleEndian(a[OffPolicy..], p.SchedPolicy & ~SCHED_RESET_ON_FORK);
        if ((p.SchedPolicy & SCHED_RESET_ON_FORK) != 0) BinaryPrimitives.WriteUInt64LittleEndian(a[OffFlags..], SCHED_FLAG_RESET_ON_FORK);
        BinaryPrimitives.WriteInt32LittleEndian(a[OffNice..], p.Nice);
        return t.Mem.Write(attr, a[..n]) ? 0 : Err(Errno.EFAULT);
    }

    static long Set(Task t, int pid, ulong attr, uint flags)
    {
        if (attr == 0 || pid < 0 || flags != 0) return Err(Errno.EINVAL);
        if (!t.Mem.Read(attr, out uint size)) return Err(Errno.EFAULT);
        if (size == 0) size = SizeVer0;
        if (size < SizeVer0 || size > PageSize) return TooBig(t, attr);
        Span<byte> a = stackalloc byte[KernelSize];
        var e = GuestIO.CopyStructFromUser(t, attr, size, a);
        if (e == Errno.E2BIG) return TooBig(t, attr);
        if (e != Errno.None) return Err(e);
        uint policy = BinaryPrimitives.ReadUInt32LittleEndian(a[OffPolicy..]);
        ulong schedFlags = BinaryPrimitives.ReadUInt64LittleEndian(a[OffFlags..]);
        int nice = Math.Clamp(BinaryPrimitives.ReadInt32LittleEndian(a[OffNice..]), -20, 19);
        uint priority = BinaryPrimitives.ReadUInt32LittleEndian(a[OffPriority..]);
        if ((int)policy < 0) return Err(Errno.EINVAL);
        var p = InfoSyscalls.Named(t, pid);
        if (p == null) return Err(Errno.ESRCH);
        if ((schedFlags & SCHED_FLAG_KEEP_POLICY) != 0) policy = p.SchedPolicy & ~SCHED_RESET_ON_FORK;
        if (policy is not (SCHED_OTHER or SCHED_FIFO or SCHED_RR or SCHED_BATCH or SCHED_IDLE or SCHED_DEADLINE))
            return Err(Errno.EINVAL);
        if ((schedFlags & ~SCHED_FLAG_ALL) != 0) return Err(Errno.EINVAL);
        var refused = MayTake(t, p, policy, priority);
        if (refused != Errno.None) return Err(refused);
        // Utilization clamping is not kept: answered as a kernel built without it (CONFIG_UCLAMP_TASK).
        if ((schedFlags & (SCHED_FLAG_UTIL_CLAMP_MIN | SCHED_FLAG_UTIL_CLAMP_MAX)) != 0) return Err(Errno.EOPNOTSUPP);
        if ((schedFlags & SCHED_FLAG_KEEP_PARAMS) == 0)
        {
            if (nice < p.Nice && !PrioritySyscalls.MayLowerNiceTo(t, nice)) return Err(Errno.EPERM);
            p.Nice = nice;
        }
        p.SchedPolicy = policy | ((schedFlags & SCHED_FLAG_RESET_ON_FORK) != 0 ? SCHED_RESET_ON_FORK : 0);
        return 0;
    }

    /// <summary>Whether p may take policy with priority, set by t: only the real-time policies take a priority (1..99,
    /// else EINVAL); only the fair ones are kept (real-time and deadline scheduling are the host's to give, and it
    /// does not: EPERM); another user's task needs CAP_SYS_NICE (EPERM).</summary>
    static Errno MayTake(Task t, Task p, uint policy, uint priority)
    {
        if (policy is SCHED_FIFO or SCHED_RR ? priority is < 1 or > 99 : priority != 0) return Errno.EINVAL;
        if (policy is not (SCHED_OTHER or SCHED_BATCH or SCHED_IDLE)) return Errno.EPERM;
        if (!t.Creds.Has(Credentials.CAP_SYS_NICE) && !t.Creds.MayManage(p.Creds)) return Errno.EPERM;
        return Errno.None;
    }

    /// <summary>sched_setscheduler (keepPolicy: sched_setparam, which keeps the policy): Linux's
    /// do_sched_setscheduler checks (NULL or a negative pid EINVAL, the param read, an unknown policy EINVAL), then
    /// <see cref="MayTake"/>.</summary>
    public static long SetScheduler(Task t, int pid, int policyArg, ulong param, bool keepPolicy)
    {
        if (!keepPolicy && policyArg < 0) return Err(Errno.EINVAL);
        if (param == 0 || pid < 0) return Err(Errno.EINVAL);
        if (!t.Mem.Read(param, out int priority)) return Err(Errno.EFAULT);
        var p = InfoSyscalls.Named(t, pid);
        if (p == null) return Err(Errno.ESRCH);
        uint policy = keepPolicy ? p.SchedPolicy & ~SCHED_RESET_ON_FORK : (uint)policyArg & ~SCHED_RESET_ON_FORK;
        bool resetOnFork = keepPolicy ? (p.SchedPolicy & SCHED_RESET_ON_FORK) != 0 : (policyArg & (int)SCHED_RESET_ON_FORK) != 0;
        if (policy is not (SCHED_OTHER or SCHED_FIFO or SCHED_RR or SCHED_BATCH or SCHED_IDLE)) return Err(Errno.EINVAL);
        var e = MayTake(t, p, policy, (uint)priority);
        if (e != Errno.None) return Err(e);
        p.SchedPolicy = policy | (resetOnFork ? SCHED_RESET_ON_FORK : 0);
        return 0;
    }

    // Linux writes the size it knows back into the caller's struct before refusing.
    static long TooBig(Task t, ulong attr) => t.Mem.Write(attr, (uint)KernelSize) ? Err(Errno.E2BIG) : Err(Errno.EFAULT);
}
