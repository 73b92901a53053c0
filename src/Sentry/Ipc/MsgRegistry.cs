using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Ipc;

/// <summary>The message queues of an IPC namespace, with Linux's default limits (MSGMAX, MSGMNB, MSGMNI). Lock: the registry.</summary>
public sealed class MsgRegistry
{
    public const int MsgMax = 8192, MsgMnb = 16384, MsgMni = 32000, MsgSsz = 16, MsgSeg = 0xffff, MsgPool = MsgMni * MsgMnb / 1024,
        MsgMap = MsgMnb, MsgTql = MsgMnb;

    public readonly IpcIds<MsgQueue> Ids = new();
    /// <summary>kernel.msgmax, msgmnb and msgmni: the defaults above until root writes the sysctl.</summary>
    public int CtlMax = MsgMax, CtlMnb = MsgMnb, CtlMni = MsgMni;
    /// <summary>Messages and bytes in all queues (MSG_INFO's msgmap and msgtql).</summary>
    public long Messages, Bytes;

    /// <summary>msgget's newque. Caller holds the lock.</summary>
    public long Create(Task t, int key, int flags)
    {
        var q = new MsgQueue(t, key, flags, (ulong)CtlMnb);
        var e = Ids.Add(q, CtlMni);
        return e != Errno.None ? -(long)e : q.Id;
    }

    /// <summary>IPC_RMID: messages dropped, waiters woken (they find the queue gone: EIDRM). Caller holds the lock.</summary>
    public void Remove(MsgQueue q)
    {
        q.Deleted = true;
        Ids.Remove(q);
        Messages -= q.Messages.Count;
        Bytes -= (long)q.Cbytes;
        q.Messages.Clear();
        q.Cbytes = 0;
        q.WakeAll();
    }
}
