using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Ipc;

/// <summary>A semaphore set: values, the pid of each one's last operation, the operations waiting on it (in
/// arrival order) and the undo entries that adjust it. Guarded by the registry's lock.</summary>
public sealed class SemSet : IpcObject
{
    public readonly int[] Values;
    public readonly int[] Pids;
    public long Otime;
    public readonly List<SemWaiter> Pending = new();
    public readonly List<SemUndo> Undos = new();

    public SemSet(Task t, int key, int flags, int nsems) : base(t, key, flags)
    {
        Values = new int[nsems];
        Pids = new int[nsems];
    }

    public int Count => Values.Length;
}

/// <summary>A semop blocked on a set: the operations, whose they are, and how it ended (set by whoever completed it).</summary>
public sealed class SemWaiter
{
    public required SemBuf[] Ops;
    public SemUndo? Undo;
    public int Pid;
    /// <summary>The operation that could not proceed (GETNCNT/GETZCNT count waiters by it).</summary>
    public int Blocking;
    public bool Done;
    public Errno Status;
}

/// <summary>One process's SEM_UNDO adjustments for one set (Linux's sem_undo).</summary>
public sealed class SemUndo
{
    public required SemSet Set;
    public required int[] Adjust;
    public required SemUndoList Owner;
}

/// <summary>A process's undo entries (Linux's sem_undo_list), shared by CLONE_SYSVSEM.</summary>
public sealed class SemUndoList
{
    public int Users = 1;
    public readonly List<SemUndo> Entries = new();
}
