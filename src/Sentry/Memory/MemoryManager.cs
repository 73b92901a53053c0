using System.Text;
using AppKernel.Platform;

namespace AppKernel.Sentry.Memory;

/// <summary>
/// Owns a guest's mappings: decides addresses, keeps the VMA set, and has the Platform
/// carry each change out in the stub. File mappings map the file's host pages where it has them, else copy its bytes.
/// </summary>
public sealed class MemoryManager
{
    public const ulong PageSize = 4096;
    /// <summary>Top of user space; nothing is mapped at or above it.</summary>
    public const ulong TaskSize = 0x7fff_ffff_f000;
    public const ulong MinAddr = 0x10000; // vm.mmap_min_addr
    /// <summary>The initial stack's top; below it the stack, a gap, then mmap grows down from MmapBase.</summary>
    public const ulong StackTop = 0x7ffd_ffff_f000;
    public const ulong StackSize = 8UL << 20;
    public const ulong MmapBase = StackTop - StackSize - (1UL << 30);

    public const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public const int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_SHARED_VALIDATE = 3, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20,
        MAP_GROWSDOWN = 0x100, MAP_DENYWRITE = 0x800, MAP_EXECUTABLE = 0x1000, MAP_LOCKED = 0x2000, MAP_NORESERVE = 0x4000,
        MAP_POPULATE = 0x8000, MAP_NONBLOCK = 0x10000, MAP_STACK = 0x20000, MAP_HUGETLB = 0x40000, MAP_SYNC = 0x80000,
        MAP_FIXED_NOREPLACE = 0x100000, MAP_32BIT = 0x40, MAP_UNINITIALIZED = 0x4000000, MAP_HUGE_MASK = 0x3f << 26;
    /// <summary>The flags every file takes under MAP_SHARED_VALIDATE (Linux's LEGACY_MAP_MASK: not MAP_SYNC, which
    /// only DAX files take, nor MAP_FIXED_NOREPLACE).</summary>
    const int LegacyMapMask = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | MAP_EXECUTABLE |
        MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK |
        MAP_HUGETLB | MAP_32BIT | MAP_HUGE_MASK;
    /// <summary>Where MAP_32BIT mappings go on x86-64 (the second gigabyte), searched bottom-up.</summary>
    const ulong Map32Bottom = 0x4000_0000, Map32Top = 0x8000_0000;

    readonly VmaSet _vmas = new();
    /// <summary>The stub that carries out changes: threads share one manager, and each must use its own stub
    /// thread (ptrace's tracer rule), so callers set it under the manager's lock (see MemorySyscalls).</summary>
    public IAddressSpace Space { get; set; }
    /// <summary>The membarrier REGISTER_* commands this address space has made: a fork's copy keeps them (so does
    /// the host's copy of the stub), an exec's new address space starts with none.</summary>
    public int MembarrierRegistered;
    /// <summary>Linux's dumpable flag (PR_GET/SET_DUMPABLE), kept with the address space as Linux's mm flags: a fork
    /// copies it, an exec sets it, and a change of effective or fs ids (or new capabilities) clears it.</summary>
    public int Dumpable = SuidDumpUser;
    public const int SuidDumpDisable = 0, SuidDumpUser = 1;
    /// <summary>fs.suid_dumpable: what a process that changed credentials becomes.</summary>
    public const int SuidDumpable = SuidDumpDisable;
    /// <summary>mlockall(MCL_FUTURE): how new mappings are locked (Linux's def_flags); not inherited by fork.</summary>
    public VmLock DefaultLock;
    public GuestMemory Memory => Space.Memory;
    /// <summary>Most bytes of writable private memory the guest may commit (ENOMEM past it).</summary>
    public ulong CommitLimit { get; set; }

    public ulong BrkStart { get; private set; }
    public ulong Brk { get; private set; }
    public ulong StackStart, ArgStart, ArgEnd, EnvStart, EnvEnd;
    /// <summary>Recorded by the ELF loader for /proc/[pid]/stat and status (Linux's mm->start_code etc.).</summary>
    public ulong StartCode, EndCode, StartData, EndData, StartStack;
    /// <summary>The auxiliary vector the process started with (/proc/[pid]/auxv; Linux's mm->saved_auxv).</summary>
    public byte[] SavedAuxv = Array.Empty<byte>();
    /// <summary>The vDSO's code in this address space (0: none): outside the mappings, yet a debugger's to read and
    /// patch (its breakpoints there land in this process's copy).</summary>
    public ulong Vdso;

