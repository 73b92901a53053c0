using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>
/// futex(2) wait and wake. A futex is keyed by (address space, address), or — when not FUTEX_PRIVATE and the word is
/// in shared memory — by (shared object, offset), so that processes sharing the memory meet on it.
/// </summary>
static class FutexSyscalls
{
    const int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5, FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_CMD_MASK = ~(128 | 256);

    const int FUTEX_PRIVATE_FLAG = 128;
    sealed class Waiter { public bool Woken; public (object, ulong) Key; }
    static readonly Dictionary<(object, ulong), List<Waiter>> s_queues = new();

    static (object, ulong) KeyOf(MemoryManager mm, ulong uaddr, bool priv)
    {
        if (priv) return (mm, uaddr);
        lock (mm)
        {
            var v = mm.Vmas.Find(uaddr);
            return v?.ShareKey is { } shared ? (shared, v.Offset + (uaddr - v.Start)) : (mm, uaddr);
        }
    }

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.futex] = (k, uaddr, op, val, timeout, uaddr2, val3) => Futex(k, uaddr, (int)op, (uint)val, timeout, uaddr2, (uint)val3);
    }

    static long Futex(Task t, ulong uaddr, int op, uint val, ulong timeout, ulong uaddr2, uint val3)
    {
        int cmd = op & FUTEX_CMD_MASK;
        bool priv = (op & FUTEX_PRIVATE_FLAG) != 0;
        if ((uaddr & 3) != 0) return Err(Errno.EINVAL);
        switch (cmd)
        {
            case FUTEX_WAIT:
            case FUTEX_WAIT_BITSET:
            {
                if (cmd == FUTEX_WAIT_BITSET && val3 == 0) return Err(Errno.EINVAL);
                long deadlineMs = -1;
                if (timeout != 0)
                {
                    if (!t.Mem.Read(timeout, out Timespec ts)) return Err(Errno.EFAULT);
                    if (ts.Sec < 0 || ts.Nsec is < 0 or >= 1_000_000_000) return Err(Errno.EINVAL);
                    long ns = ts.Sec * 1_000_000_000 + ts.Nsec;
                    if (cmd == FUTEX_WAIT_BITSET)
                    {
                        var now = TimeSyscalls.Now((op & 256) != 0 ? 0 : 1);
                        ns -= now.Sec * 1_000_000_000 + now.Nsec;
                    }
                    deadlineMs = Environment.TickCount64 + Math.Max(0, ns / 1_000_000);
                }
                var key = KeyOf(t.MM, uaddr, priv);
                var w = new Waiter { Key = key };
                bool interrupted = false;
                lock (s_queues)
                {
                    if (!t.Mem.Read(uaddr, out uint cur)) return Err(Errno.EFAULT);
                    if (cur != val) return Err(Errno.EAGAIN);
                    if (!s_queues.TryGetValue(key, out var q)) s_queues[key] = q = new List<Waiter>();
                    q.Add(w);
                    while (!w.Woken)
                    {
                        long left = deadlineMs < 0 ? Timeout.Infinite : deadlineMs - Environment.TickCount64;
                        if (deadlineMs >= 0 && left <= 0) break;
                        if (!t.Sleep(s_queues, (int)Math.Min(left, int.MaxValue))) { interrupted = true; break; }
                    }
                    if (!w.Woken)
                    {
                        // A requeue may have moved us to another queue.
                        if (s_queues.TryGetValue(w.Key, out var cq)) { cq.Remove(w); if (cq.Count == 0) s_queues.Remove(w.Key); }
                        return Err(interrupted ? Errno.EINTR : Errno.ETIMEDOUT);
                    }
                    return 0;
                }
            }
            case FUTEX_WAKE:
            case FUTEX_WAKE_BITSET:
                return Wake(KeyOf(t.MM, uaddr, priv), NrWake(val));
            case FUTEX_REQUEUE:
            case FUTEX_CMP_REQUEUE:
            {
                if ((uaddr2 & 3) != 0) return Err(Errno.EINVAL);
                int nrWake = (int)Math.Min(val, int.MaxValue), nrRequeue = (int)Math.Min(timeout, int.MaxValue);
                if ((int)val < 0 || (long)timeout < 0) return Err(Errno.EINVAL);
                lock (s_queues)
                {
                    if (cmd == FUTEX_CMP_REQUEUE)
                    {
                        if (!t.Mem.Read(uaddr, out uint cur)) return Err(Errno.EFAULT);
                        if (cur != val3) return Err(Errno.EAGAIN);
                    }
                    var fromKey = KeyOf(t.MM, uaddr, priv);
                    int woken = Wake(fromKey, nrWake);
                    int moved = 0;
                    if (s_queues.TryGetValue(fromKey, out var from))
                    {
                        var toKey = KeyOf(t.MM, uaddr2, priv);
                        if (!s_queues.TryGetValue(toKey, out var to)) s_queues[toKey] = to = new List<Waiter>();
                        while (moved < nrRequeue && from.Count > 0)
                        {
                            var w = from[0];
                            from.RemoveAt(0);
                            w.Key = toKey;
                            to.Add(w);
                            moved++;
                        }
                        if (from.Count == 0) s_queues.Remove(fromKey);
                        if (to.Count == 0) s_queues.Remove(toKey);
                    }
                    return cmd == FUTEX_CMP_REQUEUE ? woken + moved : woken;
                }
            }
            case FUTEX_WAKE_OP:
            {
                if ((uaddr2 & 3) != 0) return Err(Errno.EINVAL);
                int op2 = (int)((val3 >> 28) & 7), cmpOp = (int)((val3 >> 24) & 15);
                int oparg = (int)(val3 << 8) >> 20, cmparg = (int)(val3 << 20) >> 20;
                if ((val3 & (8u << 28)) != 0) oparg = 1 << (oparg & 31);
                lock (s_queues)
                {
                    if (!t.Mem.Read(uaddr2, out int old)) return Err(Errno.EFAULT);
                    int nv = op2 switch { 0 => oparg, 1 => old + oparg, 2 => old | oparg, 3 => old & ~oparg, 4 => old ^ oparg, _ => int.MinValue };
                    if (op2 > 4) return Err(Errno.ENOSYS);
                    if (!t.Mem.Write(uaddr2, nv)) return Err(Errno.EFAULT);
                    int woken = Wake(KeyOf(t.MM, uaddr, priv), NrWake(val));
                    bool cond = cmpOp switch { 0 => old == cmparg, 1 => old != cmparg, 2 => old < cmparg, 3 => old <= cmparg, 4 => old > cmparg, 5 => old >= cmparg, _ => false };
                    if (cmpOp > 5) return Err(Errno.ENOSYS);
                    if (cond) woken += Wake(KeyOf(t.MM, uaddr2, priv), NrWake(timeout));
                    return woken;
                }
            }
            default:
                return Err(Errno.ENOSYS);
        }
    }

    /// <summary>FUTEX_WAKE's count is an int, and Linux wakes one waiter even for 0 or a negative count.</summary>
    static int NrWake(ulong val) => Math.Max(1, (int)(uint)val);

    /// <summary>A shared (not FUTEX_PRIVATE) wake, as Linux does for CLONE_CHILD_CLEARTID and robust lists.</summary>
    public static int Wake(MemoryManager mm, ulong uaddr, int n) => Wake(KeyOf(mm, uaddr, false), n);

    static int Wake((object, ulong) key, int n)
    {
        lock (s_queues)
        {
            if (!s_queues.TryGetValue(key, out var q)) return 0;
            int woken = 0;
            while (woken < n && q.Count > 0)
            {
                q[0].Woken = true;
                q.RemoveAt(0);
                woken++;
            }
            if (q.Count == 0) s_queues.Remove(key);
            if (woken > 0) Monitor.PulseAll(s_queues);
            return woken;
        }
    }
}
