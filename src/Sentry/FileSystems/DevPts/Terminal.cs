using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.TermiosFlags;

namespace AppKernel.Sentry.FileSystems.DevPts;

/// <summary>
/// One pseudo-terminal: the master (/dev/ptmx) and the replica (/dev/pts/N) around a <see cref="LineDiscipline"/>.
/// Everything here is guarded by <see cref="Gate"/>, a file's own lock in the kernel's lock order (the process tree
/// lock comes before it); readers and writers sleep on it. The terminal is also a controlling terminal: the session
/// it belongs to and its foreground process group (the processes that have it are in <see cref="Task.Tty"/>).
/// </summary>
public sealed partial class Terminal
{
    public readonly object Gate = new();
    public readonly LineDiscipline Ld = new();
    public int Index { get; }
    public DevPtsFs Fs { get; }
    /// <summary>/dev/pts/N.</summary>
    public ReplicaNode Node { get; }

    /// <summary>The session this is the controlling terminal of, and its foreground group (0: none).</summary>
    public volatile int Session, ForegroundGroup;
    public WinSize Size;
    /// <summary>TIOCSPTLCK: the replica cannot be opened until unlockpt.</summary>
    public bool Locked = true;
    /// <summary>TIOCEXCL on the replica: further opens are EBUSY without CAP_SYS_ADMIN.</summary>
    public bool Exclusive;
    int _replicas;
    /// <summary>Every replica file was closed after one was opened (Linux's TTY_OTHER_CLOSED on the master):
    /// a master read with nothing buffered is EIO, and the master polls POLLHUP.</summary>
    bool _replicaClosed;
    /// <summary>The master is gone: the replica is hung up (reads 0, writes EIO) and its node removed.</summary>
    public bool HungUp { get; private set; }
    /// <summary>TCOOFF on the master: its writes wait.</summary>
    bool _masterStopped;

    public readonly WaitQueue MasterWaiters = new(), ReplicaWaiters = new();

    public Terminal(DevPtsFs fs, int index, uint uid, uint gid)
    {
        Fs = fs;
        Index = index;
        Node = new ReplicaNode(this, uid, gid);
    }

    /// <summary>Wakes sleepers on the gate and pollers of both ends (the caller holds the gate).</summary>
    void Changed()
    {
        Monitor.PulseAll(Gate);
        MasterWaiters.Notify();
        ReplicaWaiters.Notify();
    }

    // ---- the replica ----

    public Errno OpenReplica(Task t)
    {
        lock (Gate)
        {
            if (HungUp || Locked) return Errno.EIO;
            if (Exclusive && !t.Creds.Has(Credentials.CAP_SYS_ADMIN)) return Errno.EBUSY;
            _replicas++;
            _replicaClosed = false;
            return Errno.None;
        }
    }

    public void CloseReplica()
    {
        lock (Gate)
        {
            if (--_replicas == 0) _replicaClosed = true;
            Changed();
        }
    }