    ulong _peakVm;
    /// <summary>The most bytes of address space mapped at once (VmPeak).</summary>
    public ulong PeakVm => Math.Max(_peakVm, TotalVm());

    /// <summary>Bytes of address space mapped now (VmSize). Takes the lock: /proc readers are other threads.</summary>
    public ulong TotalVm()
    {
        lock (this)
        {
            ulong n = 0;
            foreach (var v in _vmas.All) n += v.Length;
            return n;
        }
    }

    /// <summary>Bytes of committed private writable memory (Committed_AS), under the lock for /proc readers.</summary>
    public ulong CommittedBytes()
    {
        lock (this) return _vmas.CommittedBytes();
    }

    /// <summary>Called before mappings go away, so VmPeak remembers the high-water mark.</summary>
    void NotePeak() => _peakVm = PeakVm;

    /// <summary>The platform's own range (its stub): never mapped, never crossed by a new mapping.</summary>
    readonly ulong _reservedBase, _reservedEnd;

    public MemoryManager(IAddressSpace space, ulong commitLimit, ulong reservedBase, ulong reservedSize)
    {
        Space = space;
        CommitLimit = commitLimit;
        _reservedBase = reservedBase;
        _reservedEnd = reservedBase + reservedSize;
    }

    public VmaSet Vmas => _vmas;

    SyscallPatches? _patches;
    /// <summary>The guest's patched syscall sites (made on first use).</summary>
    public SyscallPatches Patches => _patches ??= new SyscallPatches(this);

    /// <summary>
    /// fork: the bookkeeping for a child whose stub was forked from ours (the host already copied the pages,
    /// copy-on-write, with MAP_SHARED memory shared). child may be set later through Space.
    /// </summary>
    public MemoryManager ForkFor(IAddressSpace? child)
    {
        var mm = new MemoryManager(child!, CommitLimit, _reservedBase, _reservedEnd - _reservedBase)
        {
            BrkStart = BrkStart, Brk = Brk, StackStart = StackStart, ArgStart = ArgStart, ArgEnd = ArgEnd,
            EnvStart = EnvStart, EnvEnd = EnvEnd, StartCode = StartCode, EndCode = EndCode, StartData = StartData,
            EndData = EndData, StartStack = StartStack, SavedAuxv = SavedAuxv, Vdso = Vdso, _peakVm = _peakVm,
            MembarrierRegistered = MembarrierRegistered, Dumpable = Dumpable,
        };
        foreach (var v in _vmas.All)
        {
            if (v.DontFork) continue;
            var c = v.Clone();
            c.Lock = VmLock.None; // a child's pages are not locked (Linux clears VM_LOCKED at fork)
            mm._vmas.Insert(c);
        }
        if (_shmVmas != null) mm._shmVmas = new(); // the caller counts the child's attaches (SyncShm)
        mm._patches = _patches?.ForkFor(mm);
        return mm;
    }

    /// <summary>How many mappings of each System V segment this address space has, as last told to the segments.</summary>
    Dictionary<ISharedSegment, int>? _shmVmas;
    /// <summary>Processes using this address space (a CLONE_VM child shares it until it execs or exits).</summary>
    int _users = 1;

    public void AddUser() => Interlocked.Increment(ref _users);
    /// <summary>Whether a process still uses the address space (a /proc/[pid]/mem opened before an exec or the end
    /// moves nothing after it).</summary>
    public bool Live => Volatile.Read(ref _users) > 0;

    /// <summary>A process stopped using the address space (exit, exec): the last one detaches its segments.</summary>
    public void ReleaseUser(int pid)
    {
        if (Interlocked.Decrement(ref _users) != 0) return;
        lock (this)
        {
            if (_shmVmas == null) return;
            foreach (var (s, n) in _shmVmas) s.Attached(-n, pid);
            _shmVmas = null;
        }
    }

    /// <summary>Tells each System V segment how many mappings of it came or went since the last call (shmat, shmdt,
    /// munmap, mprotect splits, fork's copy). Caller holds the lock; cheap when no segment was ever attached.</summary>
    public void SyncShm(int pid)
    {
        if (_shmVmas == null) return;
        var now = new Dictionary<ISharedSegment, int>();
        foreach (var v in _vmas.All)
            if (v.Shm != null) now[v.Shm] = now.GetValueOrDefault(v.Shm) + 1;
        foreach (var (s, n) in now)
        {
            int old = _shmVmas.GetValueOrDefault(s);
            if (n != old) s.Attached(n - old, pid);
        }
        foreach (var (s, old) in _shmVmas)
            if (!now.ContainsKey(s)) s.Attached(-old, pid);
        _shmVmas = now;
    }

