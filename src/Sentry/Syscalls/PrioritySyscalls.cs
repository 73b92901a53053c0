using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>getpriority/setpriority: each task's nice value (-20..19), inherited by fork and clone. The Sentry's
/// scheduler is the host's, so the value is kept and reported (also in /proc/[pid]/stat), not enforced.</summary>
static class PrioritySyscalls
{
    const int PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2, RLIMIT_NICE = 13;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.getpriority] = (k, which, who, _, _, _, _) => Get(k, (int)which, (int)who);
        t[Nr.setpriority] = (k, which, who, prio, _, _, _) => Set(k, (int)which, (int)who, (int)prio);
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
                int pgid = who == 0 ? t.Pgid : who;
                foreach (var p in t.Kernel.Tasks()) if (!p.Zombie && p.Pgid == pgid) found.Add(p);
                break;
            }
            case PRIO_USER:
            {
                uint uid = who == 0 ? t.Creds.Uid : (uint)who;
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

    static long Set(Task t, int which, int who, int prio)
    {
        var e = Targets(t, which, who, out var found);
        if (e != Errno.None) return Err(e);
        int nice = Math.Clamp(prio, -20, 19);
        bool privileged = t.Creds.Has(Credentials.CAP_SYS_NICE);
        e = Errno.None;
        foreach (var p in found)
        {
            // Another user's task needs privilege; a lower nice than now needs privilege or RLIMIT_NICE.
            if (!t.Creds.MayManage(p.Creds)) { e = Errno.EPERM; continue; }
            if (!privileged && nice < p.Nice && 20 - nice > (long)Math.Min(t.Limits.Values[RLIMIT_NICE].Cur, 40)) { e = Errno.EACCES; continue; }
            p.Nice = nice;
        }
        return Err(e);
    }
}
