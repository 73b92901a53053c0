namespace AppKernel.Sentry.Memory;

[Flags]
public enum Prot { None = 0, Read = 1, Write = 2, Exec = 4 }

/// <summary>One guest mapping [Start, End) as the Sentry records it; the stub holds the pages.</summary>
public sealed class Vma
{
    public ulong Start;
    public ulong End;
    public Prot Prot;
    public bool Shared;
    public bool NoReserve;
    /// <summary>For file mappings: what /proc/pid/maps shows (path, device, inode).</summary>
    public MappedFile? File;
    /// <summary>Offset in the file, or in the shared memory object, of Start.</summary>
    public ulong Offset;
    /// <summary>What futexes in a shared mapping are keyed by (with the offset); null for private memory.</summary>
    public object? ShareKey;
    /// <summary>Whether mprotect may add PROT_WRITE: false for a shared mapping of a file opened read-only.</summary>
    public bool MayWrite = true;
    /// <summary>VM_DONTEXPAND: mremap may move or shrink the mapping, not grow it (EFAULT), as AIO's ring.</summary>
    public bool DontExpand;
    /// <summary>Whether mprotect may add PROT_EXEC: false for a file of a noexec mount (Linux's VM_MAYEXEC).</summary>
    public bool MayExec = true;
    /// <summary>"[heap]", "[stack]" or null.</summary>
    public string? Name;
    /// <summary>mlock's state: locked (VmLck), and whether only as pages fault in (MLOCK_ONFAULT).</summary>
    public VmLock Lock;
    /// <summary>mbind's policy for this range (null: the task's).</summary>
    public MemPolicy? Policy;
    /// <summary>The System V shared memory segment this mapping attaches (shmat), or null. Such mappings never
    /// merge (Linux's shm VMAs have a close operation), and each counts as one attach.</summary>
    public ISharedSegment? Shm;
    /// <summary>A file mapping whose pages are a copy of the file's bytes in anonymous memory (the file had no host
    /// pages to map): dropping them would read zeros, not the file.</summary>
    public bool Copied;
    /// <summary>MADV_DONTFORK (VM_DONTCOPY): a fork child has no mapping here; the host's fork of the stub leaves it out too.</summary>
    public bool DontFork;
    /// <summary>MADV_WIPEONFORK: a fork child's pages here read as zeros (the host's fork does it).</summary>
    public bool WipeOnFork;

    public ulong Length => End - Start;

    public Vma Clone() => (Vma)MemberwiseClone();

    /// <summary>Whether the mapping counts against the commit limit (Linux's strict accounting rule).</summary>
    public bool Committed => !NoReserve && (Prot & Prot.Write) != 0 && !(Shared && File != null);

    public override string ToString() => $"{Start:x}-{End:x} {Prot}";
}

[Flags]
public enum VmLock { None = 0, Locked = 1, OnFault = 2 }

/// <summary>A System V shared memory segment as the memory manager sees it: told when mappings of it come and go.</summary>
public interface ISharedSegment
{
    void Attached(int delta, int pid);
}

public sealed record MappedFile(string Path, ulong Dev, ulong Ino)
{
    /// <summary>Where the file was opened, when it has a place in the tree: /proc's maps show it as its reader's root
    /// sees it (a chrooted reader does not learn the path outside its root).</summary>
    public Vfs.VfsPath At { get; init; }

    /// <summary>The name /proc's maps give it, seen from root.</summary>
    public string NameFrom(Vfs.VfsPath root) => At.IsValid ? Vfs.MountNamespace.PathOf(At, root) : Path;
}