    /// <summary>x rounded up to a page (wraps to 0 past the top, which callers check as Linux's PAGE_ALIGN users do).</summary>
    public static ulong PageUp(ulong x) => (x + PageSize - 1) & ~(PageSize - 1);
    static bool Aligned(ulong x) => (x & (PageSize - 1)) == 0;
    static Prot ToProt(int p) => (Prot)(p & 7);

    bool HitsStub(ulong start, ulong end) => start < _reservedEnd && end > _reservedBase;

    bool RangeUsable(ulong start, ulong len) =>
        start >= MinAddr && start + len <= TaskSize && start + len > start && !HitsStub(start, start + len);

    /// <summary>Chooses an address for a new mapping of len bytes: the hint if it is free, else top-down below MmapBase.</summary>
    ulong ChooseAddress(ulong hint, ulong len)
    {
        if (_below4G) return Choose32Bit(hint, len);
        if (hint != 0)
        {
            hint = hint & ~(PageSize - 1);
            if (RangeUsable(hint, len) && !_vmas.Overlaps(hint, hint + len)) return hint;
        }
        // The stub's page lies below MmapBase and is no VMA: search above it, then below it, never across it.
        ulong a = _vmas.FindGapTopDown(len, _reservedEnd, MmapBase);
        if (a != 0) return a;
        a = _vmas.FindGapTopDown(len, MinAddr, _reservedBase);
        if (a != 0) return a;
        // Fall back to the space above the stack area (below the stub).
        return _vmas.FindGapTopDown(len, StackTop, _reservedBase);
    }

    /// <summary>Set while a MAP_32BIT mapping chooses its address.</summary>
    bool _below4G;

    /// <summary>MAP_32BIT: the hint if it is free and ends below the second gigabyte's top, else the lowest gap there.</summary>
    ulong Choose32Bit(ulong hint, ulong len)
    {
        hint &= ~(PageSize - 1);
        if (hint != 0 && len <= Map32Top && hint <= Map32Top - len && RangeUsable(hint, len) && !_vmas.Overlaps(hint, hint + len))
            return hint;
        return _vmas.FindGapBottomUp(len, Map32Bottom, Map32Top);
    }

    long CheckCommit(ulong extra) =>
        _vmas.CommittedBytes() + extra > CommitLimit ? -(long)Errno.ENOMEM : 0;

