using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>select and pselect6 over the same readiness as poll (fd_set bitmaps in, ready sets out).</summary>
static class SelectSyscalls
{
    const short In = FileDescription.POLLIN | FileDescription.POLLRDNORM | FileDescription.POLLHUP | FileDescription.POLLERR;
    const short Out = FileDescription.POLLOUT | FileDescription.POLLWRNORM | FileDescription.POLLERR;
    const short Ex = FileDescription.POLLPRI;
    static readonly short[] Masks = { In, Out, Ex };

    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.select] = (k, n, r, w, e, tv, _) => Select(k, (int)n, r, w, e, tv, false);
        t[Nr.pselect6] = (k, n, r, w, e, ts, sig) => Pselect6(k, (int)n, r, w, e, ts, sig);
    }

    static long Pselect6(Task t, int n, ulong r, ulong w, ulong e, ulong ts, ulong sigArg)
    {
        // The sixth argument points at { const sigset_t *set; size_t size; }.
        ulong setAddr = 0, size = 8;
        if (sigArg != 0 && (!t.Mem.Read(sigArg, out setAddr) || !t.Mem.Read(sigArg + 8, out size))) return Err(Errno.EFAULT);
        return WithSigmask(t, setAddr, size, () => Select(t, n, r, w, e, ts, true));
    }

    /// <summary>pselect6/ppoll's signal mask: in force while waiting, like sigsuspend; if a signal interrupts,
    /// its handler runs with it and sigreturn brings the old mask back.</summary>
    public static long WithSigmask(Task t, ulong setAddr, ulong size, Func<long> wait)
    {
        if (setAddr == 0) return wait();
        if (size != 8) return Err(Errno.EINVAL);
        if (!t.Mem.Read(setAddr, out ulong mask)) return Err(Errno.EFAULT);
        ulong old = t.Signals.Mask;
        t.Signals.Mask = mask & ~SignalState.Unblockable;
        long r = wait();
        if (r == -(long)Errno.EINTR) t.RestoreMaskAfterHandler = old;
        else t.Signals.Mask = old;
        return r;
    }

    static long Select(Task t, int nfds, ulong rAddr, ulong wAddr, ulong eAddr, ulong timeAddr, bool nanos)
    {
        if (nfds < 0) return Err(Errno.EINVAL);
        // Linux looks only at fds below the table's size: bits above it are neither read nor checked.
        nfds = Math.Min(nfds, t.Fds.Size);
        int words = (nfds + 63) / 64;
        var sets = new ulong[3][];
        ulong[] addrs = { rAddr, wAddr, eAddr };
        for (int i = 0; i < 3; i++)
        {
            sets[i] = new ulong[words];
            if (addrs[i] != 0 && words > 0 && !t.Mem.Read(addrs[i], System.Runtime.InteropServices.MemoryMarshal.AsBytes(sets[i].AsSpan())))
                return Err(Errno.EFAULT);
        }
        long timeoutNs = -1;
        if (timeAddr != 0)
        {
            long sec, frac;
            if (nanos)
            {
                if (!t.Mem.Read(timeAddr, out Timespec ts)) return Err(Errno.EFAULT);
                (sec, frac) = (ts.Sec, ts.Nsec);
            }
            else
            {
                if (!t.Mem.Read(timeAddr, out Timeval tv)) return Err(Errno.EFAULT);
                (sec, frac) = (tv.Sec, tv.Usec);
            }
            if (sec < 0 || frac < 0 || frac >= (nanos ? 1_000_000_000 : 1_000_000)) return Err(Errno.EINVAL);
            timeoutNs = sec * 1_000_000_000 + (nanos ? frac : frac * 1000);
        }
        // The fds asked about, each must be open.
        for (int fd = 0; fd < nfds; fd++)
            if (Asked(sets, fd) && !t.Fds.IsOpen(fd)) return Err(Errno.EBADF);
        var deadline = timeoutNs < 0 ? Deadline.None : Deadline.After(timeoutNs);
        var outSets = new ulong[3][];
        using var poller = new Poller();
        while (true)
        {
            int ready = 0;
            for (int i = 0; i < 3; i++) outSets[i] = new ulong[words];
            for (int fd = 0; fd < nfds; fd++)
            {
                if (!Asked(sets, fd)) continue;
                using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
                if (f == null) return Err(Errno.EBADF);
                if (timeoutNs != 0) poller.Watch(f.Waiters);
                // Ask only for what the sets want of this fd: a file that waits on a host fd arms the host watcher
                // only when none of the asked events is ready (stdin is always writable, but select waits to read).
                short want = 0;
                for (int i = 0; i < 3; i++)
                    if ((sets[i][fd / 64] & (1UL << (fd % 64))) != 0) want |= Masks[i];
                short r = f.Readiness(want);
                for (int i = 0; i < 3; i++)
                    if ((sets[i][fd / 64] & (1UL << (fd % 64))) != 0 && (r & Masks[i]) != 0)
                    {
                        outSets[i][fd / 64] |= 1UL << (fd % 64);
                        ready++;
                    }
            }
            if (ready > 0 || timeoutNs == 0 || deadline.Passed)
            {
                for (int i = 0; i < 3; i++)
                    if (addrs[i] != 0 && words > 0 && !t.Mem.Write(addrs[i], System.Runtime.InteropServices.MemoryMarshal.AsBytes(outSets[i].AsSpan())))
                        return Err(Errno.EFAULT);
                WriteRemaining(t, timeAddr, nanos, deadline);
                return ready;
            }
            if (!poller.Wait(t, deadline)) { WriteRemaining(t, timeAddr, nanos, deadline); return Err(Errno.EINTR); }
        }
    }

    /// <summary>select, pselect6 and ppoll write back the time not slept, as Linux's poll_select_finish (a timeout in
    /// read-only memory is left as it was, without failing the call).</summary>
    internal static void WriteRemaining(Task t, ulong timeAddr, bool nanos, Deadline deadline)
    {
        if (timeAddr == 0 || deadline.IsNone) return;
        long left = Math.Max(0, deadline.Ns - Deadline.NowNs);
        if (nanos) t.Mem.Write(timeAddr, new Timespec { Sec = left / 1_000_000_000, Nsec = left % 1_000_000_000 });
        else t.Mem.Write(timeAddr, new Timeval { Sec = left / 1_000_000_000, Usec = left % 1_000_000_000 / 1000 });
    }

    static bool Asked(ulong[][] sets, int fd) =>
        ((sets[0][fd / 64] | sets[1][fd / 64] | sets[2][fd / 64]) & (1UL << (fd % 64))) != 0;
}
