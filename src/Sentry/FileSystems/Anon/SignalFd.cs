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
    static readonly int SignalfdSize = System.Runtime.CompilerServices.Unsafe.SizeOf<SignalfdSiginfo>();

    public override long Write(Task t, ReadOnlySpan<byte> buf) => -(long)Errno.EINVAL;

    public override long Read(Task t, Span<byte> buf)
    {
        if (buf.Length < SignalfdSize) return -(long)Errno.EINVAL;
        int done = 0;
        lock (t.Signals.Queue)
        {
            bool interrupted = false;
            while (true)
            {
                while (done + SignalfdSize <= buf.Length && t.TakeSignal(~Mask, out int sig, out var info))
                {
                    Convert(sig, info, buf.Slice(done, SignalfdSize));
                    done += SignalfdSize;
                }
                if (done > 0) return done;
                if ((Flags & OpenFlags.O_NONBLOCK) != 0) return -(long)Errno.EAGAIN;
                if (interrupted) return Task.RestartSys;
                interrupted = !t.Sleep(t.Signals.Queue);
            }
        }
    }

    /// <summary>A queued siginfo as struct signalfd_siginfo: the fields that signal carries.</summary>
    static void Convert(int sig, byte[] si, Span<byte> o)
    {
        var from = System.Runtime.InteropServices.MemoryMarshal.Read<SigInfo>(si);
        var to = new SignalfdSiginfo
        {
            Signo = (uint)sig, Errno = from.Errno, Code = from.Code, Pid = (uint)from.Pid, Uid = (uint)from.Uid,
            Int = (int)from.Value, Ptr = from.Value,
        };
        if (sig == Task.SIGCHLD) to.Status = from.Status;
        if (sig is Task.SIGSEGV or Task.SIGBUS or Task.SIGILL or Task.SIGFPE) to.Addr = from.Addr;
        System.Runtime.InteropServices.MemoryMarshal.Write(o, in to);
    }

    public override short Readiness(short events) =>
        (_owner.Signals.PendingMask() & Mask) != 0 ? (short)(events & (POLLIN | POLLRDNORM)) : (short)0;
}