    /// <summary>mmap(2). file supplies the bytes of a file mapping (null for anonymous).</summary>
    /// <param name="mayWriteShared">The file was opened for writing, so a shared mapping may become writable later.</param>
    /// <param name="shm">The System V segment the mapping attaches (shmat).</param>
    /// <param name="noExec">The file is on a noexec mount: the mapping may never become executable.</param>
    public long Mmap(ulong addr, ulong len, int prot, int flags, IMappable? file, ulong offset, bool mayWriteShared = false,
        ISharedSegment? shm = null, bool noExec = false)
    {
        int type = flags & 3;
        if (len == 0 || (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)) return -(long)Errno.EINVAL;
        if (!Aligned(offset)) return -(long)Errno.EINVAL;
        if ((prot & ~7) != 0) return -(long)Errno.EINVAL;
        bool fixedMap = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0;
        if (fixedMap && !Aligned(addr)) return -(long)Errno.EINVAL;
        ulong size = PageUp(len);
        if (size < len || size > TaskSize) return -(long)Errno.ENOMEM;
        if (offset + size < offset) return -(long)Errno.EOVERFLOW;
        bool shared = type != MAP_PRIVATE;
        bool anon = (flags & MAP_ANONYMOUS) != 0 || file == null;
        if (type == MAP_SHARED_VALIDATE)
        {
            if (anon) return -(long)Errno.EINVAL;
            if ((flags & ~LegacyMapMask) != 0) return -(long)Errno.EOPNOTSUPP;
        }
        // A regular file's mapping ends within the largest file size (Linux's file_mmap_ok).
        if (!anon && file!.RegularFile && offset + size > long.MaxValue) return -(long)Errno.EOVERFLOW;
        // A file mapping maps the file's host pages (hostFd), or is anonymous memory (/dev/zero), or is a copy.
        int hostFd = -1;
        bool hostPages = false;
        if (!anon)
        {
            var he = file!.HostPages(shared, (prot & PROT_WRITE) != 0, out hostFd);
            if (he == Errno.None) { if (hostFd == -1) anon = true; else hostPages = true; }
            else if (he != Errno.ENODEV || (shared && (prot & PROT_WRITE) != 0)) return -(long)he;
        }

        ulong start;
        if (fixedMap)
        {
            if (!RangeUsable(addr, size)) return -(long)Errno.ENOMEM;
            if ((flags & MAP_FIXED_NOREPLACE) != 0 && _vmas.Overlaps(addr, addr + size))
                return -(long)Errno.EEXIST;
            start = addr;
        }
        else
        {
            _below4G = (flags & MAP_32BIT) != 0;
            try { start = ChooseAddress(addr, size); }
            finally { _below4G = false; }
            if (start == 0) return -(long)Errno.ENOMEM;
        }

        _patches?.Yield(start, start + size);
        var vma = new Vma
        {
            Start = start, End = start + size, Prot = ToProt(prot), Shared = shared,
            NoReserve = (flags & MAP_NORESERVE) != 0, Offset = anon ? 0 : offset,
            File = anon ? null : file!.Identity,
            MayWrite = !shared || anon || mayWriteShared,
            Shm = shm,
            MayExec = anon || !noExec,
            Copied = !anon && !hostPages,
        };
        if (shm != null) _shmVmas ??= new();
        // Futex keys of shared memory: the file (its device and inode) or, for anonymous memory, the mapping itself.
        if (shared) vma.ShareKey = anon ? new object() : (vma.File!.Dev, vma.File.Ino);
        if (vma.Committed && CheckCommit(size) < 0) return -(long)Errno.ENOMEM;

        long r;
        if (hostPages)
        {
            r = Space.MapFile(start, size, prot, (shared ? MAP_SHARED : MAP_PRIVATE) | (flags & MAP_NORESERVE), hostFd, offset);
            if (r >= 0)
            {
                _vmas.Remove(start, start + size);
                _vmas.Insert(vma);
                return (long)start;
            }
            // A private mapping can still be a copy when the host refuses its pages (a noexec host mount, a host
            // without pidfd_getfd); a shared one cannot.
            if (shared) return r == -(long)Errno.ENOMEM ? r : -(long)Errno.ENODEV;
        }
        // File contents are copied in, so the pages start writable and get their real protection after.
        int hostProt = anon ? prot : prot | PROT_WRITE;
        r = Space.MapAnonymous(start, size, hostProt, (shared && anon ? MAP_SHARED : MAP_PRIVATE) | (flags & MAP_NORESERVE));
        if (r < 0) return r == -(long)Errno.ENOMEM ? r : -(long)Errno.ENOMEM;
        vma.Copied = !anon;
        _vmas.Remove(start, start + size);
        _vmas.Insert(vma);
        if (!anon)
        {
            var err = file!.CopyInto(Memory, start, offset, len);
            if (err != Errno.None)
            {
                Space.Unmap(start, size);
                _vmas.Remove(start, start + size);
                return -(long)err;
            }
            if (hostProt != prot) Space.Protect(start, size, prot);
        }
        return (long)start;
    }

    public long Munmap(ulong addr, ulong len)
    {
        if (!Aligned(addr) || len == 0) return -(long)Errno.EINVAL;
        ulong size = PageUp(len);
        if (addr + size < addr || addr + size > TaskSize) return -(long)Errno.EINVAL;
        if (HitsStub(addr, addr + size)) return -(long)Errno.EINVAL;
        NotePeak();
        _patches?.Yield(addr, addr + size);
        long r = Space.Unmap(addr, size);
        if (r < 0) return r;
        _vmas.Remove(addr, addr + size);
        return 0;
    }

    public long Mprotect(ulong addr, ulong len, int prot)
    {
        if (!Aligned(addr)) return -(long)Errno.EINVAL;
        if ((prot & ~(7 | 0x01000000 | 0x02000000)) != 0) return -(long)Errno.EINVAL; // PROT_GROWSDOWN/UP accepted
        prot &= 7;
        if (len == 0) return 0;
        ulong size = PageUp(len);
        if (addr + size <= addr) return -(long)Errno.ENOMEM; // a length that rounds up past the top wraps to 0
        if ((prot & (PROT_WRITE | PROT_EXEC)) != 0 && InVvar(addr)) return -(long)Errno.EACCES;
        if (!_vmas.FullyMapped(addr, addr + size) || HitsStub(addr, addr + size)) return -(long)Errno.ENOMEM;
        if ((prot & PROT_EXEC) != 0)
            foreach (var v in _vmas.Slice(addr, addr + size)) if (!v.MayExec) return -(long)Errno.EACCES;
        if ((prot & PROT_WRITE) != 0)
        {
            foreach (var v in _vmas.Slice(addr, addr + size)) if (!v.MayWrite) return -(long)Errno.EACCES;
            ulong extra = 0;
            foreach (var v in _vmas.Slice(addr, addr + size)) if (!v.Committed && !v.NoReserve) extra += v.Length;
            if (extra > 0 && CheckCommit(extra) < 0) return -(long)Errno.ENOMEM;
        }
        long r = Space.Protect(addr, size, prot);
        if (r < 0) return r;
        _vmas.Update(addr, addr + size, v => v.Prot = ToProt(prot));
        return 0;
    }

