using System.Text;
using AppKernel.Sentry.FileSystems.Proc;
using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;
using KernelT = AppKernel.Sentry.Kernel.Kernel;

namespace AppKernel.Sentry.Syscalls;

/// <summary>What the system is: uname, sysinfo, getrandom, CPU affinity, resource limits.</summary>
static class InfoSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.uname] = (k, buf, _, _, _, _, _) => Uname(k, buf);
        t[Nr.sethostname] = (k, name, len, _, _, _, _) => SetUtsName(k, name, (long)len, domain: false);
        t[Nr.setdomainname] = (k, name, len, _, _, _, _) => SetUtsName(k, name, (long)len, domain: true);
        t[Nr.sysinfo] = (k, buf, _, _, _, _, _) => Sysinfo(k, buf);
        t[Nr.getrandom] = (k, buf, len, flags, _, _, _) => Getrandom(k, buf, len, (uint)flags);
        t[Nr.sched_getaffinity] = (k, pid, len, mask, _, _, _) => GetAffinity(k, (int)pid, len, mask);
        t[Nr.sched_setaffinity] = (k, pid, len, mask, _, _, _) => SetAffinity(k, (int)pid, len, mask);
        t[Nr.sched_yield] = (k, _, _, _, _, _, _) => { Thread.Yield(); return 0; };
        t[Nr.getcpu] = (k, cpu, node, _, _, _, _) =>
            (cpu == 0 || k.Mem.Write(cpu, k.Cpu)) && (node == 0 || k.Mem.Write(node, 0u)) ? 0 : Err(Errno.EFAULT);
        // A task keeps a fair policy of its own (SchedPolicy); the host schedules the stubs the same whatever it is.
        t[Nr.sched_getscheduler] = (k, pid, _, _, _, _, _) => (int)pid < 0 ? Err(Errno.EINVAL) : Named(k, (int)pid) is { } p ? p.SchedPolicy : Err(Errno.ESRCH);
        t[Nr.sched_setscheduler] = (k, pid, pol, param, _, _, _) => SchedAttrSyscalls.SetScheduler(k, (int)pid, (int)pol, param, keepPolicy: false);
        // Every task is SCHED_OTHER, whose time slice reads as 0 (as the host's EEVDF scheduler reports it).
        t[Nr.sched_rr_get_interval] = (k, pid, tp, _, _, _, _) => (int)pid < 0 ? Err(Errno.EINVAL)
            : Named(k, (int)pid) == null ? Err(Errno.ESRCH) : k.Mem.Write(tp, default(Timespec)) ? 0 : Err(Errno.EFAULT);
        t[Nr.sched_getparam] = (k, pid, p, _, _, _, _) => (int)pid < 0 || p == 0 ? Err(Errno.EINVAL) : Named(k, (int)pid) == null ? Err(Errno.ESRCH) : k.Mem.Write(p, 0) ? 0 : Err(Errno.EFAULT);
        t[Nr.sched_setparam] = (k, pid, p, _, _, _, _) => SchedAttrSyscalls.SetScheduler(k, (int)pid, 0, p, keepPolicy: true);
        t[Nr.sched_get_priority_max] = (k, pol, _, _, _, _, _) => pol is 1 or 2 ? 99 : pol is 0 or 3 or 5 ? 0 : Err(Errno.EINVAL);
        t[Nr.sched_get_priority_min] = (k, pol, _, _, _, _, _) => pol is 1 or 2 ? 1 : pol is 0 or 3 or 5 ? 0 : Err(Errno.EINVAL);
        t[Nr.getrlimit] = (k, res, old, _, _, _, _) => Prlimit(k, 0, (int)res, 0, old);
        t[Nr.setrlimit] = (k, res, nw, _, _, _, _) => Prlimit(k, 0, (int)res, nw, 0);
        t[Nr.prlimit64] = (k, pid, res, nw, old, _, _) => Prlimit(k, (int)pid, (int)res, nw, old);
        t[Nr.sysfs] = (k, option, a1, a2, _, _, _) => Sysfs(k, (int)option, a1, a2);
    }

    const int SYSFS_INDEX_OF = 1, SYSFS_NAME_OF = 2, SYSFS_COUNT = 3;

    /// <summary>sysfs(2), the old query of the kernel's file system types: an index for a name, a name for an
    /// index, or how many there are.</summary>
    static long Sysfs(Task t, int option, ulong a1, ulong a2)
    {
        var names = Vfs.FilesystemTypes.Names;
        switch (option)
        {
            case SYSFS_INDEX_OF:
            {
                var e = t.Mem.ReadString(a1, Vfs.PathWalker.PathMax, out var name);
                if (e != Errno.None) return Err(e);
                int i = Array.IndexOf(names, name);
                return i >= 0 ? i : Err(Errno.EINVAL);
            }
            case SYSFS_NAME_OF:
                if (a1 >= (ulong)names.Length) return Err(Errno.EINVAL);
                return t.Mem.Write(a2, Encoding.ASCII.GetBytes(names[a1] + "\0")) ? 0 : Err(Errno.EFAULT);
            case SYSFS_COUNT:
                return names.Length;
            default:
                return Err(Errno.EINVAL);
        }
    }

    static long Uname(Task t, ulong buf)
    {
        var u = new UtsName();
        unsafe
        {
            // Each field is a C string of at most 64 bytes (and its NUL).
            static void Put(byte* field, string s) => LinuxText.Encode(LinuxText.Truncate(s, UtsName.FieldLength - 1), new Span<byte>(field, UtsName.FieldLength));
            Put(u.Sysname, "Linux");
            var uts = t.Ns.Uts;
            lock (uts) { Put(u.Nodename, uts.Hostname); Put(u.Domainname, uts.Domainname); }
            Put(u.Release, KernelT.Release);
            Put(u.Version, KernelT.Version);
            Put(u.Machine, "x86_64");
        }
        return t.Mem.Write(buf, u) ? 0 : Err(Errno.EFAULT);
    }

    /// <summary>sethostname/setdomainname: CAP_SYS_ADMIN in the UTS namespace's owner first, then at most 64 bytes
    /// (__NEW_UTS_LEN); the caller's UTS namespace.</summary>
    static long SetUtsName(Task t, ulong name, long len, bool domain)
    {
        if (!t.Creds.HasIn(t.Ns.Uts.Owner, Credentials.CAP_SYS_ADMIN)) return Err(Errno.EPERM);
        if (len < 0 || len > UtsName.FieldLength - 1) return Err(Errno.EINVAL);
        var bytes = new byte[len];
        if (len > 0 && !t.Mem.Read(name, bytes)) return Err(Errno.EFAULT);
        string s = LinuxText.Decode(bytes);
        var uts = t.Ns.Uts;
        lock (uts)
        {
            if (domain) uts.Domainname = s;
            else uts.Hostname = s;
        }
        (domain ? t.Kernel.DomainnameChanged : t.Kernel.HostnameChanged).Changed();
        return 0;
    }

    static long Sysinfo(Task t, ulong buf)
    {
        ulong total = SystemInfo.TotalMemory(t.Kernel);
        var b = new SysInfo
        {
            Uptime = (long)t.Kernel.Uptime.Elapsed.TotalSeconds, Totalram = total, Freeram = total * 9 / 10,
            Procs = (ushort)t.Kernel.Tasks().Count, MemUnit = 1,
        };
        return t.Mem.Write(buf, b) ? 0 : Err(Errno.EFAULT);
    }

    static long Getrandom(Task t, ulong buf, ulong len, uint flags)
    {
        if ((flags & ~7u) != 0 || (flags & 6) == 6) return Err(Errno.EINVAL);
        int n = (int)Math.Min(len, 33554431);
        var tmp = new byte[Math.Min(n, 65536)];
        long done = 0;
        while (done < n)
        {
            int c = (int)Math.Min(tmp.Length, n - done);
            AppKernel.Platform.Native.Host.GetRandom(tmp.AsSpan(0, c));
            int w = t.Mem.WritePartial(buf + (ulong)done, tmp.AsSpan(0, c));
            done += w;
            if (w < c) return done > 0 ? done : Err(Errno.EFAULT);
        }
        return done;
    }

    /// <summary>The live thread a sched_* call names: 0 is the caller, else any thread of the sandbox by tid.</summary>
    /// <summary>The live task a sched_* call names (0: the caller), or null (ESRCH).</summary>
    internal static Task? Named(Task t, int pid) => t.Named(pid) is { Zombie: false } p ? p : null;

    /// <summary>sched_getaffinity: the size checks come first, then the pid (a negative one names no process: ESRCH,
    /// which python's os.sched_getaffinity(-1) relies on to stop growing its buffer).</summary>
    static long GetAffinity(Task t, int pid, ulong len, ulong mask)
    {
        int cpus = SystemInfo.Cpus;
        ulong size = (ulong)((cpus + 63) / 64 * 8);
        if (len * 8 < (ulong)cpus || (len & 7) != 0) return Err(Errno.EINVAL);
        var target = pid < 0 ? null : Named(t, pid);
        if (target == null) return Err(Errno.ESRCH);
        return t.Mem.Write(mask, BitConverter.GetBytes(target.Affinity)[..(int)Math.Min(size, 8)]) ? (long)size : Err(Errno.EFAULT);
    }

    static long SetAffinity(Task t, int pid, ulong len, ulong mask)
    {
        var b = new byte[8];
        if (!t.Mem.Read(mask, b.AsSpan(0, (int)Math.Min(len, 8)))) return Err(Errno.EFAULT);
        var target = pid < 0 ? null : Named(t, pid);
        if (target == null) return Err(Errno.ESRCH);
        ulong want = BitConverter.ToUInt64(b) & SystemInfo.AllCpus;
        if (want == 0) return Err(Errno.EINVAL);
        if (!t.Creds.MayManage(target.Creds)) return Err(Errno.EPERM);
        uint was = target.Cpu;
        target.Affinity = want;
        if (target.Cpu != was) target.CpuMoved();
        return 0;
    }

    static long Prlimit(Task t, int pid, int res, ulong newAddr, ulong oldAddr)
    {
        var target = Named(t, pid);
        if (target == null) return Err(Errno.ESRCH);
        if (res < 0 || res >= RLimits.Count) return Err(Errno.EINVAL);
        bool root = t.Creds.Has(Credentials.CAP_SYS_RESOURCE);
        if (target != t && !root && (target.Creds.Uid != t.Creds.Uid || target.Creds.Euid != t.Creds.Uid)) return Err(Errno.EPERM);
        (ulong Cur, ulong Max) nv = default;
        if (newAddr != 0)
        {
            if (!t.Mem.Read(newAddr, out RLimit v)) return Err(Errno.EFAULT);
            if (v.Cur > v.Max) return Err(Errno.EINVAL);
            if (res == RLimits.RLIMIT_NOFILE && v.Max > 1048576) return Err(Errno.EPERM);
            if (!root && v.Max > target.Limits.Values[res].Max) return Err(Errno.EPERM); // raising a hard limit: CAP_SYS_RESOURCE
            nv = (v.Cur, v.Max);
        }
        if (oldAddr != 0)
        {
            var o = target.Limits.Values[res];
            if (!t.Mem.Write(oldAddr, new RLimit { Cur = o.Cur, Max = o.Max })) return Err(Errno.EFAULT);
        }
        if (newAddr != 0)
        {
            target.Limits.Values[res] = nv;
            if (res == RLimits.RLIMIT_CPU) target.CpuTimers.LimitChanged();
        }
        return 0;
    }
}
