using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>getpriority/setpriority: each task's nice value (-20..19), inherited by fork and clone; ioprio_get/set,
/// each task's I/O priority likewise. The Sentry's scheduler is the host's, so the values are kept and reported
/// (nice also in /proc/[pid]/stat), not enforced.</summary>
static class PrioritySyscalls
{
    const int PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2, RLIMIT_NICE = 13;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.getpriority] = (k, which, who, _, _, _, _) => Get(k, (int)which, (int)who);
        t[Nr.setpriority] = (k, which, who, prio, _, _, _) => Set(k, (int)which, (int)who, (int)prio);
        t[Nr.ioprio_get] = (k, which, who, _, _, _, _) => IoprioGet(k, (int)which, (int)who);
        t[Nr.ioprio_set] = (k, which, who, prio, _, _, _) => IoprioSet(k, (int)which, (int)who, (int)prio);
    }

    // ioprio: a class in the top 3 of 16 bits and its data below; kept per task and reported, not enforced.
    const int IOPRIO_WHO_PROCESS = 1, IOPRIO_CLASS_SHIFT = 13, IOPRIO_CLASS_NONE = 0, IOPRIO_CLASS_RT = 1,
        IOPRIO_CLASS_BE = 2, IOPRIO_CLASS_IDLE = 3, IOPRIO_BE_NR = 8, IOPRIO_BE_NORM = 4;
    const int IoprioDataMask = (1 << IOPRIO_CLASS_SHIFT) - 1;

    /// <summary>ioprio_get: the process's, or the best of a group's or user's (ioprio_best: no class counts as
    /// best-effort normal).</summary>
    static long IoprioGet(Task t, int which, int who)
    {
        var e = Targets(t, which - IOPRIO_WHO_PROCESS, who, out var found);
        if (e != Errno.None) return Err(e);
        if (which == IOPRIO_WHO_PROCESS) return found[0].IoPriority;
        int best = -1;
        foreach (var p in found) best = best < 0 ? p.IoPriority : Best(best, p.IoPriority);
        return best;
    }

    static int Best(int a, int b)
    {
        const int norm = IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT | IOPRIO_BE_NORM;
        if (a >> IOPRIO_CLASS_SHIFT == IOPRIO_CLASS_NONE) a = norm;
        if (b >> IOPRIO_CLASS_SHIFT == IOPRIO_CLASS_NONE) b = norm;
        return Math.Min(a, b);
    }

    /// <summary>ioprio_set (ioprio_check_cap, set_task_ioprio): real time needs CAP_SYS_NICE or CAP_SYS_ADMIN;
    /// another user's task needs CAP_SYS_NICE.</summary>
    static long IoprioSet(Task t, int which, int who, int prio)
    {
        int cls = (prio >> IOPRIO_CLASS_SHIFT) & 7, data = prio & IoprioDataMask;
        switch (cls)
        {
            case IOPRIO_CLASS_RT:
                if (!t.Creds.Has(Credentials.CAP_SYS_NICE) && !t.Creds.Has(Credentials.CAP_SYS_ADMIN)) return Err(Errno.EPERM);
                if (data >= IOPRIO_BE_NR) return Err(Errno.EINVAL);
                break;
            case IOPRIO_CLASS_BE:
                if (data >= IOPRIO_BE_NR) return Err(Errno.EINVAL);
                break;
            case IOPRIO_CLASS_IDLE: break;
            case IOPRIO_CLASS_NONE:
                if (data != 0) return Err(Errno.EINVAL);
                break;
            default: return Err(Errno.EINVAL);
        }
        if ((uint)prio > ushort.MaxValue) return Err(Errno.EINVAL);
        var e = Targets(t, which - IOPRIO_WHO_PROCESS, who, out var found);
        if (e != Errno.None) return Err(e);
        foreach (var p in found)
        {
            bool own = p.Creds.Uid == t.Creds.Euid || p.Creds.Uid == t.Creds.Uid;
            if (!own && !t.Creds.Has(Credentials.CAP_SYS_NICE)) return Err(Errno.EPERM);
            p.IoPriority = (ushort)prio;
        }
        return 0;
    }

    /// <summary>The tasks which/who names: a thread (PRIO_PROCESS), a process group's processes, a user's processes.</summary>
    static Errno Targets(Task t, int which, int who, out List<Task> found)
    {
        found = new List<Task>();
        switch (which)
        {
            case PRIO_PROCESS:
                if (t.Named(who) is { Zombie: false } one) found.Add(one);
                break;
            case PRIO_PGRP:
            {
                int pgid = who == 0 ? t.Pgid : t.PidNs.GlobalOf(who);
                foreach (var p in t.Kernel.Tasks()) if (!p.Zombie && p.Pgid == pgid) found.Add(p);
                break;
            }
            case PRIO_USER:
            {
                // who is a uid of the caller's namespace; one with no mapping names nobody (Linux's make_kuid).
                uint uid = who == 0 ? t.Creds.Uid : t.Creds.UserNs.UidFromUser((uint)who);
                if (uid == IdMap.Invalid) break;
                foreach (var p in t.Kernel.Tasks()) if (!p.Zombie && p.Creds.Uid == uid) found.Add(p);
                break;
            }
            default:
                return Errno.EINVAL;
        }
        return found.Count == 0 ? Errno.ESRCH : Errno.None;
    }

    // The raw value is 20 - nice (1..40), so that no success is negative; glibc turns it back.
    static long Get(Task t, int which, int who)
    {
        var e = Targets(t, which, who, out var found);
        if (e != Errno.None) return Err(e);
        return 20 - found.Min(p => p.Nice);
    }

    /// <summary>Whether t may set a nice value below a task's current one: CAP_SYS_NICE, or RLIMIT_NICE (Linux's can_nice).</summary>
    internal static bool MayLowerNiceTo(Task t, int nice) =>
        t.Creds.Has(Credentials.CAP_SYS_NICE) || 20 - nice <= (long)Math.Min(t.Limits.Values[RLIMIT_NICE].Cur, 40);

    static long Set(Task t, int which, int who, int prio)
    {
        var e = Targets(t, which, who, out var found);
        if (e != Errno.None) return Err(e);
        int nice = Math.Clamp(prio, -20, 19);
        e = Errno.None;
        foreach (var p in found)
        {
            // Another user's task needs privilege; a lower nice than now needs privilege or RLIMIT_NICE.
            if (!t.Creds.MayManage(p.Creds)) { e = Errno.EPERM; continue; }
            if (nice < p.Nice && !MayLowerNiceTo(t, nice)) { e = Errno.EACCES; continue; }
            p.Nice = nice;
        }
        return Err(e);
    }
}
