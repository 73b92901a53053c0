using System.Runtime.InteropServices;
using AppKernel.Sentry.Ipc;
using AppKernel.Sentry.Kernel;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// System V semaphores (ipc/sem.c): semget, semop/semtimedop and semctl, with Linux's checks in Linux's order.
/// A semop that must wait sleeps interruptibly (EINTR: semop is never restarted), until its operations are done
/// for it, its timeout (EAGAIN) or the set's removal (EIDRM).
/// </summary>
static class SysvSemSyscalls
{
    const int GETPID = 11, GETVAL = 12, GETALL = 13, GETNCNT = 14, GETZCNT = 15, SETVAL = 16, SETALL = 17, SEM_STAT = 18,
        SEM_INFO = 19, SEM_STAT_ANY = 20;

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.semget] = (k, key, nsems, flg, _, _, _) => Semget(k, (int)key, (int)nsems, (int)flg);
        t[Nr.semop] = (k, id, sops, nsops, _, _, _) => Semtimedop(k, (int)id, sops, (uint)nsops, 0);
        t[Nr.semtimedop] = (k, id, sops, nsops, timeout, _, _) => Semtimedop(k, (int)id, sops, (uint)nsops, timeout);
        t[Nr.semctl] = (k, id, num, cmd, arg, _, _) => Semctl(k, (int)id, (int)num, (int)cmd, arg);
    }

    static long Semget(Task t, int key, int nsems, int flg)
    {
        var reg = t.SysvIpc.Sem;
        if (nsems < 0 || nsems > reg.CtlMsl) return Err(Errno.EINVAL);
        lock (reg)
            return SysvIpc.Get(t, reg.Ids, key, flg, s => nsems > s.Count ? Errno.EINVAL : Errno.None,
                () => reg.Create(t, key, flg, nsems));
    }

    static long Semtimedop(Task t, int semid, ulong sopsAddr, uint nsops, ulong timeoutAddr)
    {
        if (nsops < 1 || semid < 0) return Err(Errno.EINVAL);
        if (nsops > t.SysvIpc.Sem.CtlOpm) return Err(Errno.E2BIG);
        var ops = new SemBuf[nsops];
        if (!t.Mem.Read(sopsAddr, MemoryMarshal.AsBytes(ops.AsSpan()))) return Err(Errno.EFAULT);
        long deadline = -1;
        if (timeoutAddr != 0)
        {
            if (!t.Mem.Read(timeoutAddr, out Timespec ts)) return Err(Errno.EFAULT);
            if (ts.Sec < 0 || ts.Nsec is < 0 or >= 1_000_000_000) return Err(Errno.EINVAL);
            long ms = ts.Sec > long.MaxValue / 1000 - 1 ? long.MaxValue / 2 : ts.Sec * 1000 + (ts.Nsec + 999_999) / 1_000_000;
            deadline = Environment.TickCount64 + ms;
        }
        int max = 0;
        bool undos = false, alter = false;
        foreach (var op in ops)
        {
            max = Math.Max(max, op.Num);
            if ((op.Flg & SemRegistry.SEM_UNDO) != 0) undos = true;
            if (op.Op != 0) alter = true;
        }
        var reg = t.SysvIpc.Sem;
        SemWaiter w;
        SemSet s;
        lock (reg)
        {
            var found = reg.Ids.ById(semid);
            if (found == null) return Err(Errno.EINVAL);
            s = found;
            if (max >= s.Count) return Err(Errno.EFBIG);
            if (!s.MayAccess(t, alter ? IpcObject.S_IWUGO : IpcObject.S_IRUGO)) return Err(Errno.EACCES);
            var un = undos ? reg.UndoFor(t, s) : null;
            long r = SemRegistry.TryOps(s, ops, un, t.Tgid, out int blocking);
            if (r == 0)
            {
                if (alter) reg.UpdateQueue(s);
                return 0;
            }
            if (r < 0) return r;
            w = new SemWaiter { Ops = ops, Undo = un, Pid = t.Tgid, Blocking = blocking };
            s.Pending.Add(w);
        }
        bool interrupted = false;
        lock (w)
        {
            while (!w.Done)
            {
                long left = deadline < 0 ? Timeout.Infinite : deadline - Environment.TickCount64;
                if (deadline >= 0 && left <= 0) break;
                if (!t.Sleep(w, (int)Math.Min(left, int.MaxValue))) { interrupted = true; break; }
            }
        }
        lock (reg)
        {
            if (w.Done) return w.Status == Errno.None ? 0 : Err(w.Status);
            s.Pending.Remove(w);
            return Err(interrupted ? Errno.EINTR : Errno.EAGAIN);
        }
    }

    static long Semctl(Task t, int semid, int num, int cmd, ulong arg)
    {
        if (semid < 0) return Err(Errno.EINVAL);
        var reg = t.SysvIpc.Sem;
        switch (cmd)
        {
            case SysvIpc.IPC_INFO or SEM_INFO:
            {
                SemInfo info;
                int maxIdx;
                lock (reg)
                {
                    info = new SemInfo
                    {
                        Semmni = reg.CtlMni, Semmns = reg.CtlMns, Semmsl = reg.CtlMsl, Semopm = reg.CtlOpm,
                        Semvmx = SemRegistry.SemVmx, Semmnu = SemRegistry.SemMnu, Semmap = SemRegistry.SemMap, Semume = SemRegistry.SemUme,
                        Semusz = cmd == SEM_INFO ? reg.Ids.InUse : SemRegistry.SemUsz,
                        Semaem = cmd == SEM_INFO ? reg.UsedSems : SemRegistry.SemAem,
                    };
                    maxIdx = reg.Ids.MaxIdx;
                }
                if (!t.Mem.Write(arg, info)) return Err(Errno.EFAULT);
                return Math.Max(maxIdx, 0);
            }
            case SysvIpc.IPC_STAT or SEM_STAT or SEM_STAT_ANY:
            {
                SemidDs ds;
                long ret;
                lock (reg)
                {
                    var s = cmd == SysvIpc.IPC_STAT ? reg.Ids.ById(semid) : reg.Ids.ByIndex(semid);
                    if (s == null) return Err(Errno.EINVAL);
                    if (cmd != SEM_STAT_ANY && !s.MayAccess(t, IpcObject.S_IRUGO)) return Err(Errno.EACCES);
                    ds = new SemidDs { Perm = s.Perm(t), Otime = s.Otime, Ctime = s.Ctime, Nsems = (ulong)s.Count };
                    ret = cmd == SysvIpc.IPC_STAT ? 0 : s.Id;
                }
                return t.Mem.Write(arg, ds) ? ret : Err(Errno.EFAULT);
            }
            case GETALL or GETVAL or GETPID or GETNCNT or GETZCNT or SETALL:
                return Main(t, reg, semid, num, cmd, arg);
            case SETVAL:
            {
                int val = (int)arg;
                if (val > SemRegistry.SemVmx || val < 0) return Err(Errno.ERANGE);
                lock (reg)
                {
                    var s = reg.Ids.ById(semid);
                    if (s == null) return Err(Errno.EINVAL);
                    if (num < 0 || num >= s.Count) return Err(Errno.EINVAL);
                    if (!s.MayAccess(t, IpcObject.S_IWUGO)) return Err(Errno.EACCES);
                    SemRegistry.ClearAdjust(s, num);
                    s.Values[num] = val;
                    s.Pids[num] = t.Tgid;
                    s.Ctime = IpcObject.Now();
                    reg.UpdateQueue(s);
                    return 0;
                }
            }
            case SysvIpc.IPC_SET or SysvIpc.IPC_RMID:
            {
                SemidDs ds = default;
                if (cmd == SysvIpc.IPC_SET && !t.Mem.Read(arg, out ds)) return Err(Errno.EFAULT);
                lock (reg)
                {
                    var s = reg.Ids.ById(semid);
                    if (s == null) return Err(Errno.EINVAL);
                    if (!s.MayControl(t)) return Err(Errno.EPERM);
                    if (cmd == SysvIpc.IPC_RMID) { reg.Remove(s); return 0; }
                    return Err(s.UpdatePerm(t, ds.Perm));
                }
            }
            default:
                return Err(Errno.EINVAL);
        }
    }

    // semctl_main: the value commands, after the id and permission checks.
    static long Main(Task t, SemRegistry reg, int semid, int num, int cmd, ulong arg)
    {
        int nsems;
        lock (reg)
        {
            var s = reg.Ids.ById(semid);
            if (s == null) return Err(Errno.EINVAL);
            if (!s.MayAccess(t, cmd == SETALL ? IpcObject.S_IWUGO : IpcObject.S_IRUGO)) return Err(Errno.EACCES);
            nsems = s.Count;
            if (cmd == GETALL)
            {
                var vals = new ushort[nsems];
                for (int i = 0; i < nsems; i++) vals[i] = (ushort)s.Values[i];
                return t.Mem.Write(arg, MemoryMarshal.AsBytes(vals.AsSpan())) ? 0 : Err(Errno.EFAULT);
            }
        }
        if (cmd == SETALL)
        {
            var vals = new ushort[nsems];
            if (!t.Mem.Read(arg, MemoryMarshal.AsBytes(vals.AsSpan()))) return Err(Errno.EFAULT);
            foreach (var v in vals) if (v > SemRegistry.SemVmx) return Err(Errno.ERANGE);
            lock (reg)
            {
                var s = reg.Ids.ById(semid);
                if (s == null || s.Count != nsems) return Err(Errno.EIDRM);
                for (int i = 0; i < nsems; i++) { s.Values[i] = vals[i]; s.Pids[i] = t.Tgid; }
                SemRegistry.ClearAdjust(s, -1);
                s.Ctime = IpcObject.Now();
                reg.UpdateQueue(s);
                return 0;
            }
        }
        if (num < 0 || num >= nsems) return Err(Errno.EINVAL);
        lock (reg)
        {
            var s = reg.Ids.ById(semid);
            if (s == null) return Err(Errno.EIDRM);
            return cmd switch
            {
                GETVAL => s.Values[num],
                GETPID => t.PidNs.IdOf(s.Pids[num]),
                GETNCNT => SemRegistry.CountWaiters(s, num, false),
                _ => SemRegistry.CountWaiters(s, num, true),
            };
        }
    }
}
