using AppKernel.Sentry.Ipc;
using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// System V message queues (ipc/msg.c): msgget, msgsnd, msgrcv and msgctl. A sender waits for room (msg_qbytes
/// counts bytes and messages), a receiver for a message its msgtyp selects; both sleep interruptibly and look again
/// when woken — a signal ends the wait with ERESTARTNOHAND (EINTR once a handler runs), the queue's removal with EIDRM.
/// </summary>
static class SysvMsgSyscalls
{
    const int MSG_STAT = 11, MSG_INFO = 12, MSG_STAT_ANY = 13;
    const int MSG_NOERROR = 0x1000, MSG_EXCEPT = 0x2000, MSG_COPY = 0x4000;

    enum Search { Any, Equal, NotEqual, LessEqual, Number }

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.msgget] = (k, key, flg, _, _, _, _) => Msgget(k, (int)key, (int)flg);
        t[Nr.msgsnd] = (k, id, msgp, sz, flg, _, _) => Msgsnd(k, (int)id, msgp, sz, (int)flg);
        t[Nr.msgrcv] = (k, id, msgp, sz, typ, flg, _) => Msgrcv(k, (int)id, msgp, sz, (long)typ, (int)flg);
        t[Nr.msgctl] = (k, id, cmd, buf, _, _, _) => Msgctl(k, (int)id, (int)cmd, buf);
    }

    static long Msgget(Task t, int key, int flg)
    {
        var reg = t.SysvIpc.Msg;
        lock (reg) return SysvIpc.Get(t, reg.Ids, key, flg, null, () => reg.Create(t, key, flg));
    }

    static long Msgsnd(Task t, int msqid, ulong msgp, ulong msgsz, int flg)
    {
        if (!t.Mem.Read(msgp, out long mtype)) return Err(Errno.EFAULT);
        if (msgsz > (ulong)t.SysvIpc.Msg.CtlMax || (long)msgsz < 0 || msqid < 0) return Err(Errno.EINVAL);
        if (mtype < 1) return Err(Errno.EINVAL);
        var text = new byte[msgsz];
        if (!t.Mem.Read(msgp + sizeof(long), text)) return Err(Errno.EFAULT);
        var reg = t.SysvIpc.Msg;
        MsgQueue? q;
        lock (reg) q = reg.Ids.ById(msqid);
        if (q == null) return Err(Errno.EINVAL);
        while (true)
        {
            IpcWaiter w;
            lock (reg)
            {
                if (!q.MayAccess(t, IpcObject.S_IWUGO)) return Err(Errno.EACCES);
                if (q.Deleted) return Err(Errno.EIDRM);
                if (msgsz + q.Cbytes <= q.Qbytes && 1 + (ulong)q.Messages.Count <= q.Qbytes)
                {
                    q.Lspid = t.Tgid;
                    q.Stime = IpcObject.Now();
                    q.Messages.Add((mtype, text));
                    q.Cbytes += msgsz;
                    reg.Messages++;
                    reg.Bytes += (long)msgsz;
                    q.WakeAll();
                    return 0;
                }
                if ((flg & SysvIpc.IPC_NOWAIT) != 0) return Err(Errno.EAGAIN);
                w = new IpcWaiter();
                q.Waiters.Add(w);
            }
            if (Wait(t, reg, q, w) is long r) return r;
        }
    }

    /// <summary>Sleeps as a queued sender or receiver, then leaves the queue: null to look again, else what the call
    /// returns (EIDRM once the queue is gone, ERESTARTNOHAND on a signal).</summary>
    static long? Wait(Task t, MsgRegistry reg, MsgQueue q, IpcWaiter w)
    {
        var e = w.Sleep(t);
        lock (reg)
        {
            q.Waiters.Remove(w);
            if (q.Deleted) return Err(Errno.EIDRM);
            if (e != Errno.None) return Task.RestartNoHand;
        }
        return null;
    }

    static long Msgrcv(Task t, int msqid, ulong msgp, ulong bufsz, long msgtyp, int flg)
    {
        if (msqid < 0 || (long)bufsz < 0) return Err(Errno.EINVAL);
        if ((flg & MSG_COPY) != 0 && ((flg & MSG_EXCEPT) != 0 || (flg & SysvIpc.IPC_NOWAIT) == 0)) return Err(Errno.EINVAL);
        Search mode;
        if ((flg & MSG_COPY) != 0) mode = Search.Number;
        else if (msgtyp == 0) mode = Search.Any;
        else if (msgtyp < 0) { msgtyp = msgtyp == long.MinValue ? long.MaxValue : -msgtyp; mode = Search.LessEqual; }
        else mode = (flg & MSG_EXCEPT) != 0 ? Search.NotEqual : Search.Equal;

        var reg = t.SysvIpc.Msg;
        MsgQueue? q;
        lock (reg) q = reg.Ids.ById(msqid);
        if (q == null) return Err(Errno.EINVAL);
        (long Type, byte[] Text) msg;
        while (true)
        {
            IpcWaiter w;
            lock (reg)
            {
                if (!q.MayAccess(t, IpcObject.S_IRUGO)) return Err(Errno.EACCES);
                if (q.Deleted) return Err(Errno.EIDRM);
                int i = Find(q, msgtyp, mode);
                if (i >= 0)
                {
                    msg = q.Messages[i];
                    if (bufsz < (ulong)msg.Text.Length && (flg & MSG_NOERROR) == 0) return Err(Errno.E2BIG);
                    if (mode == Search.Number)
                    {
                        // The copy is made in a buffer of min(bufsz, MSGMAX) bytes, which must hold the whole message.
                        if ((ulong)msg.Text.Length > Math.Min(bufsz, (ulong)reg.CtlMax)) return Err(Errno.EINVAL);
                        break;
                    }
                    q.Messages.RemoveAt(i);
                    q.Rtime = IpcObject.Now();
                    q.Lrpid = t.Tgid;
                    q.Cbytes -= (ulong)msg.Text.Length;
                    reg.Messages--;
                    reg.Bytes -= msg.Text.Length;
                    q.WakeAll();
                    break;
                }
                if ((flg & SysvIpc.IPC_NOWAIT) != 0) return Err(Errno.ENOMSG);
                w = new IpcWaiter();
                q.Waiters.Add(w);
            }
            if (Wait(t, reg, q, w) is long r) return r;
        }
        int n = (int)Math.Min(bufsz, (ulong)msg.Text.Length);
        if (!t.Mem.Write(msgp, msg.Type) || !t.Mem.Write(msgp + sizeof(long), msg.Text.AsSpan(0, n))) return Err(Errno.EFAULT);
        return n;
    }

    /// <summary>find_msg: the first message msgtyp selects; for LessEqual the first of the lowest type; for Number
    /// (MSG_COPY) the msgtyp-th. -1 if none.</summary>
    static int Find(MsgQueue q, long msgtyp, Search mode)
    {
        int found = -1;
        long limit = msgtyp;
        for (int i = 0; i < q.Messages.Count; i++)
        {
            long type = q.Messages[i].Type;
            switch (mode)
            {
                case Search.Any: return i;
                case Search.Number: if (i == msgtyp) return i; break;
                case Search.Equal: if (type == msgtyp) return i; break;
                case Search.NotEqual: if (type != msgtyp) return i; break;
                case Search.LessEqual:
                    if (type > limit) break;
                    if (type == 1) return i;
                    found = i;
                    limit = type - 1;
                    break;
            }
        }
        return found;
    }

    static long Msgctl(Task t, int msqid, int cmd, ulong buf)
    {
        if (msqid < 0 || cmd < 0) return Err(Errno.EINVAL);
        var reg = t.SysvIpc.Msg;
        switch (cmd)
        {
            case SysvIpc.IPC_INFO or MSG_INFO:
            {
                MsgInfo info;
                int maxIdx;
                lock (reg)
                {
                    info = new MsgInfo
                    {
                        Msgmni = reg.CtlMni, Msgmax = reg.CtlMax, Msgmnb = reg.CtlMnb,
                        Msgssz = MsgRegistry.MsgSsz, Msgseg = MsgRegistry.MsgSeg,
                        Msgpool = cmd == MSG_INFO ? reg.Ids.InUse : MsgRegistry.MsgPool,
                        Msgmap = cmd == MSG_INFO ? (int)Math.Min(reg.Messages, int.MaxValue) : MsgRegistry.MsgMap,
                        Msgtql = cmd == MSG_INFO ? (int)Math.Min(reg.Bytes, int.MaxValue) : MsgRegistry.MsgTql,
                    };
                    maxIdx = reg.Ids.MaxIdx;
                }
                return t.Mem.Write(buf, info) ? Math.Max(maxIdx, 0) : Err(Errno.EFAULT);
            }
            case SysvIpc.IPC_STAT or MSG_STAT or MSG_STAT_ANY:
            {
                MsqidDs ds;
                long ret;
                lock (reg)
                {
                    var q = cmd == SysvIpc.IPC_STAT ? reg.Ids.ById(msqid) : reg.Ids.ByIndex(msqid);
                    if (q == null) return Err(Errno.EINVAL);
                    if (cmd != MSG_STAT_ANY && !q.MayAccess(t, IpcObject.S_IRUGO)) return Err(Errno.EACCES);
                    ds = new MsqidDs
                    {
                        Perm = q.Perm(t), Stime = q.Stime, Rtime = q.Rtime, Ctime = q.Ctime, Cbytes = q.Cbytes,
                        Qnum = (ulong)q.Messages.Count, Qbytes = q.Qbytes, Lspid = t.PidNs.IdOf(q.Lspid), Lrpid = t.PidNs.IdOf(q.Lrpid),
                    };
                    ret = cmd == SysvIpc.IPC_STAT ? 0 : q.Id;
                }
                return t.Mem.Write(buf, ds) ? ret : Err(Errno.EFAULT);
            }
            case SysvIpc.IPC_SET or SysvIpc.IPC_RMID:
            {
                MsqidDs ds = default;
                if (cmd == SysvIpc.IPC_SET && !t.Mem.Read(buf, out ds)) return Err(Errno.EFAULT);
                lock (reg)
                {
                    var q = reg.Ids.ById(msqid);
                    if (q == null) return Err(Errno.EINVAL);
                    if (!q.MayControl(t)) return Err(Errno.EPERM);
                    if (cmd == SysvIpc.IPC_RMID) { reg.Remove(q); return 0; }
                    if (ds.Qbytes > (ulong)reg.CtlMnb && !t.Creds.Has(Credentials.CAP_SYS_RESOURCE)) return Err(Errno.EPERM);
                    var e = q.UpdatePerm(t, ds.Perm);
                    if (e != Errno.None) return Err(e);
                    q.Qbytes = ds.Qbytes;
                    q.WakeAll(); // senders may fit now, and everyone re-checks the new permissions
                    return 0;
                }
            }
            default:
                return Err(Errno.EINVAL);
        }
    }
}
