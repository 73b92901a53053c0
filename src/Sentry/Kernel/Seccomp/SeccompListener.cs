using System.Runtime.InteropServices;
using AppKernel.Sentry.FileSystems.Anon;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.Kernel.Seccomp;

/// <summary>
/// SECCOMP_FILTER_FLAG_NEW_LISTENER's fd: a call its filter answers with RET_USER_NOTIF waits here until the
/// supervisor receives it (NOTIF_RECV), maybe adds fds to the caller (NOTIF_ADDFD) and replies (NOTIF_SEND) with a
/// result or "continue". Closing the fd fails the waiting calls and every later one with ENOSYS, as Linux's.
/// </summary>
public sealed class SeccompListener : FileDescription
{
    public const uint SECCOMP_IOCTL_NOTIF_RECV = 0xc0502100, SECCOMP_IOCTL_NOTIF_SEND = 0xc0182101,
        SECCOMP_IOCTL_NOTIF_ID_VALID = 0x40082102, SECCOMP_IOCTL_NOTIF_ADDFD = 0x40182103;
    public const uint SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;
    const uint SECCOMP_ADDFD_FLAG_SETFD = 1, SECCOMP_ADDFD_FLAG_SEND = 2;
    /// <summary>struct seccomp_notif, seccomp_notif_resp and seccomp_data's sizes (SECCOMP_GET_NOTIF_SIZES).</summary>
    public const int NotifSize = 80, RespSize = 24, AddFdSize = 24;

    enum State { Init, Sent, Replied }

    sealed class Notif(ulong id, Task task, SeccompData data)
    {
        public readonly ulong Id = id;
        public readonly Task Task = task;
        public readonly SeccompData Data = data;
        public State State;
        public long Val;
        public int Error;
        public uint Flags;
    }

    readonly List<Notif> _notifs = new();
    readonly WaitQueue _waiters = new();
    // Linux starts the ids at a random number, so a supervisor cannot guess them.
    ulong _nextId = (ulong)Random.Shared.NextInt64();
    bool _closed;

    public SeccompListener() : base(OpenFlags.O_RDWR, default, new AnonInode()) { }

    public override WaitQueue? Waiters => _waiters;
    public override bool Seekable => false;
    public override string DisplayName(Task t) => "anon_inode:seccomp notify";
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;

    /// <summary>RET_USER_NOTIF for t's call: waits for the reply. Null when the supervisor says to run the call.</summary>
    public long? Notify(Task t, in SeccompData d)
    {
        lock (this)
        {
            if (_closed) return -(long)Errno.ENOSYS;
            var n = new Notif(_nextId++, t, d);
            _notifs.Add(n);
            Monitor.PulseAll(this);
            _waiters.Notify();
            try
            {
                while (n.State != State.Replied)
                {
                    if (_closed) return -(long)Errno.ENOSYS;
                    if (!t.Sleep(this)) return Task.RestartSys;
                }
            }
            finally
            {
                _notifs.Remove(n);
                _waiters.Notify();
            }
            if ((n.Flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE) != 0) return null;
            return n.Error != 0 ? n.Error : n.Val;
        }
    }

    public override long Ioctl(Task t, uint cmd, ulong arg) => cmd switch
    {
        SECCOMP_IOCTL_NOTIF_RECV => Recv(t, arg),
        SECCOMP_IOCTL_NOTIF_SEND => Send(t, arg),
        SECCOMP_IOCTL_NOTIF_ID_VALID => IdValid(t, arg),
        SECCOMP_IOCTL_NOTIF_ADDFD => AddFd(t, arg),
        _ => -(long)Errno.EINVAL,
    };

    long Recv(Task t, ulong arg)
    {
        // The struct must come zeroed (it may grow).
        var buf = new byte[NotifSize];
        if (!t.Mem.Read(arg, buf)) return -(long)Errno.EFAULT;
        if (Array.Exists(buf, b => b != 0)) return -(long)Errno.EINVAL;
        lock (this)
        {
            Notif? n;
            while ((n = _notifs.Find(x => x.State == State.Init)) == null)
                if (!t.Sleep(this)) return Task.RestartSys;
            BitConverter.TryWriteBytes(buf.AsSpan(0), n.Id);
            BitConverter.TryWriteBytes(buf.AsSpan(8), n.Task.Tid);
            var data = n.Data;
            MemoryMarshal.Write(buf.AsSpan(16), in data);
            if (!t.Mem.Write(arg, buf)) return -(long)Errno.EFAULT; // stays to be received again
            n.State = State.Sent;
            _waiters.Notify();
            return 0;
        }
    }

