using System.Text;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Loader;
using AppKernel.Sentry.Memory;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>Identity, exit, thread-area setup and exec.</summary>
static class ProcessSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        // Ids as the caller's PID namespace numbers them (0 for one outside it: an init's parent).
        t[Nr.getpid] = (k, _, _, _, _, _, _) => k.OwnTgid;
        t[Nr.gettid] = (k, _, _, _, _, _, _) => k.OwnTid;
        t[Nr.getppid] = (k, _, _, _, _, _, _) => k.PidNs.IdOf(k.Ppid);
        t[Nr.getpgrp] = (k, _, _, _, _, _, _) => k.PidNs.IdOf(k.Pgid);
        // personality(2): 0xffffffff asks; anything else is the new persona (inherited by fork, kept by exec).
        t[Nr.personality] = (k, p, _, _, _, _, _) =>
        {
            uint old = k.Personality;
            if ((uint)p != 0xffffffff) k.Personality = (uint)p;
            return old;
        };
        t[Nr.getpgid] = (k, pid, _, _, _, _, _) => k.Named((int)pid) is { } p ? k.PidNs.IdOf(p.Pgid) : Err(Errno.ESRCH);
        t[Nr.getsid] = (k, pid, _, _, _, _, _) => k.Named((int)pid) is { } p ? k.PidNs.IdOf(p.Sid) : Err(Errno.ESRCH);
        t[Nr.setpgid] = (k, pid, pg, _, _, _, _) => (int)pid < 0 ? Err(Errno.EINVAL) : Err(k.SetPgid((int)pid, (int)pg));
        t[Nr.setsid] = (k, _, _, _, _, _, _) => k.SetSid();
        t[Nr.getuid] = (k, _, _, _, _, _, _) => k.Creds.UserNs.UidToUser(k.Creds.Uid);
        t[Nr.geteuid] = (k, _, _, _, _, _, _) => k.Creds.UserNs.UidToUser(k.Creds.Euid);
        t[Nr.getgid] = (k, _, _, _, _, _, _) => k.Creds.UserNs.GidToUser(k.Creds.Gid);
        t[Nr.getegid] = (k, _, _, _, _, _, _) => k.Creds.UserNs.GidToUser(k.Creds.Egid);
        t[Nr.getresuid] = (k, r, e, s, _, _, _) => Ids.GetRes(k, r, e, s, false);
        t[Nr.getresgid] = (k, r, e, s, _, _, _) => Ids.GetRes(k, r, e, s, true);
        t[Nr.getgroups] = (k, size, list, _, _, _, _) => Ids.GetGroups(k, (int)size, list);
        t[Nr.exit] = (k, code, _, _, _, _, _) => { k.ExitThread((int)code); return 0; };
        t[Nr.exit_group] = (k, code, _, _, _, _, _) => { k.ExitGroup((int)code); return 0; };
        t[Nr.set_tid_address] = (k, addr, _, _, _, _, _) => { k.ClearChildTid = addr; return k.OwnTid; };
        t[Nr.set_robust_list] = (k, head, len, _, _, _, _) => len != 24 ? Err(Errno.EINVAL) : SetRobust(k, head, len);
        t[Nr.get_robust_list] = (k, pid, head, len, _, _, _) => GetRobust(k, (int)pid, head, len);
        t[Nr.rseq] = (k, addr, len, flags, sig, _, _) => k.Rseq(addr, (uint)len, (int)flags, (uint)sig);
        t[Nr.arch_prctl] = (k, code, addr, _, _, _, _) => ArchPrctl(k, (int)code, addr);
        t[Nr.umask] = (k, mask, _, _, _, _, _) => { int old = k.Fs.Umask; k.Fs.Umask = (int)mask & 0x1ff; return old; };
        t[Nr.prctl] = (k, op, a2, a3, a4, a5, _) => Prctl(k, (int)op, a2, a3, a4, a5);
        t[Nr.execve] = (k, path, argv, envp, _, _, _) => Execve(k, -100, path, argv, envp, 0);
        t[Nr.execveat] = (k, dirfd, path, argv, envp, flags, _) => Execve(k, (int)dirfd, path, argv, envp, (int)flags);
        t[Nr.setuid] = (k, id, _, _, _, _, _) => Ids.Committing(k, () => Ids.SetUid(k, (uint)id));
        t[Nr.setgid] = (k, id, _, _, _, _, _) => Ids.Committing(k, () => Ids.SetGid(k, (uint)id));
        t[Nr.setreuid] = (k, r, e, _, _, _, _) => Ids.Committing(k, () => Ids.SetRe(k, (uint)r, (uint)e, false));
        t[Nr.setregid] = (k, r, e, _, _, _, _) => Ids.Committing(k, () => Ids.SetRe(k, (uint)r, (uint)e, true));
        t[Nr.setresuid] = (k, r, e, s, _, _, _) => Ids.Committing(k, () => Ids.SetRes(k, (uint)r, (uint)e, (uint)s, false));
        t[Nr.setresgid] = (k, r, e, s, _, _, _) => Ids.Committing(k, () => Ids.SetRes(k, (uint)r, (uint)e, (uint)s, true));
        t[Nr.setfsuid] = (k, id, _, _, _, _, _) => Ids.Committing(k, () => Ids.SetFs(k, (uint)id, false));
        t[Nr.setfsgid] = (k, id, _, _, _, _, _) => Ids.Committing(k, () => Ids.SetFs(k, (uint)id, true));
        t[Nr.setgroups] = (k, n, list, _, _, _, _) => Ids.SetGroups(k, (long)n, list);
        t[Nr.capget] = (k, hdr, data, _, _, _, _) => Ids.Capget(k, hdr, data);
        t[Nr.capset] = (k, hdr, data, _, _, _, _) => Ids.Capset(k, hdr, data);
    }


    static long SetRobust(Task t, ulong head, ulong len)
    {
        t.RobustList = head;
        t.RobustListLen = len;
        return 0;
    }

    static long GetRobust(Task t, int pid, ulong head, ulong len)
    {
        // Any thread the caller's PID namespace names, if the caller may read it as ptrace would (Linux's
        // PTRACE_MODE_READ_REALCREDS).
        var target = t.Named(pid);
        if (target == null) return Err(Errno.ESRCH);
        if (!ProcessVmSyscalls.MayAccess(t, target)) return Err(Errno.EPERM);
        if (!t.Mem.Write(head, target.RobustList) || !t.Mem.Write(len, 24UL)) return Err(Errno.EFAULT);
        return 0;
    }

    const int ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004, ARCH_GET_CPUID = 0x1011, ARCH_SET_CPUID = 0x1012;

    static long ArchPrctl(Task t, int code, ulong addr)
    {
        switch (code)
        {
            case ARCH_SET_FS:
                if (addr >= MemoryManager.TaskSize) return Err(Errno.EPERM);
                t.Regs.FsBase = addr;
                return 0;
            case ARCH_SET_GS:
                if (addr >= MemoryManager.TaskSize) return Err(Errno.EPERM);
                // Patched syscall sites find the stub's area through GS: a guest with its own GS gets them back.
                if (addr != 0) t.StopSyscallPatching();
                t.Regs.GsBase = addr;
                return 0;
            case ARCH_GET_FS: return t.Mem.Write(addr, t.Regs.FsBase) ? 0 : Err(Errno.EFAULT);
            case ARCH_GET_GS: return t.Mem.Write(addr, t.Regs.GsBase) ? 0 : Err(Errno.EFAULT);
            case ARCH_GET_CPUID: return 1;
            case ARCH_SET_CPUID: return Err(Errno.ENODEV);
            default: return Err(Errno.EINVAL);
        }
    }

    const int PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4, PR_SET_NAME = 15, PR_GET_NAME = 16, PR_SET_MM = 35,
        PR_GET_SECCOMP = 21, PR_SET_SECCOMP = 22, PR_CAPBSET_READ = 23, PR_CAPBSET_DROP = 24, PR_CAP_AMBIENT = 47, PR_SET_CHILD_SUBREAPER = 36, PR_GET_CHILD_SUBREAPER = 37, PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39, PR_GET_KEEPCAPS = 7, PR_SET_KEEPCAPS = 8, PR_GET_SECUREBITS = 27, PR_SET_SECUREBITS = 28;

    static long Prctl(Task t, int op, ulong a2, ulong a3, ulong a4, ulong a5)
    {
        switch (op)
        {
            case PR_SET_NAME:
            {
                var buf = new byte[16];
                int n = t.Mem.ReadPartial(a2, buf);
                if (n == 0) return Err(Errno.EFAULT);
                int nul = Array.IndexOf(buf, (byte)0, 0, n);
                t.Comm = LinuxText.Decode(buf.AsSpan(0, nul >= 0 ? Math.Min(nul, 15) : Math.Min(n, 15)));
                return 0;
            }
            case PR_GET_NAME:
            {
                var buf = new byte[16];
                LinuxText.Encode(LinuxText.Truncate(t.Comm, 15), buf);
                return t.Mem.Write(a2, buf) ? 0 : Err(Errno.EFAULT);
            }
            case PR_GET_DUMPABLE: return t.MM.Dumpable;
            case PR_SET_DUMPABLE:
                if (a2 > MemoryManager.SuidDumpUser) return Err(Errno.EINVAL);
                t.MM.Dumpable = (int)a2;
                return 0;
            case PR_SET_MM:
                // Rewriting the memory map's bounds is CAP_SYS_RESOURCE's; with it, answered as a kernel without
                // CONFIG_CHECKPOINT_RESTORE's map changes.
                return t.Creds.Has(Credentials.CAP_SYS_RESOURCE) ? Err(Errno.EINVAL) : Err(Errno.EPERM);
            case PR_SET_PDEATHSIG: if (a2 > 64) return Err(Errno.EINVAL); t.PdeathSig = (int)a2; return 0;
            case PR_GET_PDEATHSIG: return t.Mem.Write(a2, t.PdeathSig) ? 0 : Err(Errno.EFAULT);
            case PR_GET_KEEPCAPS: return (t.Creds.Securebits & Credentials.SECBIT_KEEP_CAPS) != 0 ? 1 : 0;
            case PR_SET_KEEPCAPS:
                if (a2 > 1) return Err(Errno.EINVAL);
                if ((t.Creds.Securebits & Credentials.SECBIT_KEEP_CAPS_LOCKED) != 0) return Err(Errno.EPERM);
                t.Creds.Securebits = a2 == 1 ? t.Creds.Securebits | Credentials.SECBIT_KEEP_CAPS : t.Creds.Securebits & ~Credentials.SECBIT_KEEP_CAPS;
                return 0;
            case PR_GET_SECUREBITS: return t.Creds.Securebits;
            case PR_SET_SECUREBITS: return SetSecurebits(t.Creds, a2);
            case PR_GET_SECCOMP: return SeccompSyscalls.PrctlGet(t);
            case PR_SET_SECCOMP: return SeccompSyscalls.PrctlSet(t, a2, a3);
            case PR_CAPBSET_READ: return a2 <= Credentials.CAP_LAST_CAP ? (long)(t.Creds.CapBounding >> (int)a2 & 1) : Err(Errno.EINVAL);
            case PR_CAPBSET_DROP:
                if (a2 > Credentials.CAP_LAST_CAP) return Err(Errno.EINVAL);
                if (!t.Creds.HasIn(t.Creds.UserNs, Credentials.CAP_SETPCAP)) return Err(Errno.EPERM);
                t.Creds.CapBounding &= ~(1UL << (int)a2);
                return 0;
            case PR_CAP_AMBIENT: return Ambient(t, a2, a3, a4, a5);
            case PR_SET_NO_NEW_PRIVS: if (a2 != 1 || a3 != 0 || a4 != 0 || a5 != 0) return Err(Errno.EINVAL); t.NoNewPrivs = true; return 0;
            case PR_GET_NO_NEW_PRIVS: return a2 != 0 || a3 != 0 || a4 != 0 || a5 != 0 ? Err(Errno.EINVAL) : t.NoNewPrivs ? 1 : 0;
            case PR_SET_CHILD_SUBREAPER: t.ChildSubreaper = a2 != 0; return 0;
            case PR_GET_CHILD_SUBREAPER: return t.Mem.Write(a2, t.ChildSubreaper ? 1 : 0) ? 0 : Err(Errno.EFAULT);
            default: return Err(Errno.EINVAL);
        }
    }

    /// <summary>cap_task_prctl's PR_SET_SECUREBITS: EPERM for a locked bit changed, a lock dropped, a bit Linux does
    /// not know, or a caller without CAP_SETPCAP (even for no change).</summary>
    static long SetSecurebits(Credentials c, ulong want)
    {
        ulong old = c.Securebits;
        bool lockedChanged = (((old & Credentials.SecureAllLocks) >> 1) & (old ^ want)) != 0;
        bool unlocked = (old & Credentials.SecureAllLocks & ~want) != 0;
        bool unknown = (want & ~(ulong)(Credentials.SecureAllLocks | Credentials.SecureAllBits)) != 0;
        if (lockedChanged || unlocked || unknown || !c.HasIn(c.UserNs, Credentials.CAP_SETPCAP)) return Err(Errno.EPERM);
        c.Securebits = (uint)want;
        return 0;
    }

    /// <summary>PR_CAP_AMBIENT: IS_SET, RAISE (the capability must be permitted and inheritable), LOWER, CLEAR_ALL.</summary>
    static long Ambient(Task t, ulong op, ulong cap, ulong a4, ulong a5)
    {
        const ulong IsSet = 1, Raise = 2, Lower = 3, ClearAll = 4;
        var c = t.Creds;
        if (op == ClearAll) { if (cap != 0 || a4 != 0 || a5 != 0) return Err(Errno.EINVAL); c.CapAmbient = 0; return 0; }
        if (a4 != 0 || a5 != 0 || cap > Credentials.CAP_LAST_CAP) return Err(Errno.EINVAL);
        ulong bit = 1UL << (int)cap;
        switch (op)
        {
            case IsSet: return (c.CapAmbient & bit) != 0 ? 1 : 0;
            case Raise:
                if ((c.CapPermitted & bit) == 0 || (c.CapInheritable & bit) == 0 || (c.Securebits & Credentials.SECBIT_NO_CAP_AMBIENT_RAISE) != 0)
                    return Err(Errno.EPERM);
                c.CapAmbient |= bit;
                return 0;
            case Lower: c.CapAmbient &= ~bit; return 0;
            default: return Err(Errno.EINVAL);
        }
    }

    static long Execve(Task t, int dirfd, ulong pathAddr, ulong argvAddr, ulong envpAddr, int flags)
    {
        var e = PathSyscalls.ReadPath(t, pathAddr, out var path);
        if (e != Errno.None) return Err(e);
        e = ReadStringArray(t, argvAddr, out var argv);
        if (e != Errno.None) return Err(e);
        e = ReadStringArray(t, envpAddr, out var envp);
        if (e != Errno.None) return Err(e);
        int oldTid = t.Tid;
        e = ElfLoader.Exec(t, dirfd, path, argv, envp, flags);
        if (e != Errno.None) return Err(e);
        t.ExecDone();
        t.RegsReplaced = true;
        t.Regs.Rax = 0; // what the tracer of an exec event sees, as execve's result
        t.PtraceExec(oldTid);
        return 0;
    }

    // Linux's MAX_ARG_STRLEN, which counts the NUL; the total is bounded here at 2 MiB (Linux: a quarter of the stack limit).
    const int MaxArgString = 128 * 1024 - 1;
    const long MaxArgTotal = 2 * 1024 * 1024;

    static Errno ReadStringArray(Task t, ulong addr, out List<string> list) =>
        t.Mem.ReadStringArray(addr, MaxArgString, MaxArgTotal, int.MaxValue / 8, out list);
}
