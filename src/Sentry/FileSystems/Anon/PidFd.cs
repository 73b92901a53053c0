using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Anon;

/// <summary>A pidfd (pidfd_open, clone's CLONE_PIDFD): names one process for pidfd_send_signal; it polls readable
/// once that process has exited, which its task's ExitWaiters tell pollers.</summary>
public sealed class PidFd : FileDescription
{
    public Task Target { get; }

    public PidFd(Task target, int flags) : base(OpenFlags.O_RDWR | flags, default, new AnonInode()) => Target = target;

    /// <summary>Whether the process is gone: a zombie, or reaped.</summary>
    public bool Gone => Target.Zombie || Target.Exited;

    public override bool Seekable => false;
    public override string DisplayName(Task t) => "anon_inode:[pidfd]";
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;
    public override long Read(Task t, Span<byte> buf) => -(long)Errno.EINVAL;
    public override long Write(Task t, ReadOnlySpan<byte> buf) => -(long)Errno.EINVAL;
    public override short Readiness(short events) => Gone ? (short)(events & (POLLIN | POLLRDNORM)) : (short)0;
    public override WaitQueue? Waiters => Target.ExitWaiters;
}
