using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static Tmds.Linux.LibC;

namespace AppKernel.Sentry.FileSystems.Host;

/// <summary>
/// One of runsc's own stdio fds given to the guest as fd 0, 1 or 2 (like gVisor's host fd import).
/// Only read, write, fstat and the terminal queries TCGETS/TIOCGWINSZ reach the host fd.
/// </summary>
public sealed unsafe class HostStdio : FileDescription
{
    readonly int _hfd;
    readonly bool _seekable;
    readonly HostFdWatcher _watcher;
    readonly WaitQueue _waiters = new();

    public HostStdio(int hostFd, int flags, HostFdWatcher watcher) : base(flags, default, null)
    {
        _watcher = watcher;
        _hfd = dup(hostFd);
        if (_hfd >= 0) fcntl(_hfd, F_SETFD, FD_CLOEXEC);
        LinuxStat st;
        _seekable = fstat(_hfd, (Tmds.Linux.stat*)&st) == 0 && (st.Mode & InodeMode.S_IFMT) == InodeMode.S_IFREG;
        int hostFlags = fcntl(_hfd, F_GETFL);
        Flags = hostFlags >= 0 ? hostFlags : flags;
    }

    public override bool Seekable => _seekable;

    /// <summary>
    /// Waits until the host fd is ready for events (a pipe or terminal may not be) on its wait queue, which the
    /// kernel's host epoll thread notifies, so a signal or the task's end interrupts the wait — a host read or
    /// write that blocked could not be interrupted.
    /// </summary>
    long WaitReady(Task? t, short events)
    {
        if (_seekable || t == null) return 0;
        bool nonblock = (Flags & OpenFlags.O_NONBLOCK) != 0;
        using var poller = new Poller();
        if (!nonblock) poller.Watch(_waiters);
        while (true)
        {
            var p = new Tmds.Linux.pollfd { fd = _hfd, events = events };
            int r = poll(&p, 1, 0);
            if (r > 0 || (r < 0 && errno != EINTR)) return 0; // ready, hung up or failed: the call itself says which
            if (nonblock) return -(long)Errno.EAGAIN;
            _watcher.Arm(_hfd, events, _waiters);
            if (!poller.Wait(t, long.MaxValue) || t.Exited) return Task.RestartSys;
        }
    }

    // read/write go through the host fd's own offset, which runsc's parent shares: never our Offset.
    public override long Read(Task t, Span<byte> buf)
    {
        long w = WaitReady(t, POLLIN);
        if (w < 0) return w;
        fixed (byte* p = buf)
        {
            long n;
            do n = (long)read(_hfd, p, buf.Length); while (n < 0 && errno == EINTR);
            return n < 0 ? -(long)errno : n;
        }
    }

    public override long Write(Task t, ReadOnlySpan<byte> buf)
    {
        long w = WaitReady(t, POLLOUT);
        if (w < 0) return w;
        fixed (byte* p = buf)
        {
            long n;
            do n = (long)write(_hfd, p, buf.Length); while (n < 0 && errno == EINTR);
            return n < 0 ? -(long)errno : n;
        }
    }

    public override long ReadAt(Task t, Span<byte> buf, long offset)
    {
        if (!_seekable) return -(long)Errno.ESPIPE;
        fixed (byte* p = buf)
        {
            long n = (long)pread(_hfd, p, buf.Length, offset);
            return n < 0 ? -(long)errno : n;
        }
    }

    public override long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset)
    {
        if (!_seekable) return -(long)Errno.ESPIPE;
        fixed (byte* p = buf)
        {
            long n = (long)pwrite(_hfd, p, buf.Length, offset);
            return n < 0 ? -(long)errno : n;
        }
    }

    public override long Seek(long offset, int whence)
    {
        long r = (long)lseek(_hfd, offset, whence);
        if (r < 0) return -(long)errno;
        Offset = r;
        return r;
    }

    public override Errno Stat(out LinuxStat st)
    {
        st = default;
        fixed (LinuxStat* p = &st)
            if (fstat(_hfd, (Tmds.Linux.stat*)p) < 0) return (Errno)errno;
        return Errno.None;
    }

    public override WaitQueue? Waiters => _waiters;

    /// <summary>
    /// Asks the host whether runsc's own fd is ready (a zero-timeout poll: it never waits on the host); when it is
    /// not, the host epoll thread is asked to notify this file's waiters once it is.
    /// </summary>
    public override short Readiness(short events)
    {
        var p = new Tmds.Linux.pollfd { fd = _hfd, events = events };
        short r = poll(&p, 1, 0) > 0 ? p.revents : (short)0;
        if ((r & events) == 0 && !_seekable) _watcher.Arm(_hfd, events, _waiters);
        return r;
    }

    public const uint TCGETS = 0x5401, TIOCGWINSZ = 0x5413, TIOCGPGRP = 0x540f, FIONREAD = 0x541b;

    public override long Ioctl(Task t, uint cmd, ulong arg)
    {
        switch (cmd)
        {
            case TCGETS:
            {
                var buf = stackalloc byte[60];
                if (ioctl(_hfd, (int)TCGETS, buf) < 0) return -(long)errno;
                return t.Mem.Write(arg, new ReadOnlySpan<byte>(buf, 60)) ? 0 : -(long)Errno.EFAULT;
            }
            case TIOCGWINSZ:
            {
                var buf = stackalloc byte[8];
                if (ioctl(_hfd, (int)TIOCGWINSZ, buf) < 0) return -(long)errno;
                return t.Mem.Write(arg, new ReadOnlySpan<byte>(buf, 8)) ? 0 : -(long)Errno.EFAULT;
            }
            case TIOCGPGRP:
            {
                var tb = stackalloc byte[60];
                if (ioctl(_hfd, (int)TCGETS, tb) < 0) return -(long)Errno.ENOTTY;
                int pg = t.Tgid;
                return t.Mem.Write(arg, pg) ? 0 : -(long)Errno.EFAULT;
            }
            default:
                return -(long)Errno.ENOTTY;
        }
    }

    public override string DisplayName(Task t)
    {
        var buf = new byte[256];
        long n;
        fixed (byte* p = buf)
        fixed (byte* path = System.Text.Encoding.ASCII.GetBytes($"/proc/self/fd/{_hfd}\0"))
            n = (long)readlink(path, p, buf.Length);
        var s = n > 0 ? System.Text.Encoding.UTF8.GetString(buf, 0, (int)n) : "pipe:[0]";
        // A host path means nothing inside; show only anonymous objects and terminals.
        return s.StartsWith("pipe:") || s.StartsWith("socket:") || s.StartsWith("/dev/pts/") ? s : "/dev/null";
    }

    protected override void Release()
    {
        _watcher.Forget(_hfd);
        close(_hfd);
    }
}
