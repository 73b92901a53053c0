using AppKernel.Sentry.Kernel;
using static Tmds.Linux.LibC;

namespace AppKernel.Sentry.Net.Host;

/// <summary>
/// An AF_INET/AF_INET6 socket of the host that the Sentry holds and works on the guest's behalf (gVisor's hostinet,
/// `--network=host`). The host fd is non-blocking: a call that would block waits in the Sentry (<see cref="Socket.Block"/>
/// on this socket's wait queue, which the kernel's host epoll thread notifies), so signals, timeouts and exit reach it.
/// Addresses are copied bytes, never guest pointers; only allowlisted options and ioctls reach the host; the host
/// never raises SIGPIPE in the Sentry (MSG_NOSIGNAL), the guest gets it from <see cref="Socket.Send"/>.
/// </summary>
public sealed unsafe class HostSocket : Socket
{
    readonly int _hfd;
    readonly HostFdWatcher _watcher;
    /// <summary>What a blocked call sleeps on; <see cref="_waker"/> pulses it when the host says the fd is ready.</summary>
    readonly object _gate = new();
    readonly GateWaker _waker;

    HostSocket(int hostFd, int family, int type, int protocol, int flags, HostFdWatcher watcher) : base(family, type, protocol, flags)
    {
        _hfd = hostFd;
        _watcher = watcher;
        _waker = new GateWaker(_gate);
    }

    public static Errno Create(int family, int type, int protocol, int flags, HostFdWatcher watcher, out Socket? s)
    {
        s = null;
        int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
        if (fd < 0) return (Errno)errno;
        s = new HostSocket(fd, family, type, protocol, flags, watcher);
        return Errno.None;
    }

    /// <summary>
    /// Waits until the host fd has one of events (or a signal, the deadline, exit): armed one-shot after a try found
    /// it not ready, so no change is missed between the try and the sleep.
    /// </summary>
    long WaitHost(Task t, short events, long deadline)
    {
        // Joined before the gate is taken: the watcher's notify holds the queue's lock, then takes the gate.
        Queue.Add(_waker);
        try
        {
            lock (_gate)
            {
                var p = new Tmds.Linux.pollfd { fd = _hfd, events = events };
                if (poll(&p, 1, 0) > 0) return 0;
                _watcher.Arm(_hfd, events, Queue);
                return Block(t, _gate, deadline);
            }
        }
        finally { Queue.Remove(_waker); }
    }

    bool DontWait(int flags) => NonBlocking || (flags & Sock.MSG_DONTWAIT) != 0;

    static Errno Fail() => (Errno)errno;

    public override Errno Bind(Task t, byte[] addr)
    {
        fixed (byte* p = addr)
            return bind(_hfd, (Tmds.Linux.sockaddr*)p, addr.Length) < 0 ? Fail() : Errno.None;
    }

    public override Errno Listen(Task t, int backlog) => listen(_hfd, backlog) < 0 ? Fail() : Errno.None;

    public override Errno Accept(Task t, bool nonblock, out Socket? conn)
    {
        conn = null;
        long deadline = Deadline(send: false);
        while (true)
        {
            int fd = accept4(_hfd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0)
            {
                conn = new HostSocket(fd, Family, Type, Protocol, 0, _watcher);
                return Errno.None;
            }
            var e = (Errno)errno;
            if (e == Errno.EINTR) continue;
            if (e != Errno.EAGAIN || nonblock) return e;
            long r = WaitHost(t, POLLIN, deadline);
            if (r != 0) return (Errno)(-r);
        }
    }

    public override Errno Connect(Task t, byte[] addr, bool nonblock)
    {
        int r;
        fixed (byte* p = addr) r = connect(_hfd, (Tmds.Linux.sockaddr*)p, addr.Length);
        if (r == 0) return Errno.None;
        var e = (Errno)errno;
        if (e != Errno.EINPROGRESS || nonblock) return e;
        // A blocking connect: wait for the handshake, then its result is SO_ERROR.
        long w = WaitHost(t, POLLOUT, Deadline(send: true));
        if (w != 0) return w == -(long)Errno.EAGAIN ? Errno.EINPROGRESS : (Errno)(-w);
        return TakeError();
    }

