using System.Runtime.InteropServices;
using AppKernel.Platform.Native;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>poll and ppoll. Readiness is asked of each file; while nothing is ready the task re-checks
/// every millisecond until the timeout (wait queues arrive with the processes issue).</summary>
static class PollSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.poll] = (k, fds, n, timeout, _, _, _) => Poll(k, fds, n, (int)timeout < 0 ? -1 : (long)(int)timeout * 1_000_000);
        t[Nr.ppoll] = (k, fds, n, ts, sig, size, _) => SelectSyscalls.WithSigmask(k, sig, size, () => Ppoll(k, fds, n, ts));
    }

    static long Ppoll(Task t, ulong fds, ulong n, ulong tsAddr)
    {
        long timeoutNs = -1;
        if (tsAddr != 0)
        {
            if (!t.Mem.Read(tsAddr, out Timespec ts)) return Err(Errno.EFAULT);
            if (ts.Sec < 0 || ts.Nsec is < 0 or >= 1_000_000_000) return Err(Errno.EINVAL);
            timeoutNs = ts.Sec * 1_000_000_000 + ts.Nsec;
        }
        return Poll(t, fds, n, timeoutNs, tsAddr);
    }

    /// <summary>tsAddr: ppoll's timeout, which gets the time not slept back (not a zero one).</summary>
    static long Poll(Task t, ulong addr, ulong n, long timeoutNs, ulong tsAddr = 0)
    {
        if (n > (ulong)t.Limits.NoFile) return Err(Errno.EINVAL);
        var fds = new PollFd[n];
        if (n > 0 && !t.Mem.Read(addr, MemoryMarshal.AsBytes(fds.AsSpan()))) return Err(Errno.EFAULT);
        var deadline = timeoutNs < 0 ? Deadline.None : Deadline.After(timeoutNs);
        using var poller = new Poller(fds.Length);
        while (true)
        {
            int ready = 0;
            for (int i = 0; i < fds.Length; i++)
            {
                ref var p = ref fds[i];
                p.Revents = 0;
                if (p.Fd < 0) continue;
                using var fRef = t.Fds.Borrow(p.Fd); var f = fRef.File;
                if (f != null && timeoutNs != 0) poller.Watch(f.Waiters);
                p.Revents = f == null ? FileDescription.POLLNVAL
                    : (short)(f.Readiness((short)(p.Events | FileDescription.POLLERR | FileDescription.POLLHUP)) & (p.Events | FileDescription.POLLERR | FileDescription.POLLHUP));
                if (p.Revents != 0) ready++;
            }
            if (ready > 0 || timeoutNs == 0 || deadline.Passed)
            {
                if (n > 0 && !t.Mem.Write(addr, MemoryMarshal.AsBytes(fds.AsSpan()))) return Err(Errno.EFAULT);
                if (timeoutNs != 0) SelectSyscalls.WriteRemaining(t, tsAddr, nanos: true, deadline);
                return ready;
            }
            if (!poller.Wait(t, deadline))
            {
                if (timeoutNs != 0) SelectSyscalls.WriteRemaining(t, tsAddr, nanos: true, deadline);
                return Err(Errno.EINTR);
            }
        }
    }
}
