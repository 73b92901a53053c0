using AppKernel.Platform;
using AppKernel.Sentry.FileSystems.Tmpfs;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;

namespace AppKernel.Sentry.Ipc;

/// <summary>
/// A shared memory segment: a memory file of the kernel's hidden tmpfs, as a memfd is, which every attach maps
/// MAP_SHARED (so forked and unrelated processes share its host pages). Attaches are counted by the mappings
/// that refer to it (Linux counts VMAs: a split attach counts twice); a segment removed while attached lives,
/// keyed IPC_PRIVATE and marked SHM_DEST, until the last goes.
/// </summary>
public sealed class ShmSegment : IpcObject, IMappable, ISharedSegment
{
    public const uint SHM_DEST = 0x200, SHM_LOCKED = 0x400;

    readonly ShmRegistry _registry;
    public readonly TmpfsFile File;
    public readonly ulong Size;
    public long Atime, Dtime;
    public int Cpid, Lpid;
    /// <summary>Mappings referring to the segment, plus shmat calls between their check and their mapping.</summary>
    public long Nattch;
    readonly MappedFile _identity;

    public ShmSegment(Task t, ShmRegistry registry, int key, int flags, ulong size, TmpfsFile file) : base(t, key, flags)
    {
        _registry = registry;
        File = file;
        Size = size;
        Cpid = t.Tgid;
        // Linux names the segment's file SYSV<key> in its hidden shm mount; /proc/pid/maps shows it deleted.
        _identity = new MappedFile($"/SYSV{(uint)key:x8} (deleted)", file.Fs.Dev, file.Ino);
    }

    public ulong Pages => (Size + MemoryManager.PageSize - 1) / MemoryManager.PageSize;
    /// <summary>Pages that hold memory now (shm_rss): untouched pages of a segment cost nothing, as in Linux.</summary>
    public ulong ResidentPages => (ulong)File.ResidentBytes / MemoryManager.PageSize;

    public MappedFile Identity => _identity;

    public Errno HostPages(bool shared, bool writable, out int hostFd) => File.HostPages(true, writable, out hostFd);

    public Errno CopyInto(GuestMemory mem, ulong addr, ulong offset, ulong len)
    {
        var b = new byte[Math.Min(len, 1UL << 16)];
        for (ulong done = 0; done < len;)
        {
            int n = (int)Math.Min((ulong)b.Length, len - done);
            long r = File.ReadAt(b.AsSpan(0, n), (long)(offset + done));
            if (r < 0) return (Errno)(-r);
            b.AsSpan((int)r, n - (int)r).Clear();
            if (!mem.Write(addr + done, b.AsSpan(0, n))) return Errno.EFAULT;
            done += (ulong)n;
        }
        return Errno.None;
    }

    /// <summary>A mapping of the segment came (fork, a split) or went (munmap, exit, exec): shm_open/shm_close.</summary>
    public void Attached(int delta, int pid)
    {
        lock (_registry)
        {
            Nattch += delta;
            if (delta > 0) Atime = Now(); else Dtime = Now();
            Lpid = pid;
            _registry.DestroyIfUnused(this);
        }
    }
}
