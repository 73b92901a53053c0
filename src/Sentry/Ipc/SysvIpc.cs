using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Ipc;

/// <summary>
/// The System V IPC objects of one IPC namespace (the System V part of Linux's ipc_namespace): shared memory
/// segments, semaphore sets and message queues, each kind with its own ids, lock and limits. The Kernel holds the
/// sandbox's (tasks reach it through Task.SysvIpc); another IPC namespace would hold another.
/// </summary>
public sealed class SysvIpc
{
    public ShmRegistry Shm { get; }
    public SemRegistry Sem { get; } = new();
    public MsgRegistry Msg { get; } = new();

    public SysvIpc(Vfs.Mount memoryMount) => Shm = new ShmRegistry(memoryMount);

    public const int IPC_CREAT = 0x200, IPC_EXCL = 0x400, IPC_NOWAIT = 0x800;
    public const int IPC_RMID = 0, IPC_SET = 1, IPC_STAT = 2, IPC_INFO = 3;

    /// <summary>
    /// Linux's ipcget: IPC_PRIVATE always creates; a key found is EEXIST with IPC_CREAT|IPC_EXCL, else the kind's
    /// own check (size, number of semaphores), then the permissions flg asks for (EACCES); a key not found is ENOENT
    /// without IPC_CREAT. create gives the new object's id or a negative errno. The caller holds the kind's lock.
    /// </summary>
    public static long Get<T>(Task t, IpcIds<T> ids, int key, int flg, Func<T, Errno>? moreChecks, Func<long> create) where T : IpcObject
    {
        if (key == IpcObject.IPC_PRIVATE) return create();
        var o = ids.ByKey(key);
        if (o == null) return (flg & IPC_CREAT) == 0 ? -(long)Errno.ENOENT : create();
        if ((flg & (IPC_CREAT | IPC_EXCL)) == (IPC_CREAT | IPC_EXCL)) return -(long)Errno.EEXIST;
        var e = moreChecks?.Invoke(o) ?? Errno.None;
        if (e != Errno.None) return -(long)e;
        return o.MayAccess(t, flg) ? o.Id : -(long)Errno.EACCES;
    }
}
