using AppKernel.Sentry.Ipc;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// System V shared memory (ipc/shm.c): shmget, shmat, shmdt and shmctl. An attach is a MAP_SHARED mapping of the
/// segment's memory file that the memory manager marks as the segment's, so it is counted, kept across fork and
/// dropped by exit and exec like any mapping.
/// </summary>
static class SysvShmSyscalls
{
    const int SHM_RDONLY = 0x1000, SHM_RND = 0x2000, SHM_REMAP = 0x4000, SHM_EXEC = 0x8000;
    const int SHM_LOCK = 11, SHM_UNLOCK = 12, SHM_STAT = 13, SHM_INFO = 14, SHM_STAT_ANY = 15;
    const ulong ShmLba = MemoryManager.PageSize;
    const int S_IXUGO = 0x49;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.shmget] = (k, key, size, flg, _, _, _) => Shmget(k, (int)key, size, (int)flg);
        t[Nr.shmat] = (k, id, addr, flg, _, _, _) => Shmat(k, (int)id, addr, (int)flg);
        t[Nr.shmdt] = (k, addr, _, _, _, _, _) => Shmdt(k, addr);
        t[Nr.shmctl] = (k, id, cmd, buf, _, _, _) => Shmctl(k, (int)id, (int)cmd, buf);
    }

    static long Shmget(Task t, int key, ulong size, int flg)
    {
        var reg = t.SysvIpc.Shm;
        lock (reg)
            return SysvIpc.Get(t, reg.Ids, key, flg, s => s.Size < size ? Errno.EINVAL : Errno.None,
                () => reg.Create(t, key, flg, size));
    }

    static long Shmat(Task t, int shmid, ulong addr, int flg)
    {
        if (shmid < 0) return Err(Errno.EINVAL);
        int flags = MemoryManager.MAP_SHARED;
        if (addr != 0)
        {
            if ((addr & (ShmLba - 1)) != 0)
            {
                if ((flg & SHM_RND) == 0) return Err(Errno.EINVAL);
                addr &= ~(ShmLba - 1);
                // Rounded down to nothing: there is no address to replace.
                if (addr == 0 && (flg & SHM_REMAP) != 0) return Err(Errno.EINVAL);
            }
            flags |= MemoryManager.MAP_FIXED;
        }
        else if ((flg & SHM_REMAP) != 0) return Err(Errno.EINVAL);
        bool rdonly = (flg & SHM_RDONLY) != 0;
        int prot = rdonly ? MemoryManager.PROT_READ : MemoryManager.PROT_READ | MemoryManager.PROT_WRITE;
        int access = rdonly ? IpcObject.S_IRUGO : IpcObject.S_IRUGO | IpcObject.S_IWUGO;
        if ((flg & SHM_EXEC) != 0) { prot |= MemoryManager.PROT_EXEC; access |= S_IXUGO; }

        var reg = t.SysvIpc.Shm;
        ShmSegment seg;
        lock (reg)
        {
            var s = reg.Ids.ById(shmid);
            if (s == null) return Err(Errno.EINVAL);
            if (!s.MayAccess(t, access)) return Err(Errno.EACCES);
            seg = s;
            seg.Nattch++; // held while mapping, so a concurrent IPC_RMID cannot destroy it under us
        }
        long r;
        lock (t.MM)
        {
            t.MM.Space = t.Stub!;
            if (addr != 0 && (flg & SHM_REMAP) == 0 && (addr + seg.Size < addr || t.MM.Vmas.Overlaps(addr, addr + seg.Size)))
                r = Err(Errno.EINVAL);
            else
            {
                r = t.MM.Mmap(addr, seg.Size, prot, flags, seg, 0, mayWriteShared: !rdonly, shm: seg);
                t.MM.SyncShm(t.Tgid);
            }
        }
        lock (reg)
        {
            seg.Nattch--;
            reg.DestroyIfUnused(seg);
        }
        return r;
    }

    /// <summary>Linux's shmdt: the first segment mapping at or above addr whose offset says its attach began at addr
    /// gives the segment and its size; that mapping and every later piece of the same attach within the size go.</summary>
    static long Shmdt(Task t, ulong addr)
    {
        if ((addr & (MemoryManager.PageSize - 1)) != 0) return Err(Errno.EINVAL);
        lock (t.MM)
        {
            t.MM.Space = t.Stub!;
            var vmas = t.MM.VmaSnapshot();
            ISharedSegment? seg = null;
            ulong size = 0;
            bool found = false;
            foreach (var v in vmas)
            {
                if (v.End <= addr || v.Shm == null || !StartsAttach(v, addr)) continue;
                if (!found)
                {
                    seg = v.Shm;
                    size = ((ShmSegment)seg).Size;
                    size = (size + MemoryManager.PageSize - 1) & ~(MemoryManager.PageSize - 1);
                    t.MM.Munmap(v.Start, v.Length);
                    found = true;
                    continue;
                }
                if (v.End - addr > size) break;
                if (v.Shm == seg) t.MM.Munmap(v.Start, v.Length);
            }
            t.MM.SyncShm(t.Tgid);
            return found ? 0 : Err(Errno.EINVAL);
        }
    }

    // (vm_start - addr) / PAGE_SIZE == vm_pgoff: a piece of an attach made at addr.
    static bool StartsAttach(Vma v, ulong addr) =>
        v.Start >= addr && (v.Start - addr) / MemoryManager.PageSize == v.Offset / MemoryManager.PageSize;

    static long Shmctl(Task t, int shmid, int cmd, ulong buf)
    {
        if (cmd < 0 || shmid < 0) return Err(Errno.EINVAL);
        var reg = t.SysvIpc.Shm;
        switch (cmd)
        {
            case SysvIpc.IPC_INFO:
            {
                ShmInfoLimits info;
                int maxIdx;
                lock (reg)
                {
                    maxIdx = reg.Ids.MaxIdx;
                    info = new ShmInfoLimits
                    {
                        Shmmax = reg.CtlMax, Shmmin = ShmRegistry.ShmMin, Shmmni = (ulong)reg.CtlMni,
                        Shmseg = (ulong)reg.CtlMni, Shmall = reg.CtlAll,
                    };
                }
                return t.Mem.Write(buf, info) ? Math.Max(maxIdx, 0) : Err(Errno.EFAULT);
            }
            case SHM_INFO:
            {
                ShmInfoUsage info;
                int maxIdx;
                lock (reg)
                {
                    ulong rss = 0;
                    foreach (var s in reg.Ids.All) rss += s.ResidentPages;
                    info = new ShmInfoUsage { UsedIds = reg.Ids.InUse, ShmTot = reg.TotalPages, ShmRss = rss };
                    maxIdx = reg.Ids.MaxIdx;
                }
                return t.Mem.Write(buf, info) ? Math.Max(maxIdx, 0) : Err(Errno.EFAULT);
            }
            case SysvIpc.IPC_STAT or SHM_STAT or SHM_STAT_ANY:
            {
                ShmidDs ds;
                long ret;
                lock (reg)
                {
                    var s = cmd == SysvIpc.IPC_STAT ? reg.Ids.ById(shmid) : reg.Ids.ByIndex(shmid);
                    if (s == null) return Err(Errno.EINVAL);
                    if (cmd != SHM_STAT_ANY && !s.MayAccess(t, IpcObject.S_IRUGO)) return Err(Errno.EACCES);
                    ds = new ShmidDs
                    {
                        Perm = s.Perm(t), Segsz = s.Size, Atime = s.Atime, Dtime = s.Dtime, Ctime = s.Ctime,
                        Cpid = t.PidNs.IdOf(s.Cpid), Lpid = t.PidNs.IdOf(s.Lpid), Nattch = (ulong)s.Nattch,
                    };
                    ret = cmd == SysvIpc.IPC_STAT ? 0 : s.Id;
                }
                return t.Mem.Write(buf, ds) ? ret : Err(Errno.EFAULT);
            }
            case SysvIpc.IPC_SET or SysvIpc.IPC_RMID:
            {
                ShmidDs ds = default;
                if (cmd == SysvIpc.IPC_SET && !t.Mem.Read(buf, out ds)) return Err(Errno.EFAULT);
                lock (reg)
                {
                    var s = reg.Ids.ById(shmid);
                    if (s == null) return Err(Errno.EINVAL);
                    if (!s.MayControl(t)) return Err(Errno.EPERM);
                    if (cmd == SysvIpc.IPC_RMID) { reg.Remove(s); return 0; }
                    return Err(s.UpdatePerm(t, ds.Perm));
                }
            }
            case SHM_LOCK or SHM_UNLOCK:
            {
                const int CAP_IPC_LOCK = 14, RLIMIT_MEMLOCK = 8;
                lock (reg)
                {
                    var s = reg.Ids.ById(shmid);
                    if (s == null) return Err(Errno.EINVAL);
                    if (!t.Creds.Has(CAP_IPC_LOCK))
                    {
                        if (t.Creds.Euid != s.Uid && t.Creds.Euid != s.Cuid) return Err(Errno.EPERM);
                        if (cmd == SHM_LOCK && t.Limits.Values[RLIMIT_MEMLOCK].Cur == 0) return Err(Errno.EPERM);
                    }
                    // Accepted and shown in the mode; the Sentry's memory is never swapped anyway.
                    if (cmd == SHM_LOCK) s.Mode |= ShmSegment.SHM_LOCKED; else s.Mode &= ~ShmSegment.SHM_LOCKED;
                    return 0;
                }
            }
            default:
                return Err(Errno.EINVAL);
        }
    }
}
