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

    const int FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
    const int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1;
    const long NsPerSec = 1_000_000_000;

    // futex_waitv: struct futex_waitv's flags (futex2), at most 128 futexes, 32-bit words only.
    const uint FUTEX2_SIZE_U32 = 2, FUTEX2_SIZE_MASK = 3, FUTEX2_PRIVATE = 128;
    const int FUTEX_WAITV_MAX = 128, FutexWaitvSize = 24;

    static (object, ulong) KeyOf(MemoryManager mm, ulong uaddr, bool priv) => FutexTable.KeyOf(mm, uaddr, priv);

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.futex] = (k, uaddr, op, val, timeout, uaddr2, val3) => Futex(k, uaddr, (int)op, (uint)val, timeout, uaddr2, (uint)val3);
        t[Nr.futex_waitv] = (k, waiters, n, flags, timeout, clock, _) => Waitv(k, waiters, n, flags, timeout, (int)clock);
    }

    /// <summary>
    /// futex_waitv(2): waits on up to 128 futexes at once (Wine's and Proton's WaitForMultipleObjects) until one is
    /// woken; returns its index. All values are checked, and all waiters queued, before sleeping — a mismatch
    /// anywhere is EAGAIN. The timeout is absolute on CLOCK_MONOTONIC or CLOCK_REALTIME.
    /// </summary>
    static long Waitv(Task t, ulong addr, ulong n, ulong flags, ulong timeout, int clock)
    {
        if (flags != 0 || addr == 0 || n == 0 || n > FUTEX_WAITV_MAX) return Err(Errno.EINVAL);
        var deadline = Deadline.None;
        if (timeout != 0)
        {
            if (clock is not (CLOCK_REALTIME or CLOCK_MONOTONIC)) return Err(Errno.EINVAL);
            if (!t.Mem.Read(timeout, out Timespec ts)) return Err(Errno.EFAULT);
            if (ts.Sec < 0 || ts.Nsec is < 0 or >= NsPerSec) return Err(Errno.EINVAL);
            deadline = Deadline.At(clock, ts.Sec, ts.Nsec);
        }
        var raw = new byte[(int)n * FutexWaitvSize];
        if (!t.Mem.Read(addr, raw)) return Err(Errno.EFAULT);
        var keys = new (object, ulong)[n];
        var vals = new uint[n];
        var addrs = new ulong[n];
        for (int i = 0; i < (int)n; i++)
        {
            var e = raw.AsSpan(i * FutexWaitvSize);
            ulong val = BitConverter.ToUInt64(e), uaddr = BitConverter.ToUInt64(e[8..]);
            uint f = BitConverter.ToUInt32(e[16..]), reserved = BitConverter.ToUInt32(e[20..]);
            if (reserved != 0 || (f & ~(FUTEX2_SIZE_MASK | FUTEX2_PRIVATE)) != 0 || (f & FUTEX2_SIZE_MASK) != FUTEX2_SIZE_U32)
                return Err(Errno.EINVAL);
            if ((uaddr & 3) != 0 || val > uint.MaxValue) return Err(Errno.EINVAL);
            addrs[i] = uaddr;
            vals[i] = (uint)val;
            keys[i] = KeyOf(t.MM, uaddr, (f & FUTEX2_PRIVATE) != 0);
        }
        var futexes = t.Kernel.Futexes;
        var sleepsOn = new object();
        var ws = new FutexTable.Waiter[n];
        for (int i = 0; i < (int)n; i++)
        {
            Errno e = Errno.None;
            using (futexes.Lock(keys[i], keys[i]))
            {
                if (!t.Mem.Read(addrs[i], out uint cur)) e = Errno.EFAULT;
                else if (cur != vals[i]) e = Errno.EAGAIN;
                else ws[i] = futexes.Enqueue(keys[i], sleepsOn);
            }
            if (e != Errno.None)
            {
                // A waiter queued earlier may have been woken meanwhile: that wake is the answer, as Linux.
                int woken = futexes.UnqueueAll(ws);
                return woken >= 0 ? woken : Err(e);
            }
        }
        return futexes.SleepAny(t, ws, sleepsOn, deadline);
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
                var deadline = Deadline.None;
                if (timeout != 0)
                {
                    if (!t.Mem.Read(timeout, out Timespec ts)) return Err(Errno.EFAULT);
                    if (ts.Sec < 0 || ts.Nsec is < 0 or >= NsPerSec) return Err(Errno.EINVAL);
                    // FUTEX_WAIT's timeout is relative; FUTEX_WAIT_BITSET's an absolute time on its clock.
                    deadline = cmd == FUTEX_WAIT_BITSET
                        ? Deadline.At((op & FUTEX_CLOCK_REALTIME) != 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, ts.Sec, ts.Nsec)
                        : Deadline.AfterSpan(ts.Sec, ts.Nsec);
                }
                var key = KeyOf(t.MM, uaddr, priv);
                var futexes = t.Kernel.Futexes;
                FutexTable.Waiter w;
                using (futexes.Lock(key, key))
                {
                    if (!t.Mem.Read(uaddr, out uint cur)) return Err(Errno.EFAULT);
                    if (cur != val) return Err(Errno.EAGAIN);
                    w = futexes.Enqueue(key, bitset: cmd == FUTEX_WAIT_BITSET ? val3 : FutexTable.MatchAny);
                }
                return Err(futexes.Sleep(t, w, deadline));
            }
            case FUTEX_WAKE:
                return t.Kernel.Futexes.Wake(KeyOf(t.MM, uaddr, priv), NrWake(val));
            case FUTEX_WAKE_BITSET:
                if (val3 == 0) return Err(Errno.EINVAL);
                return t.Kernel.Futexes.Wake(KeyOf(t.MM, uaddr, priv), NrWake(val), val3);
            case FUTEX_REQUEUE:
            case FUTEX_CMP_REQUEUE:
            {
                if ((uaddr2 & 3) != 0) return Err(Errno.EINVAL);
                int nrWake = (int)Math.Min(val, int.MaxValue), nrRequeue = (int)Math.Min(timeout, int.MaxValue);
                if ((int)val < 0 || (long)timeout < 0) return Err(Errno.EINVAL);
                var fromKey = KeyOf(t.MM, uaddr, priv);
                var toKey = KeyOf(t.MM, uaddr2, priv);
                var futexes = t.Kernel.Futexes;
                using (futexes.Lock(fromKey, toKey))
                {
                    if (cmd == FUTEX_CMP_REQUEUE)
                    {
                        if (!t.Mem.Read(uaddr, out uint cur)) return Err(Errno.EFAULT);
                        if (cur != val3) return Err(Errno.EAGAIN);
                    }
                    int woken = futexes.WakeLocked(fromKey, nrWake);
                    int moved = futexes.RequeueLocked(fromKey, toKey, nrRequeue);
                    return cmd == FUTEX_CMP_REQUEUE ? woken + moved : woken;
                }
            }
            case FUTEX_WAKE_OP:
            {
                if ((uaddr2 & 3) != 0) return Err(Errno.EINVAL);
                int op2 = (int)((val3 >> 28) & 7), cmpOp = (int)((val3 >> 24) & 15);
                int oparg = (int)(val3 << 8) >> 20, cmparg = (int)(val3 << 20) >> 20;
                if ((val3 & (8u << 28)) != 0) oparg = 1 << (oparg & 31);
                var key1 = KeyOf(t.MM, uaddr, priv);
                var key2 = KeyOf(t.MM, uaddr2, priv);
                var futexes = t.Kernel.Futexes;
                using (futexes.Lock(key1, key2))
                {
                    if (!t.Mem.Read(uaddr2, out int old)) return Err(Errno.EFAULT);
                    int nv = op2 switch { 0 => oparg, 1 => old + oparg, 2 => old | oparg, 3 => old & ~oparg, 4 => old ^ oparg, _ => int.MinValue };
                    if (op2 > 4) return Err(Errno.ENOSYS);
                    if (!t.Mem.Write(uaddr2, nv)) return Err(Errno.EFAULT);
                    int woken = futexes.WakeLocked(key1, NrWake(val));
                    bool cond = cmpOp switch { 0 => old == cmparg, 1 => old != cmparg, 2 => old < cmparg, 3 => old <= cmparg, 4 => old > cmparg, 5 => old >= cmparg, _ => false };
                    if (cmpOp > 5) return Err(Errno.ENOSYS);
                    if (cond) woken += futexes.WakeLocked(key2, NrWake(timeout));
                    return woken;
                }
            }
            default:
                return Err(Errno.ENOSYS);
        }
    }

    /// <summary>FUTEX_WAKE's count is an int, and Linux wakes one waiter even for 0 or a negative count
    /// (its loop counts after each wake).</summary>
    static int NrWake(ulong val) => Math.Max(1, (int)(uint)val);

    /// <summary>A shared (not FUTEX_PRIVATE) wake, as Linux does for CLONE_CHILD_CLEARTID and robust lists.</summary>
    public static int Wake(Task t, ulong uaddr, int n) => t.Kernel.Futexes.Wake(KeyOf(t.MM, uaddr, false), n);
}