    /// <summary>Whether addr is in one of the vDSO's data pages ([vvar], [vvar_vclock]): Linux maps them without
    /// VM_MAYWRITE and VM_MAYEXEC, so mprotect asking for either is EACCES there.</summary>
    bool InVvar(ulong addr) =>
        VdsoMappings().Any(m => m.Name.StartsWith("[vvar", StringComparison.Ordinal) && addr >= m.Start && addr < m.Start + m.Size);

    /// <summary>The vDSO's mappings in this address space ([vvar]…, [vdso]), as the host laid them out; none before
    /// an exec placed it.</summary>
    IEnumerable<(ulong Start, ulong Size, string Name)> VdsoMappings()
    {
        if (Vdso == 0) yield break;
        for (int i = 0; i < HostVdso.Mappings.Count; i++)
            yield return ((ulong)((long)Vdso + HostVdso.Mappings[i].Offset), HostVdso.Mappings[i].Size, HostVdso.Names[i]);
    }

    /// <summary>Whether addr is in the vDSO's code ([vdso]).</summary>
    bool InVdsoCode(ulong addr) => Vdso != 0 && addr >= Vdso && addr < Vdso + HostVdso.CodeSize;

    public const int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;

    public long Mremap(ulong oldAddr, ulong oldLen, ulong newLen, int flags, ulong newAddr)
    {
        if (!Aligned(oldAddr) || (flags & ~7) != 0) return -(long)Errno.EINVAL;
        if ((flags & MREMAP_FIXED) != 0 && (flags & MREMAP_MAYMOVE) == 0) return -(long)Errno.EINVAL;
        if ((flags & MREMAP_DONTUNMAP) != 0) return -(long)Errno.EINVAL;
        oldLen = PageUp(oldLen);
        ulong size = PageUp(newLen);
        if (size == 0) return -(long)Errno.EINVAL;
        if (_patches != null)
        {
            _patches.Yield(oldAddr, oldAddr + Math.Max(oldLen, size), moving: true);
            if ((flags & MREMAP_FIXED) != 0) _patches.Yield(newAddr, newAddr + size);
        }
        if (oldLen == 0) return Duplicate(oldAddr, size, flags, newAddr);
        var first = _vmas.Find(oldAddr);
        if (first == null) return -(long)Errno.EFAULT;
        // Shrinking in place unmaps the tail, whatever VMAs the old range spans (Linux does it before vma_to_resize).
        if ((flags & MREMAP_FIXED) == 0 && size <= oldLen)
        {
            if (size < oldLen) { long r = Munmap(oldAddr + size, oldLen - size); if (r < 0) return r; }
            return (long)oldAddr;
        }
        if (!_vmas.FullyMapped(oldAddr, oldAddr + oldLen)) return -(long)Errno.EFAULT;
        var pieces = _vmas.Slice(oldAddr, oldAddr + oldLen);
        if (pieces.Count != 1) return -(long)Errno.EFAULT; // Linux requires a single VMA
        var vma = pieces[0];
        if (vma.DontExpand && size > oldLen) return -(long)Errno.EFAULT;

        if ((flags & MREMAP_FIXED) != 0)
        {
            if (!Aligned(newAddr) || !RangeUsable(newAddr, size)) return -(long)Errno.EINVAL;
            if (newAddr < oldAddr + oldLen && oldAddr < newAddr + size) return -(long)Errno.EINVAL;
            return MoveTo(vma, oldAddr, oldLen, size, newAddr, replace: true);
        }
        if (vma.Committed && CheckCommit(size - oldLen) < 0) return -(long)Errno.ENOMEM;
        ulong growEnd = oldAddr + size;
        if (RangeUsable(oldAddr, size) && !_vmas.Overlaps(oldAddr + oldLen, growEnd))
        {
            long r = Space.Remap(oldAddr, oldLen, size, oldAddr);
            if (r < 0) return r;
            var grown = vma.Clone(); grown.Start = oldAddr + oldLen; grown.End = growEnd;
            grown.Offset += oldLen;
            _vmas.Insert(grown);
            return (long)oldAddr;
        }
        if ((flags & MREMAP_MAYMOVE) == 0) return -(long)Errno.ENOMEM;
        ulong dest = ChooseAddress(0, size);
        if (dest == 0) return -(long)Errno.ENOMEM;
        return MoveTo(vma, oldAddr, oldLen, size, dest, replace: false);
    }

