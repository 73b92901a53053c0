using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Anon;

/// <summary>signalfd: reading takes the reader's pending signals in Mask as struct signalfd_siginfo (128 bytes each).</summary>
public sealed class SignalFd : FileDescription
{
    public ulong Mask;
    readonly Task _owner;

    public SignalFd(Task owner, ulong mask, int flags) : base(OpenFlags.O_RDWR | flags, default, new AnonInode())
    {
        _owner = owner;
        Mask = mask & ~SignalState.Unblockable;
    }

    public override WaitQueue? Waiters => _owner.Signals.Waiters;
    public override bool Seekable => false;
    public override int ReadRecordSize => 128;
    public override string DisplayName(Task t) => "anon_inode:[signalfd]";
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;
    public override long Write(Task t, ReadOnlySpan<byte> buf) => -(long)Errno.EINVAL;

    public override long Read(Task t, Span<byte> buf)
    {
        if (buf.Length < 128) return -(long)Errno.EINVAL;
        int done = 0;
        lock (t.Signals.Queue)
        {
            bool interrupted = false;
            while (true)
            {
                while (done + 128 <= buf.Length && t.TakeSignal(~Mask, out int sig, out var info))
                {
                    Convert(sig, info, buf.Slice(done, 128));
                    done += 128;
                }
                if (done > 0) return done;
                if ((Flags & OpenFlags.O_NONBLOCK) != 0) return -(long)Errno.EAGAIN;
                if (interrupted) return Task.RestartSys;
                interrupted = !t.Sleep(t.Signals.Queue);
            }
        }
    }

    // siginfo → signalfd_siginfo: signo, errno, code, pid, uid, fd, tid, band, overrun, trapno, status, int, ptr, utime, stime, addr.
    static void Convert(int sig, byte[] si, Span<byte> o)
    {
        o.Clear();
        BitConverter.TryWriteBytes(o, sig);
        BitConverter.TryWriteBytes(o[4..], BitConverter.ToInt32(si, 4));
        int code = BitConverter.ToInt32(si, 8);
        BitConverter.TryWriteBytes(o[8..], code);
        BitConverter.TryWriteBytes(o[12..], BitConverter.ToInt32(si, 16));  // pid
        BitConverter.TryWriteBytes(o[16..], BitConverter.ToInt32(si, 20));  // uid
        if (sig == Task.SIGCHLD) BitConverter.TryWriteBytes(o[40..], BitConverter.ToInt32(si, 24)); // status
        BitConverter.TryWriteBytes(o[44..], BitConverter.ToInt32(si, 24));  // ssi_int (sigqueue value)
        BitConverter.TryWriteBytes(o[48..], BitConverter.ToUInt64(si, 24)); // ssi_ptr
        if (sig is Task.SIGSEGV or Task.SIGBUS or Task.SIGILL or Task.SIGFPE) BitConverter.TryWriteBytes(o[72..], BitConverter.ToUInt64(si, 16));
    }

    public override short Readiness(short events) =>
        (_owner.Signals.PendingMask() & Mask) != 0 ? (short)(events & (POLLIN | POLLRDNORM)) : (short)0;
}
