using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Anon;

/// <summary>timerfd: reading returns the number of expirations since the last read (blocking until one).</summary>
public sealed class TimerFd : FileDescription
{
    readonly IntervalTimer _timer;
    ulong _expirations;

    public TimerFd(int flags) : base(OpenFlags.O_RDWR | flags, default, new AnonInode())
    {
        _timer = new IntervalTimer(n => { lock (this) { _expirations += (ulong)n; Monitor.PulseAll(this); _waiters.Notify(); } });
    }

    public IntervalTimer Timer => _timer;
    /// <summary>The clock absolute times are read from (CLOCK_REALTIME 0, MONOTONIC 1, BOOTTIME 7).</summary>
    public int Clock { get; init; } = 1;
    readonly WaitQueue _waiters = new();
    public override WaitQueue? Waiters => _waiters;
    public override bool Seekable => false;
    public override int ReadRecordSize => 8;
    public override string DisplayName(Task t) => "anon_inode:[timerfd]";
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;
    public override long Write(Task t, ReadOnlySpan<byte> buf) => -(long)Errno.EINVAL;

    public override long Read(Task t, Span<byte> buf)
    {
        if (buf.Length < 8) return -(long)Errno.EINVAL;
        lock (this)
        {
            bool interrupted = false;
            _timer.Poll();
            while (_expirations == 0)
            {
                if ((Flags & OpenFlags.O_NONBLOCK) != 0) return -(long)Errno.EAGAIN;
                if (interrupted) return Task.RestartSys;
                interrupted = !t.Sleep(this);
            }
            BitConverter.TryWriteBytes(buf, _expirations);
            _expirations = 0;
            return 8;
        }
    }

    /// <summary>Re-arming forgets expirations not yet read.</summary>
    public void ClearExpirations()
    {
        lock (this) _expirations = 0;
    }

    public override short Readiness(short events)
    {
        _timer.Poll();
        lock (this) return _expirations > 0 ? (short)(events & (POLLIN | POLLRDNORM)) : (short)0;
    }

    protected override void Release() => _timer.Set(0, 0);
}