    public override Errno TakeError()
    {
        int v = 0;
        Tmds.Linux.socklen_t len = sizeof(int);
        return getsockopt(_hfd, SOL_SOCKET, SO_ERROR, &v, &len) < 0 ? Fail() : (Errno)v;
    }

    Errno Name(bool peer, out byte[] addr)
    {
        var buf = stackalloc byte[Sock.MaxAddrLen];
        Tmds.Linux.socklen_t len = Sock.MaxAddrLen;
        int r = peer ? getpeername(_hfd, (Tmds.Linux.sockaddr*)buf, &len) : getsockname(_hfd, (Tmds.Linux.sockaddr*)buf, &len);
        addr = r < 0 ? Array.Empty<byte>() : new ReadOnlySpan<byte>(buf, Math.Min((int)len, Sock.MaxAddrLen)).ToArray();
        return r < 0 ? Fail() : Errno.None;
    }

    public override Errno GetSockName(out byte[] addr) => Name(false, out addr);
    public override Errno GetPeerName(out byte[] addr) => Name(true, out addr);

    public override Errno Shutdown(Task t, int how)
    {
        var e = shutdown(_hfd, how) < 0 ? Fail() : Errno.None;
        NotifyWaiters();
        return e;
    }

    /// <summary>The flags a guest may pass on to the host's send and recv.</summary>
    const int PassedFlags = Sock.MSG_OOB | Sock.MSG_PEEK | Sock.MSG_DONTROUTE | Sock.MSG_TRUNC | Sock.MSG_EOR
        | Sock.MSG_MORE | Sock.MSG_CONFIRM;

    protected override long SendCore(Task t, ReadOnlySpan<byte> data, SendMessage msg)
    {
        bool nonblock = DontWait(msg.Flags);
        long deadline = Deadline(send: true);
        int flags = (msg.Flags & PassedFlags) | MSG_DONTWAIT | MSG_NOSIGNAL;
        long done = 0;
        fixed (byte* d = data)
        fixed (byte* to = msg.To)
        {
            while (true)
            {
                var iov = new Tmds.Linux.iovec { iov_base = d + done, iov_len = data.Length - (int)done };
                var m = new Tmds.Linux.msghdr { msg_iov = &iov, msg_iovlen = 1, msg_name = to, msg_namelen = msg.To?.Length ?? 0 };
                long n = (long)sendmsg(_hfd, &m, flags);
                if (n >= 0)
                {
                    done += n;
                    // A stream send blocks until all is sent, as the host's own blocking send would.
                    if (done >= data.Length || Type != Sock.SOCK_STREAM || nonblock) return done;
                    continue;
                }
                var e = (Errno)errno;
                if (e == Errno.EINTR) continue;
                if (e != Errno.EAGAIN || nonblock) return done > 0 ? done : -(long)e;
                long r = WaitHost(t, POLLOUT, deadline);
                if (r != 0) return done > 0 ? done : r;
            }
        }
    }

