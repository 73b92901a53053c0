using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Anon;

/// <summary>eventfd: a 64-bit counter. read takes it all (or 1 in semaphore mode), write adds; both block.</summary>
public sealed class EventFd : FileDescription
{
    const ulong Max = 0xffff_ffff_ffff_fffe;
    ulong _count;
    readonly bool _semaphore;

    public EventFd(ulong initial, int flags, bool semaphore) : base(OpenFlags.O_RDWR | flags, default, new AnonInode())
    {
        _count = initial;
        _semaphore = semaphore;
    }

    readonly WaitQueue _waiters = new();
    public override WaitQueue? Waiters => _waiters;
    public override bool Seekable => false;
    public override int ReadRecordSize => 8;
    public override string DisplayName(Task t) => "anon_inode:[eventfd]";
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;

    public override long Read(Task t, Span<byte> buf)
    {
        if (buf.Length < 8) return -(long)Errno.EINVAL;
        lock (this)
        {
            bool interrupted = false;
            while (_count == 0)
            {
                if ((Flags & OpenFlags.O_NONBLOCK) != 0) return -(long)Errno.EAGAIN;
                if (interrupted) return Task.RestartSys;
                interrupted = !t.Sleep(this);
            }
            ulong v = _semaphore ? 1 : _count;
            _count -= v;
            BitConverter.TryWriteBytes(buf, v);
            Monitor.PulseAll(this);
            _waiters.Notify();
            return 8;
        }
    }

    public override long Write(Task t, ReadOnlySpan<byte> buf)
    {
        if (buf.Length < 8) return -(long)Errno.EINVAL;
        ulong v = BitConverter.ToUInt64(buf);
        if (v == ulong.MaxValue) return -(long)Errno.EINVAL;
        lock (this)
        {
            bool interrupted = false;
            while (Max - _count < v)
            {
                if ((Flags & OpenFlags.O_NONBLOCK) != 0) return -(long)Errno.EAGAIN;
                if (interrupted) return Task.RestartSys;
                interrupted = !t.Sleep(this);
            }
            _count += v;
            Monitor.PulseAll(this);
            _waiters.Notify();
            return 8;
        }
    }

    /// <summary>eventfd_signal: adds n without blocking (a kernel producer: AIO's IOCB_FLAG_RESFD), saturating.</summary>
    public void Signal(ulong n)
    {
        lock (this)
        {
            _count = Max - _count < n ? Max : _count + n;
            Monitor.PulseAll(this);
            _waiters.Notify();
        }
    }

    public override short Readiness(short events)
    {
        lock (this)
        {
            short r = 0;
            if (_count > 0) r |= (short)(events & (POLLIN | POLLRDNORM));
            if (_count < Max) r |= (short)(events & (POLLOUT | POLLWRNORM));
            return r;
        }
    }
}
