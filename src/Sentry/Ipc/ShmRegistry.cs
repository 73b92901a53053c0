using AppKernel.Sentry.FileSystems.Tmpfs;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.Ipc;

/// <summary>The shared memory segments of an IPC namespace, with Linux's default limits; lock: the registry.</summary>
public sealed class ShmRegistry
{
    /// <summary>SHMMAX and SHMALL (pages): ULONG_MAX - 2^24, SHMMNI, SHMMIN.</summary>
    public const ulong ShmMax = ulong.MaxValue - (1UL << 24), ShmAll = ulong.MaxValue - (1UL << 24), ShmMin = 1;
    public const int ShmMni = 4096;

    public readonly IpcIds<ShmSegment> Ids = new();
    /// <summary>kernel.shmmax, shmall and shmmni: the defaults above until root writes the sysctl.</summary>
    public ulong CtlMax = ShmMax, CtlAll = ShmAll;
    public int CtlMni = ShmMni;
    readonly Mount _memory;
    /// <summary>Pages of all segments (shm_tot).</summary>
    public ulong TotalPages;

    public ShmRegistry(Mount memory) => _memory = memory;

    /// <summary>shmget's newseg: the size rules, then a memory file of the size. Caller holds the lock.</summary>
    public long Create(Task t, int key, int flags, ulong size)
    {
        if (size < ShmMin || size > CtlMax) return -(long)Errno.EINVAL;
        ulong pages = (size + MemoryManager.PageSize - 1) / MemoryManager.PageSize;
        if (pages * MemoryManager.PageSize < size) return -(long)Errno.ENOSPC;
        if (TotalPages + pages < TotalPages || TotalPages + pages > CtlAll) return -(long)Errno.ENOSPC;
        if (Ids.InUse >= CtlMni) return -(long)Errno.ENOSPC;
        ((TmpfsDir)_memory.Root.Inode).CreateUnnamed(t, InodeMode.S_IFREG | 0x180, false, out var inode);
        var file = (TmpfsFile)inode!;
        var e = file.Truncate((long)Math.Min(size, long.MaxValue));
        if (e != Errno.None) return -(long)(e == Errno.EFBIG ? Errno.ENOSPC : e);
        var seg = new ShmSegment(t, this, key, flags, size, file);
        e = Ids.Add(seg, CtlMni);
        if (e != Errno.None) return -(long)e;
        TotalPages += pages;
        return seg.Id;
    }

    /// <summary>IPC_RMID: gone at once when nothing is attached, else keyed IPC_PRIVATE and SHM_DEST until the last
    /// detach. Caller holds the lock.</summary>
    public void Remove(ShmSegment s)
    {
        s.Mode |= ShmSegment.SHM_DEST;
        s.Key = IpcObject.IPC_PRIVATE;
        DestroyIfUnused(s);
    }

    /// <summary>shm_may_destroy: a segment marked for removal goes with its last attach. Caller holds the lock.</summary>
    public void DestroyIfUnused(ShmSegment s)
    {
        if (s.Nattch != 0 || (s.Mode & ShmSegment.SHM_DEST) == 0 || s.Deleted) return;
        s.Deleted = true;
        Ids.Remove(s);
        TotalPages -= s.Pages;
        s.File.Truncate(0); // the pages go now, not when the collector finds the file
    }
}