    public override long Recv(Task t, Span<byte> dst, RecvMessage msg)
    {
        bool nonblock = DontWait(msg.Flags);
        long deadline = Deadline(send: false);
        int flags = (msg.Flags & PassedFlags) | MSG_DONTWAIT;
        bool waitAll = (msg.Flags & Sock.MSG_WAITALL) != 0 && Type == Sock.SOCK_STREAM && (msg.Flags & Sock.MSG_PEEK) == 0;
        var from = stackalloc byte[Sock.MaxAddrLen];
        long done = 0;
        fixed (byte* d = dst)
        {
            while (true)
            {
                var iov = new Tmds.Linux.iovec { iov_base = d + done, iov_len = dst.Length - (int)done };
                var m = new Tmds.Linux.msghdr { msg_iov = &iov, msg_iovlen = 1, msg_name = from, msg_namelen = Sock.MaxAddrLen };
                long n = (long)recvmsg(_hfd, &m, flags);
                if (n >= 0)
                {
                    if (m.msg_namelen > 0 && done == 0)
                        msg.From = new ReadOnlySpan<byte>(from, Math.Min((int)m.msg_namelen, Sock.MaxAddrLen)).ToArray();
                    msg.OutFlags |= m.msg_flags & (Sock.MSG_TRUNC | Sock.MSG_CTRUNC | Sock.MSG_EOR | Sock.MSG_OOB);
                    if (Type != Sock.SOCK_STREAM)
                    {
                        msg.FullLength = n; // with MSG_TRUNC the host tells a datagram's whole length
                        return n;
                    }
                    done += n;
                    if (!waitAll || n == 0 || done >= dst.Length) return done;
                    continue;
                }
                var e = (Errno)errno;
                if (e == Errno.EINTR) continue;
                if (e != Errno.EAGAIN || nonblock) return done > 0 ? done : -(long)e;
                long r = WaitHost(t, (short)(POLLIN | POLLPRI), deadline);
                if (r != 0) return done > 0 ? done : r;
            }
        }
    }

    public override short Readiness(short events)
    {
        var p = new Tmds.Linux.pollfd { fd = _hfd, events = events };
        short r = poll(&p, 1, 0) > 0 ? p.revents : (short)0;
        if ((r & events) == 0) _watcher.Arm(_hfd, events, Queue);
        return r;
    }

    public override Errno SetOption(Task t, int level, int name, byte[] val)
    {
        if (level == Sock.SOL_SOCKET && name is Sock.SO_RCVTIMEO or Sock.SO_SNDTIMEO or Sock.SO_PASSCRED)
            return base.SetOption(t, level, name, val); // the Sentry's waits and control data, not the host's
        if (!HostOptions.Allowed(level, name, set: true)) return Errno.ENOPROTOOPT;
        fixed (byte* p = val)
            return setsockopt(_hfd, level, name, p, val.Length) < 0 ? Fail() : Errno.None;
    }

    public override Errno GetOption(Task t, int level, int name, out byte[] val)
    {
        val = Array.Empty<byte>();
        if (level == Sock.SOL_SOCKET && name is Sock.SO_RCVTIMEO or Sock.SO_SNDTIMEO or Sock.SO_PASSCRED)
            return base.GetOption(t, level, name, out val);
        if (!HostOptions.Allowed(level, name, set: false)) return Errno.ENOPROTOOPT;
        var buf = stackalloc byte[HostOptions.MaxValue];
        Tmds.Linux.socklen_t len = HostOptions.MaxValue;
        if (getsockopt(_hfd, level, name, buf, &len) < 0) return Fail();
        val = new ReadOnlySpan<byte>(buf, Math.Min((int)len, HostOptions.MaxValue)).ToArray();
        return Errno.None;
    }

    public override long Ioctl(Task t, uint cmd, ulong arg)
    {
        if (cmd is not (Sock.SIOCINQ or Sock.SIOCOUTQ or Sock.SIOCATMARK or Sock.SIOCOUTQNSD)) return base.Ioctl(t, cmd, arg);
        int v = 0;
        if (ioctl(_hfd, (int)cmd, &v) < 0) return -(long)errno;
        return t.Mem.Write(arg, v) ? 0 : -(long)Errno.EFAULT;
    }

    protected override void Release()
    {
        _watcher.Forget(_hfd);
        close(_hfd);
    }

    /// <summary>Wakes the tasks blocked on the gate when the socket's queue is told the host fd is ready.</summary>
    sealed class GateWaker : Vfs.IWaiter
    {
        readonly object _gate;
        public GateWaker(object gate) => _gate = gate;
        public void Notify()
        {
            lock (_gate) Monitor.PulseAll(_gate);
        }
    }
}