    /// <summary>mremap with old_size 0: a second mapping of a shared mapping's pages (the old one stays); only
    /// moving, as nothing can grow in place from nothing (ENOMEM), and only for shared mappings (EINVAL).</summary>
    long Duplicate(ulong oldAddr, ulong size, int flags, ulong newAddr)
    {
        var vma = _vmas.Find(oldAddr);
        if (vma == null) return -(long)Errno.EFAULT;
        if (!vma.Shared) return -(long)Errno.EINVAL;
        if ((flags & MREMAP_MAYMOVE) == 0) return -(long)Errno.ENOMEM;
        bool fixedDest = (flags & MREMAP_FIXED) != 0;
        if (fixedDest && (!Aligned(newAddr) || !RangeUsable(newAddr, size))) return -(long)Errno.EINVAL;
        ulong dest = fixedDest ? newAddr : ChooseAddress(0, size);
        if (dest == 0) return -(long)Errno.ENOMEM;
        if (fixedDest) NotePeak();
        long r = Space.Remap(oldAddr, 0, size, dest);
        if (r < 0) return r;
        if (fixedDest) _vmas.Remove(dest, dest + size);
        var copy = vma.Clone(); copy.Start = dest; copy.End = dest + size;
        copy.Offset += oldAddr - vma.Start;
        _vmas.Insert(copy);
        return (long)dest;
    }

    long MoveTo(Vma vma, ulong oldAddr, ulong oldLen, ulong size, ulong dest, bool replace)
    {
        if (replace) NotePeak();
        long r = Space.Remap(oldAddr, oldLen, size, dest);
        if (r < 0) return r;
        _vmas.Remove(oldAddr, oldAddr + oldLen);
        if (replace) _vmas.Remove(dest, dest + size);
        var moved = vma.Clone(); moved.Start = dest; moved.End = dest + size;
        _vmas.Insert(moved);
        return (long)dest;
    }

    public long Madvise(ulong addr, ulong len, int advice)
    {
        if (!Aligned(addr)) return -(long)Errno.EINVAL;
        if (len == 0) return 0;
        ulong size = PageUp(len);
        if (addr + size <= addr) return -(long)Errno.EINVAL; // a length that rounds up past the top wraps to 0
        switch (advice)
        {
            case MADV_DONTNEED: // private pages read back as the file's (or zeros), shared ones as they are: the host's
            case MADV_FREE:
                // Locked pages cannot be dropped (Linux's can_madv_lru_vma).
                foreach (var v in _vmas.Slice(addr, addr + size)) if (v.Lock != VmLock.None) return -(long)Errno.EINVAL;
                if (!_vmas.FullyMapped(addr, addr + size)) return -(long)Errno.ENOMEM;
                foreach (var v in _vmas.Slice(addr, addr + size))
                    if (!v.Copied) Space.Advise(v.Start, v.Length, MADV_DONTNEED);
                return 0;
            case MADV_DONTFORK: case MADV_DOFORK: case MADV_WIPEONFORK: case MADV_KEEPONFORK:
                return ForkAdvice(addr, addr + size, advice);
            case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED: case MADV_REMOVE:
            case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_HUGEPAGE:
            case MADV_NOHUGEPAGE: case MADV_DONTDUMP: case MADV_DODUMP:
            case MADV_COLD: case MADV_PAGEOUT: case MADV_POPULATE_READ: case MADV_POPULATE_WRITE: case MADV_HWPOISON:
            case MADV_SOFT_OFFLINE:
                // Hints the Sentry has no use for: accepted for a mapped range, as Linux.
                return _vmas.FullyMapped(addr, addr + size) ? 0 : -(long)Errno.ENOMEM;
            default:
                return -(long)Errno.EINVAL;
        }
    }

