using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.DevPts;

/// <summary>An open master (from /dev/ptmx). Its last close hangs the terminal up.</summary>
public sealed class PtyMaster : FileDescription
{
    public Terminal Terminal { get; }

    public PtyMaster(Terminal terminal, int flags, VfsPath path, Inode inode) : base(flags, path, inode) => Terminal = terminal;

    public override bool Seekable => false;
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;
    public override long Read(Task t, Span<byte> buf) => Terminal.MasterRead(t, buf, (Flags & OpenFlags.O_NONBLOCK) != 0);
    public override long Write(Task t, ReadOnlySpan<byte> buf) => Terminal.MasterWrite(t, buf, (Flags & OpenFlags.O_NONBLOCK) != 0);
    public override short Readiness(short events) => Terminal.MasterReadiness(events);
    public override WaitQueue? Waiters => Terminal.MasterWaiters;
    public override long Ioctl(Task t, uint cmd, ulong arg) => Terminal.Ioctl(t, this, master: true, cmd, arg);
    protected override void Release() => Terminal.CloseMaster(Terminal.Fs.Kernel);
}

/// <summary>An open replica (/dev/pts/N, TIOCGPTPEER, or /dev/tty for one's controlling terminal).</summary>
public sealed class PtyReplica : FileDescription
{
    public Terminal Terminal { get; }

    public PtyReplica(Terminal terminal, int flags, VfsPath path, Inode inode) : base(flags, path, inode) => Terminal = terminal;

    public override bool Seekable => false;
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;
    public override long Read(Task t, Span<byte> buf) => Terminal.ReplicaRead(t, buf, (Flags & OpenFlags.O_NONBLOCK) != 0);
    public override long ReadNothing(Task t) => Terminal.HungUp ? 0 : Math.Min(0, t.TerminalAccess(Terminal, Task.SIGTTIN));
    public override long Write(Task t, ReadOnlySpan<byte> buf) => Terminal.ReplicaWrite(t, buf, (Flags & OpenFlags.O_NONBLOCK) != 0);
    public override short Readiness(short events) => Terminal.ReplicaReadiness(events);
    public override WaitQueue? Waiters => Terminal.ReplicaWaiters;
    public override long Ioctl(Task t, uint cmd, ulong arg) => Terminal.Ioctl(t, this, master: false, cmd, arg);
    protected override void Release() => Terminal.CloseReplica();
}