    /// <summary>n_tty_read: a canonical line, or VMIN/VTIME's rules for raw input. A background reader is stopped
    /// with SIGTTIN first (job control).</summary>
    public long ReplicaRead(Task t, Span<byte> dst, bool nonblock)
    {
        if (HungUp) return 0;
        long jc = t.TerminalAccess(this, Task.SIGTTIN);
        if (jc < 0) return jc;
        lock (Gate)
        {
            int minimum = 0, time = 0;
            long timeout = long.MaxValue; // ms
            if (!Ld.Canonical)
            {
                minimum = Ld.Vmin;
                if (minimum != 0) time = Ld.Vtime * 100;
                else { timeout = Ld.Vtime * 100; minimum = 1; }
            }
            int copied = 0;
            while (copied < dst.Length)
            {
                if (!Ld.InputAvailable(false))
                {
                    // A reader that was waiting when the master went sees EIO (TTY_OTHER_CLOSED); later reads see 0.
                    if (HungUp) return copied > 0 ? copied : -(long)Errno.EIO;
                    if (timeout == 0) break;
                    if (nonblock) return copied > 0 ? copied : -(long)Errno.EAGAIN;
                    if (copied > 0 && t.SignalPending) break;
                    long start = Environment.TickCount64;
                    int ms = timeout == long.MaxValue ? Timeout.Infinite : (int)Math.Min(timeout, int.MaxValue);
                    if (!t.Sleep(Gate, ms)) return copied > 0 ? copied : Task.RestartSys;
                    if (timeout != long.MaxValue) timeout = Math.Max(0, timeout - (Environment.TickCount64 - start));
                    continue;
                }
                if (Ld.Canonical)
                {
                    copied += Ld.ReadLine(dst[copied..]);
                    TakeMoreInput();
                    break;
                }
                copied += Ld.ReadRaw(dst[copied..]);
                TakeMoreInput();
                if (copied >= minimum) break;
                if (time != 0) timeout = time;
            }
            return copied;
        }
    }

    /// <summary>Room was made in the read buffer: the master's pending bytes move in (they may raise signals).</summary>
    void TakeMoreInput()
    {
        var signals = new List<int>();
        Ld.ProcessInput(signals);
        Changed();
        SignalForeground(signals);
    }

    /// <summary>n_tty_write: processed output for the master; with TOSTOP a background writer gets SIGTTOU.</summary>
    public long ReplicaWrite(Task t, ReadOnlySpan<byte> src, bool nonblock)
    {
        if (HungUp) return -(long)Errno.EIO;
        if ((Ld.Termios.Lflag & TOSTOP) != 0)
        {
            long jc = t.TerminalAccess(this, Task.SIGTTOU);
            if (jc < 0) return jc;
        }
        lock (Gate)
        {
            int done = 0;
            while (true)
            {
                if (HungUp) return done > 0 ? done : -(long)Errno.EIO;
                int n = Ld.Write(src[done..]);
                done += n;
                if (n > 0) Changed();
                if (done == src.Length) return done;
                if (nonblock) return done > 0 ? done : -(long)Errno.EAGAIN;
                if (!t.Sleep(Gate)) return done > 0 ? done : Task.RestartSys;
            }
        }
    }

    public short ReplicaReadiness(short events)
    {
        const short all = FileDescription.POLLIN | FileDescription.POLLOUT | FileDescription.POLLERR |
            FileDescription.POLLHUP | FileDescription.POLLRDNORM | FileDescription.POLLWRNORM;
        lock (Gate)
        {
            if (HungUp) return (short)(all & (events | FileDescription.POLLERR | FileDescription.POLLHUP));
            short r = 0;
            if (Ld.InputAvailable(true)) r |= FileDescription.POLLIN | FileDescription.POLLRDNORM;
            if (Ld.OutputRoom && !Ld.Stopped) r |= FileDescription.POLLOUT | FileDescription.POLLWRNORM;
            return (short)(r & events);
        }
    }

    // ---- the master ----

    /// <summary>Reads processed output; in packet mode a pending status byte comes alone, data after a 0 byte.</summary>
    public long MasterRead(Task t, Span<byte> dst, bool nonblock)
    {
        lock (Gate)
        {
            while (true)
            {
                if (dst.Length == 0) return 0;
                if (Ld.Packet && Ld.PacketStatus != 0)
                {
                    dst[0] = Ld.PacketStatus;
                    Ld.PacketStatus = 0;
                    return 1;
                }
                if (Ld.OutputQueued > 0)
                {
                    int n = 0;
                    if (Ld.Packet) dst[n++] = TtyIoctl.TIOCPKT_DATA;
                    n += Ld.ReadOutput(dst[n..]);
                    Changed();
                    return n;
                }
                if (_replicaClosed) return -(long)Errno.EIO;
                if (nonblock) return -(long)Errno.EAGAIN;
                if (!t.Sleep(Gate)) return Task.RestartSys;
            }
        }
    }

