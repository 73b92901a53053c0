namespace AppKernel.Sentry.Kernel;

/// <summary>A task's IPC: the System V objects and POSIX message queues it sees, and its semaphore undo list (SEM_UNDO) — shared by
/// CLONE_SYSVSEM (threads), applied when the last task sharing it exits or unshares it.</summary>
public sealed partial class Task
{
    /// <summary>The System V IPC objects this task sees (its IPC namespace's; the one place to look them up).</summary>
    public Ipc.SysvIpc SysvIpc
    {
        get
        {
            var ns = Ns.Ipc;
            if (ns.SysvIpc == null) Interlocked.CompareExchange(ref ns.SysvIpc, new Ipc.SysvIpc(Kernel.MemfdMount), null);
            return ns.SysvIpc;
        }
    }

    /// <summary>The POSIX message queues this task sees (its IPC namespace's).</summary>
    public FileSystems.Mqueue.MqueueFs Mqueue
    {
        get
        {
            var ns = Ns.Ipc;
            if (ns.Mqueue == null) Interlocked.CompareExchange(ref ns.Mqueue, new FileSystems.Mqueue.MqueueFs(), null);
            return ns.Mqueue;
        }
    }

    public const ulong CLONE_SYSVSEM = 0x40000;

    /// <summary>The undo list, null until a SEM_UNDO operation or a CLONE_SYSVSEM clone needs one.</summary>
    public Ipc.SemUndoList? SemUndo;

    /// <summary>Linux's copy_semundo: a CLONE_SYSVSEM child shares our list (made now if we had none); others start with none.</summary>
    Ipc.SemUndoList? ShareSemUndo(ulong flags)
    {
        if ((flags & CLONE_SYSVSEM) == 0) return null;
        var u = SemUndo ??= new Ipc.SemUndoList();
        Interlocked.Increment(ref u.Users);
        return u;
    }

    /// <summary>exit_sem: this task leaves its undo list; the last to leave applies its adjustments.</summary>
    public void ExitSem()
    {
        var u = SemUndo;
        SemUndo = null;
        if (u != null && Interlocked.Decrement(ref u.Users) == 0) SysvIpc.Sem.ApplyUndo(u, Tgid);
    }
}