    long Send(Task t, ulong arg)
    {
        var buf = new byte[RespSize];
        if (!t.Mem.Read(arg, buf)) return -(long)Errno.EFAULT;
        ulong id = BitConverter.ToUInt64(buf, 0);
        long val = BitConverter.ToInt64(buf, 8);
        int error = BitConverter.ToInt32(buf, 16);
        uint flags = BitConverter.ToUInt32(buf, 20);
        if ((flags & ~SECCOMP_USER_NOTIF_FLAG_CONTINUE) != 0) return -(long)Errno.EINVAL;
        if ((flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE) != 0 && (error != 0 || val != 0)) return -(long)Errno.EINVAL;
        lock (this)
        {
            var n = _notifs.Find(x => x.Id == id);
            if (n == null) return -(long)Errno.ENOENT;
            if (n.State != State.Sent) return -(long)Errno.EINPROGRESS;
            Reply(n, val, error, flags);
            return 0;
        }
    }

    void Reply(Notif n, long val, int error, uint flags)
    {
        n.State = State.Replied;
        n.Val = val;
        n.Error = error;
        n.Flags = flags;
        Monitor.PulseAll(this);
        n.Task.WakeUp();
        _waiters.Notify();
    }

    long IdValid(Task t, ulong arg)
    {
        if (!t.Mem.Read(arg, out ulong id)) return -(long)Errno.EFAULT;
        lock (this) return _notifs.Exists(x => x.Id == id && x.State == State.Sent) ? 0 : -(long)Errno.ENOENT;
    }

    /// <summary>NOTIF_ADDFD: installs one of the supervisor's files in the waiting task (at newfd with SETFD);
    /// with SEND the call also returns the new fd.</summary>
    long AddFd(Task t, ulong arg)
    {
        var buf = new byte[AddFdSize];
        if (!t.Mem.Read(arg, buf)) return -(long)Errno.EFAULT;
        ulong id = BitConverter.ToUInt64(buf, 0);
        uint flags = BitConverter.ToUInt32(buf, 8), srcfd = BitConverter.ToUInt32(buf, 12), newfd = BitConverter.ToUInt32(buf, 16),
            newfdFlags = BitConverter.ToUInt32(buf, 20);
        if ((flags & ~(SECCOMP_ADDFD_FLAG_SETFD | SECCOMP_ADDFD_FLAG_SEND)) != 0) return -(long)Errno.EINVAL;
        if ((newfdFlags & ~(uint)OpenFlags.O_CLOEXEC) != 0) return -(long)Errno.EINVAL;
        if (newfd != 0 && (flags & SECCOMP_ADDFD_FLAG_SETFD) == 0) return -(long)Errno.EINVAL;
        using var src = t.Fds.Borrow((int)srcfd);
        if (src.File == null) return -(long)Errno.EBADF;
        lock (this)
        {
            var n = _notifs.Find(x => x.Id == id);
            if (n == null) return -(long)Errno.ENOENT;
            if (n.State != State.Sent) return -(long)Errno.EINPROGRESS;
            var target = n.Task;
            bool cloexec = (newfdFlags & OpenFlags.O_CLOEXEC) != 0;
            src.File.IncRef();
            long fd;
            if ((flags & SECCOMP_ADDFD_FLAG_SETFD) != 0)
            {
                if (newfd >= (uint)target.Limits.NoFile) { src.File.DecRef(); return -(long)Errno.EBADF; }
                target.Fds.InstallAt((int)newfd, src.File, cloexec);
                fd = newfd;
            }
            else
            {
                fd = target.Fds.Install(src.File, cloexec, 0, target.Limits.NoFile);
                if (fd < 0) { src.File.DecRef(); return fd; }
            }
            if ((flags & SECCOMP_ADDFD_FLAG_SEND) != 0) Reply(n, fd, 0, 0);
            return fd;
        }
    }

    public override short Readiness(short events)
    {
        lock (this)
        {
            short r = 0;
            if (_notifs.Exists(x => x.State == State.Init)) r |= (short)(events & (POLLIN | POLLRDNORM));
            if (_notifs.Exists(x => x.State == State.Sent)) r |= (short)(events & (POLLOUT | POLLWRNORM));
            return r;
        }
    }

    protected override void Release()
    {
        lock (this)
        {
            _closed = true;
            foreach (var n in _notifs) n.Task.WakeUp();
            Monitor.PulseAll(this);
        }
    }
}