    /// <summary>Input for the replica: echoed, turned into signals, and buffered as far as the discipline has room.</summary>
    public long MasterWrite(Task? t, ReadOnlySpan<byte> src, bool nonblock)
    {
        lock (Gate)
        {
            int done = 0;
            var signals = new List<int>();
            while (true)
            {
                int n = _masterStopped ? 0 : Ld.Receive(src[done..], signals);
                done += n;
                if (n > 0) Changed();
                SignalForeground(signals);
                signals.Clear();
                if (done == src.Length) return done;
                if (nonblock || t == null) return done > 0 ? done : -(long)Errno.EAGAIN;
                if (!t.Sleep(Gate)) return done > 0 ? done : Task.RestartSys;
            }
        }
    }

    public short MasterReadiness(short events)
    {
        lock (Gate)
        {
            short r = 0;
            if (Ld.OutputQueued > 0) r |= FileDescription.POLLIN | FileDescription.POLLRDNORM;
            if (Ld.Packet && Ld.PacketStatus != 0) r |= FileDescription.POLLPRI | FileDescription.POLLIN | FileDescription.POLLRDNORM;
            if (Ld.PendingFree > 0 && !_masterStopped) r |= FileDescription.POLLOUT | FileDescription.POLLWRNORM;
            if (_replicaClosed) r |= FileDescription.POLLHUP;
            return (short)(r & (events | FileDescription.POLLHUP));
        }
    }

    /// <summary>The master's last close hangs the replica up (Linux's tty_vhangup): its files read 0 and write EIO,
    /// every process loses it as controlling terminal, and the session leader gets SIGHUP and SIGCONT.</summary>
    public void CloseMaster(Kernel.Kernel kernel)
    {
        int session = Session;
        JobControl.Detach(kernel, this);
        lock (Gate)
        {
            HungUp = true;
            Session = 0;
            ForegroundGroup = 0;
            Changed();
        }
        Fs.Remove(this);
        if (session != 0 && kernel.FindTask(session) is { Zombie: false } leader && leader.Sid == session)
        {
            leader.SendSignal(Task.SIGHUP, Task.UserInfo(Task.SIGHUP, Task.SI_KERNEL, 0, 0));
            leader.SendSignal(Task.SIGCONT, Task.UserInfo(Task.SIGCONT, Task.SI_KERNEL, 0, 0));
        }
    }

    // ---- a master held by the Sentry itself (the host's terminal, HostConsole): no task, host threads wait ----

    /// <summary>Input typed on the host terminal: waits (on a host thread) until the discipline took all of it.</summary>
    public void HostInput(ReadOnlySpan<byte> src)
    {
        lock (Gate)
        {
            var signals = new List<int>();
            int done = 0;
            while (!HungUp)
            {
                int n = Ld.Receive(src[done..], signals);
                done += n;
                if (n > 0) Changed();
                SignalForeground(signals);
                signals.Clear();
                if (done == src.Length) return;
                Monitor.Wait(Gate, 100);
            }
        }
    }

    /// <summary>Output for the host terminal: waits up to timeoutMs for some; 0 when none came.</summary>
    public int HostOutput(Span<byte> dst, int timeoutMs)
    {
        lock (Gate)
        {
            if (Ld.OutputQueued == 0) Monitor.Wait(Gate, timeoutMs);
            int n = Ld.ReadOutput(dst);
            if (n > 0) Changed();
            return n;
        }
    }

    public bool OutputPending
    {
        get { lock (Gate) return Ld.OutputQueued > 0; }
    }

    /// <summary>Signals from special characters and window changes go to the foreground group (kill_pgrp, from the kernel).</summary>
    void SignalForeground(List<int> signals)
    {
        int fg = ForegroundGroup;
        if (fg == 0) return;
        foreach (int sig in signals) JobControl.SignalGroup(Fs.Kernel, fg, sig);
    }
}
