using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static Tmds.Linux.LibC;

namespace AppKernel.Sentry.FileSystems.Host;

/// <summary>
/// One of runsc's own stdio fds given to the guest as fd 0, 1 or 2 (like gVisor's host fd import).
/// Only read, write, fstat and the terminal ioctls (attributes and window size) reach the host fd.
/// </summary>
public sealed unsafe class HostStdio : FileDescription
{
    readonly int _hfd;
    readonly bool _seekable;
    readonly HostTerminal _terminal;
    readonly HostFdWatcher _watcher;
    readonly WaitQueue _waiters = new();

    public HostStdio(int hostFd, int flags, HostTerminal terminal, HostFdWatcher watcher) : base(flags, default, null)
    {
        _terminal = terminal;
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
            if (!poller.Wait(t, Deadline.None) || t.Exited) return Task.RestartSys;
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

    /// <summary>
    /// The terminal ioctls runsc's own terminal answers for the guest, each copying exactly the kernel's structure
    /// (<see cref="Termios"/> is 36 bytes, not glibc's 60). Attributes and window size are the host terminal's; the
    /// foreground process group is the sandbox's own (<see cref="HostTerminal"/>), never a host pgid.
    /// </summary>
    public override long Ioctl(Task t, uint cmd, ulong arg)
    {
        switch (cmd)
        {
            case TtyIoctl.TCGETS: return HostGet<Termios>(t, cmd, arg);
            case TtyIoctl.TCSETS or TtyIoctl.TCSETSW or TtyIoctl.TCSETSF: return HostSet<Termios>(t, cmd, arg);
            case TtyIoctl.TCGETS2: return HostGet<Termios2>(t, cmd, arg);
            case TtyIoctl.TCSETS2 or TtyIoctl.TCSETSW2 or TtyIoctl.TCSETSF2: return HostSet<Termios2>(t, cmd, arg);
            case TtyIoctl.TIOCGWINSZ: return HostGet<WinSize>(t, cmd, arg);
            case TtyIoctl.TIOCSWINSZ: return HostSet<WinSize>(t, cmd, arg);
            case TtyIoctl.TIOCGPGRP:
                if (!IsTerminal) return -(long)Errno.ENOTTY;
                return t.Mem.Write(arg, _terminal.ForegroundGroup) ? 0 : -(long)Errno.EFAULT;
            case TtyIoctl.TIOCSPGRP:
            {
                if (!IsTerminal) return -(long)Errno.ENOTTY;
                if (!t.Mem.Read(arg, out int pgrp)) return -(long)Errno.EFAULT;
                if (pgrp < 0) return -(long)Errno.EINVAL;
                _terminal.ForegroundGroup = pgrp;
                return 0;
            }
            case TtyIoctl.TIOCGSID:
                if (!IsTerminal) return -(long)Errno.ENOTTY;
                return t.Mem.Write(arg, _terminal.Session) ? 0 : -(long)Errno.EFAULT;
            default:
                return -(long)Errno.ENOTTY;
        }
    }

    bool IsTerminal => isatty(_hfd) == 1;

    /// <summary>Asks the host terminal for a T and copies exactly sizeof(T) to the guest.</summary>
    long HostGet<T>(Task t, uint cmd, ulong arg) where T : unmanaged
    {
        T v;
        if (ioctl(_hfd, (int)cmd, &v) < 0) return -(long)errno;
        return t.Mem.Write(arg, v) ? 0 : -(long)Errno.EFAULT;
    }

    /// <summary>Copies sizeof(T) from the guest and hands it to the host terminal (TCSETSW/F drain and flush there).</summary>
    long HostSet<T>(Task t, uint cmd, ulong arg) where T : unmanaged
    {
        if (!t.Mem.Read(arg, out T v)) return -(long)Errno.EFAULT;
        int r;
        do r = ioctl(_hfd, (int)cmd, &v); while (r < 0 && errno == EINTR);
        return r < 0 ? -(long)errno : 0;
    }

    public override string DisplayName(Task t)
    {
        var buf = new byte[256];
        long n;
        fixed (byte* p = buf)
        fixed (byte* path = System.Text.Encoding.ASCII.GetBytes($"/proc/self/fd/{_hfd}\0"))
            n = (long)readlink(path, p, buf.Length);
        var s = n > 0 ? LinuxText.Decode(buf.AsSpan(0, (int)n)) : "pipe:[0]";
        // A host path means nothing inside; show only anonymous objects and terminals.
        return s.StartsWith("pipe:") || s.StartsWith("socket:") || s.StartsWith("/dev/pts/") ? s : "/dev/null";
    }

    protected override void Release()
    {
        _watcher.Forget(_hfd);
        close(_hfd);
    }
}
