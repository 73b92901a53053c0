using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>futex(2) wait and wake, keyed by (address space, address).</summary>
static class FutexSyscalls
{
    const int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_CMD_MASK = ~(128 | 256);

    sealed class Waiter { public bool Woken; }
    static readonly Dictionary<(MemoryManager, ulong), List<Waiter>> s_queues = new();

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.futex] = (k, uaddr, op, val, timeout, uaddr2, val3) => Futex(k, uaddr, (int)op, (uint)val, timeout, uaddr2, (uint)val3);
    }

    static long Futex(Task t, ulong uaddr, int op, uint val, ulong timeout, ulong uaddr2, uint val3)
    {
        int cmd = op & FUTEX_CMD_MASK;
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
                    if (!t.Mem.Read(timeout, out AppKernel.Platform.Native.Timespec ts)) return Err(Errno.EFAULT);
                    if (ts.Sec < 0 || ts.Nsec is < 0 or >= 1_000_000_000) return Err(Errno.EINVAL);
                    long ns = ts.Sec * 1_000_000_000 + ts.Nsec;
                    if (cmd == FUTEX_WAIT_BITSET)
                    {
                        var now = TimeSyscalls.Now((op & 256) != 0 ? 0 : 1);
                        ns -= now.Sec * 1_000_000_000 + now.Nsec;
                    }
                    deadlineMs = Environment.TickCount64 + Math.Max(0, ns / 1_000_000);
                }
                var key = (t.MM, uaddr);
                var w = new Waiter();
                lock (s_queues)
                {
                    if (!t.Mem.Read(uaddr, out uint cur)) return Err(Errno.EFAULT);
                    if (cur != val) return Err(Errno.EAGAIN);
                    if (!s_queues.TryGetValue(key, out var q)) s_queues[key] = q = new List<Waiter>();
                    q.Add(w);
                    while (!w.Woken)
                    {
                        if (deadlineMs < 0) Monitor.Wait(s_queues);
                        else
                        {
                            long left = deadlineMs - Environment.TickCount64;
                            if (left <= 0) break;
                            Monitor.Wait(s_queues, (int)Math.Min(left, int.MaxValue));
                        }
                    }
                    if (!w.Woken)
                    {
                        q.Remove(w);
                        return Err(Errno.ETIMEDOUT);
                    }
                    return 0;
                }
            }
            case FUTEX_WAKE:
            case FUTEX_WAKE_BITSET:
                return Wake(t.MM, uaddr, (int)Math.Min(val, int.MaxValue));
            default:
                return Err(Errno.ENOSYS);
        }
    }

    public static int Wake(MemoryManager mm, ulong uaddr, int n)
    {
        lock (s_queues)
        {
            if (!s_queues.TryGetValue((mm, uaddr), out var q)) return 0;
            int woken = 0;
            while (woken < n && q.Count > 0)
            {
                q[0].Woken = true;
                q.RemoveAt(0);
                woken++;
            }
            if (q.Count == 0) s_queues.Remove((mm, uaddr));
            if (woken > 0) Monitor.PulseAll(s_queues);
            return woken;
        }
    }
}