    /// <summary>What a fork does with [start,end): the host's fork of the stub follows the same advice, and the
    /// child's VMAs (ForkFor) agree. VMA by VMA as Linux's madvise_walk_vmas: wiping is only for private anonymous
    /// memory (EINVAL at the first other VMA, the earlier ones changed); holes are ENOMEM after the rest is done.</summary>
    long ForkAdvice(ulong start, ulong end, int advice)
    {
        long result = _vmas.FullyMapped(start, end) ? 0 : -(long)Errno.ENOMEM;
        foreach (var v in _vmas.Slice(start, end))
        {
            if ((advice == MADV_WIPEONFORK) && (v.File != null || v.Shared || v.Copied)) return -(long)Errno.EINVAL;
            long r = Space.Advise(v.Start, v.Length, advice);
            if (r < 0) return r;
            _vmas.Update(v.Start, v.End, x =>
            {
                if (advice is MADV_DONTFORK or MADV_DOFORK) x.DontFork = advice == MADV_DONTFORK;
                else x.WipeOnFork = advice == MADV_WIPEONFORK;
            });
        }
        return result;
    }

    public const int MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3, MADV_DONTNEED = 4,
        MADV_FREE = 8, MADV_REMOVE = 9, MADV_DONTFORK = 10, MADV_DOFORK = 11, MADV_MERGEABLE = 12, MADV_UNMERGEABLE = 13,
        MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_DONTDUMP = 16, MADV_DODUMP = 17, MADV_WIPEONFORK = 18,
        MADV_KEEPONFORK = 19, MADV_COLD = 20, MADV_PAGEOUT = 21, MADV_POPULATE_READ = 22, MADV_POPULATE_WRITE = 23,
        MADV_HWPOISON = 100, MADV_SOFT_OFFLINE = 101;

    public long Msync(ulong addr, ulong len, int flags)
    {
        if (!Aligned(addr) || (flags & ~7) != 0 || (flags & 5) == 5) return -(long)Errno.EINVAL;
        ulong size = PageUp(len);
        // Invalidating locked pages is EBUSY, ahead of a hole in the range (Linux's msync loop).
        if ((flags & MS_INVALIDATE) != 0)
            foreach (var v in _vmas.Slice(addr, addr + size)) if (v.Lock != VmLock.None) return -(long)Errno.EBUSY;
        return _vmas.FullyMapped(addr, addr + size) ? 0 : -(long)Errno.ENOMEM;
    }

    const int MS_INVALIDATE = 2;

    public void SetBrkStart(ulong start)
    {
        BrkStart = Brk = PageUp(start);
    }

    public ulong DoBrk(ulong want)
    {
        // Beyond the address space (brk(-1) would round up to 0): fails, answering the old break, as Linux.
        if (want < BrkStart || want > TaskSize) return Brk;
        ulong oldTop = PageUp(Brk), newTop = PageUp(want);
        if (newTop > oldTop)
        {
            if (!RangeUsable(oldTop, newTop - oldTop) || _vmas.Overlaps(oldTop, newTop)) return Brk;
            if (CheckCommit(newTop - oldTop) < 0) return Brk;
            if (Space.MapAnonymous(oldTop, newTop - oldTop, PROT_READ | PROT_WRITE, MAP_PRIVATE) < 0) return Brk;
            _vmas.Insert(new Vma { Start = oldTop, End = newTop, Prot = Prot.Read | Prot.Write, Name = "[heap]" });
        }
        else if (newTop < oldTop)
        {
            NotePeak();
            Space.Unmap(newTop, oldTop - newTop);
            _vmas.Remove(newTop, oldTop);
        }
        Brk = want;
        return Brk;
    }

    /// <summary>Maps the initial stack (an 8 MB region below StackTop).</summary>
    public Errno MapStack()
    {
        ulong start = StackTop - StackSize;
        long r = Space.MapAnonymous(start, StackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE);
        if (r < 0) return (Errno)(-r);
        _vmas.Insert(new Vma { Start = start, End = StackTop, Prot = Prot.Read | Prot.Write, Name = "[stack]" });
        StackStart = start;
        return Errno.None;
    }

    /// <summary>Bytes under mlock (Linux's locked_vm, /proc's VmLck).</summary>
    public ulong LockedBytes()
    {
        ulong n = 0;
        foreach (var v in _vmas.All) if (v.Lock != VmLock.None) n += v.Length;
        return n;
    }

    /// <summary>The mappings as they are now, copied under the lock: /proc readers are other threads, and the
    /// owner's threads may be mapping meanwhile.</summary>
    public Vma[] VmaSnapshot()
    {
        lock (this) return _vmas.All.ToArray();
    }

    /// <summary>Where an address lies, for a log line about a fault: the mapping's file and the offset in it.</summary>
    public string Describe(ulong addr)
    {
        lock (this)
        {
            if (InVdsoCode(addr)) return $"[vdso]+0x{addr - Vdso:x}";
            var v = _vmas.Find(addr);
            if (v == null || addr < v.Start) return "unmapped";
            string what = v.File?.Path ?? v.Name ?? "anonymous";
            return $"{what}+0x{addr - v.Start + (v.File != null ? v.Offset : 0):x} ({v.Prot})";
        }
    }

