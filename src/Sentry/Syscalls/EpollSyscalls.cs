using AppKernel.Sentry.FileSystems.Anon;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Syscalls.SyscallTable;

namespace AppKernel.Sentry.Syscalls;

/// <summary>epoll_create(1), epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2.</summary>
static class EpollSyscalls
{
    public static void Register(SyscallHandler?[] t)
    {
        t[Nr.epoll_create] = (k, size, _, _, _, _, _) => (int)size <= 0 ? Err(Errno.EINVAL) : Create(k, 0);
        t[Nr.epoll_create1] = (k, flags, _, _, _, _, _) => Create(k, (int)flags);
        t[Nr.epoll_ctl] = (k, epfd, op, fd, ev, _, _) => Ctl(k, (int)epfd, (int)op, (int)fd, ev);
        t[Nr.epoll_wait] = (k, epfd, evs, max, timeout, _, _) => Wait(k, (int)epfd, evs, (int)max, (int)timeout);
        t[Nr.epoll_pwait] = (k, epfd, evs, max, timeout, sig, size) =>
            SelectSyscalls.WithSigmask(k, sig, size, () => Wait(k, (int)epfd, evs, (int)max, (int)timeout));
        t[Nr.epoll_pwait2] = (k, epfd, evs, max, ts, sig, size) => Pwait2(k, (int)epfd, evs, (int)max, ts, sig, size);
    }

    // epoll_pwait2: the timeout is a timespec (NULL: forever), rounded up to whole milliseconds here.
    static long Pwait2(Task t, int epfd, ulong evs, int max, ulong tsAddr, ulong sig, ulong size)
    {
        int timeoutMs = -1;
        if (tsAddr != 0)
        {
            if (!t.Mem.Read(tsAddr, out Timespec ts)) return Err(Errno.EFAULT);
            if (ts.Sec < 0 || ts.Nsec is < 0 or >= 1_000_000_000) return Err(Errno.EINVAL);
            timeoutMs = (int)Math.Min(ts.Sec * 1000 + (ts.Nsec + 999_999) / 1_000_000, int.MaxValue);
        }
        return SelectSyscalls.WithSigmask(t, sig, size, () => Wait(t, epfd, evs, max, timeoutMs));
    }

    static long Create(Task t, int flags)
    {
        if ((flags & ~OpenFlags.O_CLOEXEC) != 0) return Err(Errno.EINVAL);
        var ep = new Epoll(0);
        int fd = t.Fds.Install(ep, (flags & OpenFlags.O_CLOEXEC) != 0, 0, t.Limits.NoFile);
        if (fd < 0) ep.DecRef();
        return fd;
    }

    static long Ctl(Task t, int epfd, int op, int fd, ulong evAddr)
    {
        using var epRef = t.Fds.Borrow(epfd);
        if (epRef.File is not Epoll ep) return Err(epRef.File == null ? Errno.EBADF : Errno.EINVAL);
        using var fRef = t.Fds.Borrow(fd); var f = fRef.File;
        if (f == null) return Err(Errno.EBADF);
        uint events = 0;
        ulong data = 0;
        if (op != Epoll.EPOLL_CTL_DEL)
        {
            if (!t.Mem.Read(evAddr, out EpollEvent ev)) return Err(Errno.EFAULT);
            events = ev.Events;
            data = ev.Data;
        }
        return Err(ep.Ctl(op, fd, f, events, data));
    }

    static long Wait(Task t, int epfd, ulong evAddr, int max, int timeoutMs)
    {
        if (max <= 0 || max > int.MaxValue / System.Runtime.CompilerServices.Unsafe.SizeOf<EpollEvent>()) return Err(Errno.EINVAL);
        using var epRef = t.Fds.Borrow(epfd);
        if (epRef.File is not Epoll ep) return Err(epRef.File == null ? Errno.EBADF : Errno.EINVAL);
        var deadline = Deadline.AfterMs(timeoutMs);
        var ready = new List<(uint Events, ulong Data)>();
        using var poller = new Poller();
        if (timeoutMs != 0) poller.Watch(ep.Waiters);
        while (true)
        {
            ep.Collect(t, max, ready);
            if (ready.Count > 0 || timeoutMs == 0 || deadline.Passed) break;
            if (!poller.Wait(t, deadline)) return Err(Errno.EINTR);
        }
        var evs = new EpollEvent[ready.Count];
        for (int i = 0; i < ready.Count; i++) evs[i] = new EpollEvent { Events = ready[i].Events, Data = ready[i].Data };
        return evs.Length == 0 || t.Mem.Write(evAddr, System.Runtime.InteropServices.MemoryMarshal.AsBytes(evs.AsSpan())) ? ready.Count : Err(Errno.EFAULT);
    }
}
