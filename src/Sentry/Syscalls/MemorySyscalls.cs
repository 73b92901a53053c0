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
        t[Nr.brk] = (k, addr, _, _, _, _, _) => Locked(k, mm => (long)mm.DoBrk(addr));
        t[Nr.mmap] = (k, addr, len, prot, flags, fd, off) => Locked(k, _ => Mmap(k, addr, len, (int)prot, (int)flags, (int)fd, off));
        t[Nr.munmap] = (k, addr, len, _, _, _, _) => Locked(k, mm => mm.Munmap(addr, len));
        t[Nr.mprotect] = (k, addr, len, prot, _, _, _) => Locked(k, mm => mm.Mprotect(addr, len, (int)prot));
        t[Nr.mremap] = (k, a, ol, nl, flags, na, _) => Locked(k, mm => mm.Mremap(a, ol, nl, (int)flags, na));
        t[Nr.madvise] = (k, addr, len, adv, _, _, _) => Locked(k, mm => mm.Madvise(addr, len, (int)adv));
        t[Nr.msync] = (k, addr, len, flags, _, _, _) => Locked(k, mm => mm.Msync(addr, len, (int)flags));
        t[Nr.membarrier] = (k, cmd, flags, _, _, _, _) => Membarrier(k, (int)cmd, (uint)flags);
        t[Nr.mincore] = (k, addr, len, vec, _, _, _) => Mincore(k, addr, len, vec);
        t[Nr.mlock] = (k, _, _, _, _, _, _) => 0;
        t[Nr.mlock2] = (k, _, _, flags, _, _, _) => (flags & ~MLOCK_ONFAULT) != 0 ? Err(Errno.EINVAL) : 0;
        t[Nr.munlock] = (k, _, _, _, _, _, _) => 0;
        t[Nr.mlockall] = (k, _, _, _, _, _, _) => 0;
        t[Nr.munlockall] = (k, _, _, _, _, _, _) => 0;
    }

    /// <summary>Threads share the memory manager: one change at a time, carried out by the caller's own stub thread.</summary>
    const ulong MLOCK_ONFAULT = 1;

    const int MEMBARRIER_CMD_QUERY = 0, MEMBARRIER_CMD_GLOBAL = 1, MEMBARRIER_CMD_GLOBAL_EXPEDITED = 2,
        MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 4, MEMBARRIER_CMD_PRIVATE_EXPEDITED = 8,
        MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 16, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE = 32,
        MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 64, MEMBARRIER_CMD_GET_REGISTRATIONS = 512;
    /// <summary>What QUERY answers: every command but the rseq ones (the guest's rseq is the Sentry's, which the
    /// host's barrier cannot restart).</summary>
    const int MembarrierSupported = MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED |
        MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED |
        MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE |
        MEMBARRIER_CMD_GET_REGISTRATIONS;

    /// <summary>membarrier: the Sentry answers QUERY and GET_REGISTRATIONS and keeps the registrations (EPERM for an
    /// expedited barrier not registered for); the barrier itself is the host's, made by the caller's stub thread
    /// with the same command, since the guest's threads are that host process's threads.</summary>
    static long Membarrier(Task t, int cmd, uint flags)
    {
        if (flags != 0) return Err(Errno.EINVAL);
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
            case MEMBARRIER_CMD_PRIVATE_EXPEDITED or MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE:
                // Each expedited kind needs its own registration (the REGISTER command is the kind's bit doubled).
                return Locked(t, mm => (mm.MembarrierRegistered & (cmd << 1)) == 0 ? Err(Errno.EPERM) : mm.Space.Membarrier(cmd));
            default:
                return Err(Errno.EINVAL);
        }
    }

    static long Locked(Task t, Func<MemoryManager, long> op)
    {
        lock (t.MM)
        {
            t.MM.Space = t.Stub!;
            return op(t.MM);
        }
    }

    /// <summary>Every mapped page is reported resident: the Sentry does not track residency.</summary>
    static long Mincore(Task t, ulong addr, ulong len, ulong vec)
    {
        if ((addr & 4095) != 0) return Err(Errno.EINVAL);
        ulong pages = (len + 4095) / 4096;
        if (addr + pages * 4096 < addr) return Err(Errno.ENOMEM);
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
        return t.MM.Mmap(addr, len, prot, flags, file, off, mayWrite, noExec);
    }
}
