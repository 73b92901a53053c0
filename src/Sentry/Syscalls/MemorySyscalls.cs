using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>brk, mmap, munmap, mprotect, mremap, madvise, msync, mlock family.</summary>
static class MemorySyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.brk] = (k, addr, _, _, _, _, _) => Locked(k, mm => Brk(k, mm, addr));
        t[Nr.mmap] = (k, addr, len, prot, flags, fd, off) => Locked(k, _ => Mmap(k, addr, len, (int)prot, (int)flags, (int)fd, off));
        t[Nr.munmap] = (k, addr, len, _, _, _, _) => Locked(k, mm => mm.Munmap(addr, len));
        t[Nr.mprotect] = (k, addr, len, prot, _, _, _) => Locked(k, mm => mm.Mprotect(addr, len, (int)prot));
        t[Nr.mremap] = (k, a, ol, nl, flags, na, _) => Locked(k, mm => Mremap(k, mm, a, ol, nl, (int)flags, na));
        t[Nr.madvise] = (k, addr, len, adv, _, _, _) => Locked(k, mm => mm.Madvise(addr, len, (int)adv));
        t[Nr.msync] = (k, addr, len, flags, _, _, _) => Locked(k, mm => mm.Msync(addr, len, (int)flags));
        t[Nr.membarrier] = (k, cmd, flags, cpu, _, _, _) => Membarrier(k, (int)cmd, (uint)flags, (int)cpu);
        t[Nr.mincore] = (k, addr, len, vec, _, _, _) => Mincore(k, addr, len, vec);
        t[Nr.mlock] = (k, start, len, _, _, _, _) => Mlock(k, start, len, VmLock.Locked);
        t[Nr.mlock2] = (k, start, len, flags, _, _, _) => (flags & ~MLOCK_ONFAULT) != 0 ? Err(Errno.EINVAL)
            : Mlock(k, start, len, VmLock.Locked | ((flags & MLOCK_ONFAULT) != 0 ? VmLock.OnFault : 0));
        t[Nr.munlock] = (k, start, len, _, _, _, _) => Mlock(k, start, len, VmLock.None);
        t[Nr.mlockall] = (k, flags, _, _, _, _, _) => Mlockall(k, (int)flags);
        t[Nr.munlockall] = (k, _, _, _, _, _, _) => Locked(k, mm => ApplyMlockall(mm, 0));
        // Memory protection keys: the sandbox is a machine without them (the guest's PKRU register is not the
        // Sentry's to give out), so no key can be allocated and only "no key" (-1) may be named.
        t[Nr.pkey_alloc] = (_, _, _, _, _, _, _) => Err(Errno.EINVAL);
        t[Nr.pkey_free] = (_, _, _, _, _, _, _) => Err(Errno.EINVAL);
        t[Nr.pkey_mprotect] = (k, addr, len, prot, pkey, _, _) =>
            (int)pkey != NoProtectionKey ? Err(Errno.EINVAL) : Locked(k, mm => mm.Mprotect(addr, len, (int)prot));
    }

    const int NoProtectionKey = -1;

    /// <summary>Threads share the memory manager: one change at a time, carried out by the caller's own stub thread.</summary>
    const ulong MLOCK_ONFAULT = 1;

    const int MEMBARRIER_CMD_QUERY = 0, MEMBARRIER_CMD_GLOBAL = 1, MEMBARRIER_CMD_GLOBAL_EXPEDITED = 2,
        MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 4, MEMBARRIER_CMD_PRIVATE_EXPEDITED = 8,
        MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 16, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE = 32,
        MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 64, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ = 128,
        MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ = 256, MEMBARRIER_CMD_GET_REGISTRATIONS = 512;
    /// <summary>RSEQ's one flag: the fence reaches the threads on one CPU (flags' cpu_id argument).</summary>
    const uint MEMBARRIER_CMD_FLAG_CPU = 1;
    /// <summary>What QUERY answers: every command (the RSEQ ones are the Sentry's, as the guest's rseq is).</summary>
    const int MembarrierSupported = MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED |
        MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED |
        MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE |
        MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ | MEMBARRIER_CMD_GET_REGISTRATIONS;

    /// <summary>membarrier: the Sentry answers QUERY and GET_REGISTRATIONS and keeps the registrations (EPERM for an
    /// expedited barrier not registered for); the barrier itself is the host's, made by the caller's stub thread
    /// with the same command, since the guest's threads are that host process's threads.</summary>
    static long Membarrier(Task t, int cmd, uint flags, int cpu)
    {
        if (flags != 0 && (cmd != MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ || flags != MEMBARRIER_CMD_FLAG_CPU)) return Err(Errno.EINVAL);
        switch (cmd)
        {
            case MEMBARRIER_CMD_QUERY:
                return MembarrierSupported;
            case MEMBARRIER_CMD_GET_REGISTRATIONS:
                lock (t.MM) return t.MM.MembarrierRegistered;
            case MEMBARRIER_CMD_GLOBAL or MEMBARRIER_CMD_GLOBAL_EXPEDITED:
                return Locked(t, mm => mm.Space.Membarrier(cmd));
            case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED or MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED
                or MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
                return Locked(t, mm =>
                {
                    long r = mm.Space.Membarrier(cmd);
                    if (r == 0) mm.MembarrierRegistered |= cmd;
                    return r;
                });
            // RSEQ's registration and fence are the Sentry's alone: the host has no rseq of the guest's to restart.
            case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ:
                lock (t.MM) t.MM.MembarrierRegistered |= cmd;
                return 0;
            case MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ:
                lock (t.MM) if ((t.MM.MembarrierRegistered & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ) == 0) return Err(Errno.EPERM);
                // A fence for one CPU reaches every thread (an abort is always allowed); one that does not exist, none.
                if (flags != MEMBARRIER_CMD_FLAG_CPU || (uint)cpu < (uint)FileSystems.Proc.SystemInfo.Cpus) t.RseqFence();
                return 0;
            case MEMBARRIER_CMD_PRIVATE_EXPEDITED or MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE:
                // Each expedited kind needs its own registration (the REGISTER command is the kind's bit doubled).
                return Locked(t, mm => (mm.MembarrierRegistered & (cmd << 1)) == 0 ? Err(Errno.EPERM) : mm.Space.Membarrier(cmd));
            default:
                return Err(Errno.EINVAL);
        }
    }

    const int MCL_CURRENT = 1, MCL_FUTURE = 2, MCL_ONFAULT = 4;
    const ulong PageSize = MemoryManager.PageSize;

    /// <summary>Linux's can_do_mlock: a nonzero RLIMIT_MEMLOCK or CAP_IPC_LOCK.</summary>
    static bool MayLock(Task t) => t.Limits.Values[RLimits.RLIMIT_MEMLOCK].Cur != 0 || t.Creds.Has(Credentials.CAP_IPC_LOCK);

    /// <summary>Whether locking bytes more stays within RLIMIT_MEMLOCK (always, with CAP_IPC_LOCK).</summary>
    static bool WithinLockLimit(Task t, ulong lockedAfter) =>
        t.Creds.Has(Credentials.CAP_IPC_LOCK) || lockedAfter / PageSize <= t.Limits.Values[RLimits.RLIMIT_MEMLOCK].Cur / PageSize;

    /// <summary>
    /// mlock, mlock2 and munlock (mode None): the range (page-aligned outwards) must be mapped throughout (ENOMEM);
    /// locking counts against RLIMIT_MEMLOCK, less what in the range is locked already. The Sentry never pages
    /// guest memory out, so a lock is bookkeeping: VmLck, the limit, and what fork and munmap do to it.
    /// </summary>
    static long Mlock(Task t, ulong start, ulong len, VmLock mode)
    {
        ulong end = MemoryManager.PageUp(start + len);
        start &= ~(PageSize - 1);
        if (mode != VmLock.None && !MayLock(t)) return Err(Errno.EPERM);
        return Locked(t, mm =>
        {
            if (end < start || start + len < start) return Err(Errno.EINVAL);
            if (end == start) return 0;
            if (mode != VmLock.None)
            {
                ulong already = 0;
                foreach (var v in mm.Vmas.Slice(start, end)) if (v.Lock != VmLock.None) already += v.Length;
                if (!WithinLockLimit(t, mm.LockedBytes() + (end - start) - already)) return Err(Errno.ENOMEM);
            }
            if (!mm.Vmas.FullyMapped(start, end)) return Err(Errno.ENOMEM);
            mm.Vmas.Update(start, end, v => v.Lock = mode);
            // Locking populates the pages: an inaccessible page cannot be, so ENOMEM, though the range stays locked.
            if (mode == VmLock.Locked)
                foreach (var v in mm.Vmas.Slice(start, end)) if (v.Prot == Prot.None) return Err(Errno.ENOMEM);
            return 0;
        });
    }

    static long Mlockall(Task t, int flags)
    {
        if (flags == 0 || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) != 0 || flags == MCL_ONFAULT) return Err(Errno.EINVAL);
        if (!MayLock(t)) return Err(Errno.EPERM);
        return Locked(t, mm =>
        {
            if ((flags & MCL_CURRENT) != 0 && !WithinLockLimit(t, mm.TotalVm())) return Err(Errno.ENOMEM);
            return ApplyMlockall(mm, flags);
        });
    }

    /// <summary>Linux's apply_mlockall_flags: MCL_FUTURE sets how new mappings are locked (else clears it);
    /// MCL_CURRENT (or munlockall, flags 0) sets every mapping's lock state.</summary>
    static long ApplyMlockall(MemoryManager mm, int flags)
    {
        var onFault = (flags & MCL_ONFAULT) != 0 ? VmLock.OnFault : VmLock.None;
        mm.DefaultLock = (flags & MCL_FUTURE) != 0 ? VmLock.Locked | onFault : VmLock.None;
        if (flags == MCL_FUTURE || flags == (MCL_FUTURE | MCL_ONFAULT)) return 0;
        var mode = (flags & MCL_CURRENT) != 0 ? VmLock.Locked | onFault : VmLock.None;
        var all = mm.Vmas.All;
        if (all.Count > 0) mm.Vmas.Update(all[0].Start, all[^1].End, v => v.Lock = mode);
        return 0;
    }

    /// <summary>Whether bytes stay within a resource limit (RLIMIT_AS, RLIMIT_DATA: Linux's may_expand_vm and
    /// check_data_rlimit).</summary>
    static bool WithinLimit(Task t, int resource, ulong bytes)
    {
        ulong cur = t.Limits.Values[resource].Cur;
        return cur == RLimits.Infinity || bytes <= cur;
    }

    /// <summary>brk: refused (the old break answered) past RLIMIT_DATA — the heap's size — or RLIMIT_AS; growth under
    /// mlockall(MCL_FUTURE) is locked too, and is refused past RLIMIT_MEMLOCK.</summary>
    static long Brk(Task t, MemoryManager mm, ulong want)
    {
        ulong oldTop = MemoryManager.PageUp(mm.Brk), newTop = MemoryManager.PageUp(want);
        if (want >= mm.BrkStart && !WithinLimit(t, RLimits.RLIMIT_DATA, want - mm.BrkStart)) return (long)mm.Brk;
        if (newTop > oldTop && !WithinLimit(t, RLimits.RLIMIT_AS, mm.TotalVm() + (newTop - oldTop))) return (long)mm.Brk;
        bool lockGrowth = mm.DefaultLock != VmLock.None && want > mm.Brk && newTop > oldTop;
        if (lockGrowth && !WithinLockLimit(t, mm.LockedBytes() + (newTop - oldTop))) return (long)mm.Brk;
        long r = (long)mm.DoBrk(want);
        if (lockGrowth && mm.Brk == want) mm.Vmas.Update(oldTop, newTop, v => v.Lock = mm.DefaultLock);
        return r;
    }

    /// <summary>mremap: growing a locked mapping locks the growth too, within RLIMIT_MEMLOCK (EAGAIN past it, as
    /// Linux's vma_to_resize asks mlock_future_check).</summary>
    static long Mremap(Task t, MemoryManager mm, ulong addr, ulong oldLen, ulong newLen, int flags, ulong newAddr)
    {
        ulong oldSize = MemoryManager.PageUp(oldLen), newSize = MemoryManager.PageUp(newLen);
        if (newSize > oldSize && oldSize != 0 && mm.Vmas.Find(addr) is { Lock: not VmLock.None }
            && !WithinLockLimit(t, mm.LockedBytes() + (newSize - oldSize)))
            return Err(Errno.EAGAIN);
        return mm.Mremap(addr, oldLen, newLen, flags, newAddr);
    }

    static long Locked(Task t, Func<MemoryManager, long> op)
    {
        lock (t.MM)
        {
            t.MM.Space = t.Stub!;
            long r = op(t.MM);
            t.MM.SyncShm(t.Tgid); // an unmap or split may have changed a System V segment's attaches
            return r;
        }
    }

    /// <summary>Every mapped page is reported resident: the Sentry does not track residency.</summary>
    static long Mincore(Task t, ulong addr, ulong len, ulong vec)
    {
        if ((addr & 4095) != 0) return Err(Errno.EINVAL);
        // The range must be user addresses (access_ok) before its length is rounded to pages.
        if (len > MemoryManager.TaskSize || addr > MemoryManager.TaskSize - len) return Err(Errno.ENOMEM);
        ulong pages = (len + 4095) / 4096;
        lock (t.MM)
            if (!t.MM.Vmas.FullyMapped(addr, addr + pages * 4096)) return Err(Errno.ENOMEM);
        var ones = new byte[pages];
        Array.Fill(ones, (byte)1);
        return t.Mem.Write(vec, ones) ? 0 : Err(Errno.EFAULT);
    }

    static long Mmap(Task t, ulong addr, ulong len, int prot, int flags, int fd, ulong off)
    {
        IMappable? file = null;
        bool mayWrite = false, noExec = false;
        if ((flags & MemoryManager.MAP_ANONYMOUS) == 0)
        {
            using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
            if (f == null || (f.Flags & OpenFlags.O_PATH) != 0) return Err(Errno.EBADF);
            if (!OpenFlags.CanRead(f.Flags)) return Err(Errno.EACCES);
            if ((flags & 3) != MemoryManager.MAP_PRIVATE && (prot & MemoryManager.PROT_WRITE) != 0 && !OpenFlags.CanWrite(f.Flags))
                return Err(Errno.EACCES);
            // A file of a noexec mount is never mapped executable (path_noexec).
            if ((prot & MemoryManager.PROT_EXEC) != 0 && f.Path.IsValid && f.Path.Mount.NoExec) return Err(Errno.EPERM);
            file = f.Mappable;
            if (file == null) return Err(Errno.ENODEV);
            mayWrite = OpenFlags.CanWrite(f.Flags);
            noExec = f.Path.IsValid && f.Path.Mount.NoExec;
        }
        // MAP_LOCKED, or mlockall(MCL_FUTURE): the new mapping is locked, within RLIMIT_MEMLOCK (EAGAIN past it).
        var mm = t.MM;
        var lockMode = (flags & MemoryManager.MAP_LOCKED) != 0 ? VmLock.Locked | mm.DefaultLock : mm.DefaultLock;
        if ((flags & MemoryManager.MAP_LOCKED) != 0 && !MayLock(t)) return Err(Errno.EPERM);
        ulong size = MemoryManager.PageUp(len);
        if (size >= len && !WithinLimit(t, RLimits.RLIMIT_AS, mm.TotalVm() + size)) return Err(Errno.ENOMEM);
        if (lockMode != VmLock.None && size >= len && !WithinLockLimit(t, mm.LockedBytes() + size)) return Err(Errno.EAGAIN);
        long r = mm.Mmap(addr, len, prot, flags, file, off, mayWrite, noExec: noExec);
        if (r >= 0 && lockMode != VmLock.None) mm.Vmas.Update((ulong)r, (ulong)r + size, v => v.Lock = lockMode);
        return r;
    }
}