    /// <summary>
    /// A debugger's access (ptrace PEEK/POKE, /proc/PID/mem; Linux's FOLL_FORCE): only inside the guest's mappings,
    /// whatever their protection, but a write never goes through a shared mapping that is not writable (Linux
    /// refuses to force those: the file's other users would see it). Returns the bytes moved before the first
    /// address it may not touch.
    /// </summary>
    public int AccessForced(ulong addr, Span<byte> buf, bool write)
    {
        lock (this)
        {
            int done = 0;
            while (done < buf.Length)
            {
                ulong at = addr + (ulong)done;
                var v = _vmas.Find(at);
                ulong end;
                if (v != null) end = v.End;
                else if (InVdsoCode(at)) end = Vdso + HostVdso.CodeSize;
                else break;
                if (write && v != null && v.Shared && (v.Prot & Prot.Write) == 0) break;
                int len = (int)Math.Min((ulong)(buf.Length - done), end - at);
                int n = Memory.AccessForced(at, buf.Slice(done, len), write);
                done += n;
                if (n < len) break;
            }
            return done;
        }
    }

    /// <summary>/proc/[pid]/maps (or smaps), its file names as seen from the reader's root.</summary>
    public string Maps(Vfs.VfsPath readerRoot, bool smaps = false)
    {
        var sb = new StringBuilder();
        bool vdsoShown = Vdso == 0;
        foreach (var v in VmaSnapshot())
        {
            if (!vdsoShown && v.Start > Vdso)
            {
                AppendVdso(sb, smaps);
                vdsoShown = true;
            }
            int len0 = sb.Length;
            sb.Append($"{v.Start:x8}-{v.End:x8} ");
            sb.Append((v.Prot & Prot.Read) != 0 ? 'r' : '-');
            sb.Append((v.Prot & Prot.Write) != 0 ? 'w' : '-');
            sb.Append((v.Prot & Prot.Exec) != 0 ? 'x' : '-');
            sb.Append(v.Shared ? 's' : 'p');
            ulong dev = v.File?.Dev ?? 0;
            ulong major = (dev >> 8) & 0xfff, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
            sb.Append($" {(v.File != null ? v.Offset : 0):x8} {major:x2}:{minor:x2} {v.File?.Ino ?? 0} ");
            // Linux backs shared anonymous memory with a deleted shmem file it names after /dev/zero.
            string? name = v.File?.NameFrom(readerRoot) ?? v.Name ?? (v.Shared && v.Shm == null ? "/dev/zero (deleted)" : null);
            if (name != null)
            {
                while (sb.Length - len0 < 73) sb.Append(' ');
                sb.Append(name);
            }
            sb.Append('\n');
            if (smaps) Smaps.AppendDetail(sb, v.Length, v.Lock != VmLock.None, Smaps.Flags(v));
        }
        if (!vdsoShown) AppendVdso(sb, smaps);
        return sb.ToString();
    }

    /// <summary>The vDSO's lines, as Linux shows them: debuggers find its extent there (gdb loads its symbols and
    /// unwind tables only then).</summary>
    void AppendVdso(StringBuilder sb, bool smaps)
    {
        foreach (var (start, size, name) in VdsoMappings())
        {
            string line = $"{start:x8}-{start + size:x8} {(name == "[vdso]" ? "r-xp" : "r--p")} 00000000 00:00 0 ";
            sb.Append(line.PadRight(73)).Append(name).Append('\n');
            if (smaps) Smaps.AppendDetail(sb, size, false, name == "[vdso]" ? "rd ex mr mw me de sd" : "rd mr mw me de sd");
        }
    }
}

/// <summary>Something mmap can map: the pages of a host file, or a copy of its bytes.</summary>
public interface IMappable
{
    MappedFile Identity { get; }
    /// <summary>The host fd whose pages the mapping maps (copy-on-write when private), or -1 for anonymous memory
    /// (/dev/zero). A tmpfs file moves into a memfd at its first mapping. ENODEV: the bytes are copied (for a shared
    /// mapping, only if read-only).</summary>
    Errno HostPages(bool shared, bool writable, out int hostFd);
    /// <summary>Copies len bytes of the file at offset into guest memory at addr (bytes past EOF stay zero).</summary>
    Errno CopyInto(GuestMemory mem, ulong addr, ulong offset, ulong len);
    /// <summary>A regular file (a mapping must end within the largest file size), not a device.</summary>
    bool RegularFile => true;
}
