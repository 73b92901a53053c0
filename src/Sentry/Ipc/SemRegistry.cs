using AppKernel.Sentry.Kernel;

namespace AppKernel.Sentry.Ipc;

/// <summary>
/// The semaphore sets of an IPC namespace, with Linux's default limits (SEMMSL, SEMMNS, SEMOPM, SEMMNI). semop's
/// operations apply all or none (ipc/sem.c's perform_atomic_semop_slow: in order, undone on the first that cannot go);
/// after every change the waiting operations are retried in arrival order and completed by whoever made the change,
/// so a waiter wakes with its operations done (or EIDRM). Lock: the registry.
/// </summary>
public sealed class SemRegistry
{
    public const int SemMsl = 32000, SemMns = SemMni * SemMsl, SemOpm = 500, SemMni = 32000, SemVmx = 32767, SemAem = SemVmx,
        SemUme = SemOpm, SemMnu = SemMns, SemMap = SemMns, SemUsz = 20;
    public const short SEM_UNDO = 0x1000;

    public readonly IpcIds<SemSet> Ids = new();
    /// <summary>kernel.sem (SEMMSL, SEMMNS, SEMOPM, SEMMNI): the defaults above until root writes the sysctl.</summary>
    public int CtlMsl = SemMsl, CtlMns = SemMns, CtlOpm = SemOpm, CtlMni = SemMni;
    /// <summary>Semaphores in all sets (used_sems).</summary>
    public int UsedSems;

    /// <summary>semget's newary. Caller holds the lock.</summary>
    public long Create(Task t, int key, int flags, int nsems)
    {
        if (nsems == 0) return -(long)Errno.EINVAL;
        if ((long)UsedSems + nsems > CtlMns) return -(long)Errno.ENOSPC;
        var s = new SemSet(t, key, flags, nsems);
        var e = Ids.Add(s, CtlMni);
        if (e != Errno.None) return -(long)e;
        UsedSems += nsems;
        return s.Id;
    }

    /// <summary>IPC_RMID's freeary: undo entries forgotten, every waiter woken with EIDRM. Caller holds the lock.</summary>
    public void Remove(SemSet s)
    {
        s.Deleted = true;
        Ids.Remove(s);
        UsedSems -= s.Count;
        foreach (var u in s.Undos) u.Owner.Entries.Remove(u);
        s.Undos.Clear();
        foreach (var w in s.Pending) Complete(w, Errno.EIDRM);
        s.Pending.Clear();
    }

    /// <summary>The caller's undo entry for s, made if missing (find_alloc_undo). Caller holds the lock.</summary>
    public SemUndo UndoFor(Task t, SemSet s)
    {
        var list = t.SemUndo ??= new SemUndoList();
        foreach (var u in list.Entries) if (u.Set == s) return u;
        var n = new SemUndo { Set = s, Adjust = new int[s.Count], Owner = list };
        list.Entries.Add(n);
        s.Undos.Add(n);
        return n;
    }

    /// <summary>
    /// Applies ops to s if all can go now: 0; 1 when one must wait (blocking is its index); EAGAIN when that one has
    /// IPC_NOWAIT; ERANGE past SEMVMX or the undo range. Nothing changes unless it returns 0.
    /// </summary>
    public static long TryOps(SemSet s, SemBuf[] ops, SemUndo? un, int pid, out int blocking)
    {
        blocking = -1;
        int i = 0;
        long result = 0;
        for (; i < ops.Length; i++)
        {
            var op = ops[i];
            int cur = s.Values[op.Num];
            if (op.Op == 0 && cur != 0) { blocking = i; result = (op.Flg & SysvIpc.IPC_NOWAIT) != 0 ? -(long)Errno.EAGAIN : 1; break; }
            int next = cur + op.Op;
            if (next < 0) { blocking = i; result = (op.Flg & SysvIpc.IPC_NOWAIT) != 0 ? -(long)Errno.EAGAIN : 1; break; }
            if (next > SemVmx) { result = -(long)Errno.ERANGE; break; }
            if ((op.Flg & SEM_UNDO) != 0)
            {
                int undo = un!.Adjust[op.Num] - op.Op;
                if (undo < -SemAem - 1 || undo > SemAem) { result = -(long)Errno.ERANGE; break; }
                un.Adjust[op.Num] = undo;
            }
            s.Values[op.Num] = next;
        }
        if (result != 0)
        {
            // Undo what went before the one that could not go.
            for (i--; i >= 0; i--)
            {
                var op = ops[i];
                s.Values[op.Num] -= op.Op;
                if ((op.Flg & SEM_UNDO) != 0) un!.Adjust[op.Num] += op.Op;
            }
            return result;
        }
        foreach (var op in ops) s.Pids[op.Num] = pid;
        s.Otime = IpcObject.Now();
        return 0;
    }

    /// <summary>Retries the waiting operations after a change, oldest first, until none can go (update_queue).
    /// Caller holds the lock.</summary>
    public void UpdateQueue(SemSet s)
    {
        bool again = true;
        while (again)
        {
            again = false;
            for (int i = 0; i < s.Pending.Count; i++)
            {
                var w = s.Pending[i];
                long r = TryOps(s, w.Ops, w.Undo, w.Pid, out int blocking);
                if (r == 1) { w.Blocking = blocking; continue; }
                s.Pending.RemoveAt(i);
                Complete(w, r == 0 ? Errno.None : (Errno)(-r));
                // Values changed: an earlier waiter may go now.
                if (r == 0 && Array.Exists(w.Ops, o => o.Op != 0)) { again = true; break; }
                i--;
            }
        }
    }

    static void Complete(SemWaiter w, Errno status)
    {
        lock (w)
        {
            w.Status = status;
            w.Done = true;
            Monitor.PulseAll(w);
        }
    }

    /// <summary>GETNCNT (count decrements) and GETZCNT (wait-for-zero): waiters blocked by an operation on num.</summary>
    public static int CountWaiters(SemSet s, int num, bool zero)
    {
        int n = 0;
        foreach (var w in s.Pending)
        {
            var op = w.Ops[w.Blocking];
            if (op.Num == num && (zero ? op.Op == 0 : op.Op < 0)) n++;
        }
        return n;
    }

    /// <summary>SETVAL/SETALL: the undo adjustments of the changed semaphores are zeroed. Caller holds the lock.</summary>
    public static void ClearAdjust(SemSet s, int num)
    {
        foreach (var u in s.Undos)
            if (num < 0) Array.Clear(u.Adjust); else u.Adjust[num] = 0;
    }

    /// <summary>exit_sem: each entry's adjustments are applied (clamped to 0..SEMVMX) and the set's waiters retried.</summary>
    public void ApplyUndo(SemUndoList list, int pid)
    {
        lock (this)
        {
            foreach (var u in list.Entries)
            {
                var s = u.Set;
                s.Undos.Remove(u);
                if (s.Deleted) continue;
                for (int i = 0; i < s.Count; i++)
                {
                    if (u.Adjust[i] == 0) continue;
                    s.Values[i] = Math.Clamp(s.Values[i] + u.Adjust[i], 0, SemVmx);
                    s.Pids[i] = pid;
                }
                UpdateQueue(s);
            }
            list.Entries.Clear();
        }
    }
}
