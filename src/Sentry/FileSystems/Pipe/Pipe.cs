using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Pipe;

/// <summary>An anonymous pipe's buffer: a ring of Capacity bytes; writes of at most PIPE_BUF bytes are atomic.</summary>
public sealed class PipeBuffer
{
    public const int PipeBuf = 4096;
    /// <summary>/proc/sys/fs/pipe-max-size: the largest capacity F_SETPIPE_SZ gives without CAP_SYS_RESOURCE.</summary>
    public const int PipeMaxSize = 1 << 20;
    readonly ByteQueue _q = new(65536);
    public int Readers, Writers;
    public readonly PipeInode Inode = new();
    /// <summary>Pollers of either end.</summary>
    public readonly WaitQueue Waiters = new();
    /// <summary>The ends that asked for SIGIO (O_ASYNC): readers hear of writes, writers of reads.</summary>
    public readonly FasyncList AsyncReaders = new(), AsyncWriters = new();

    public int Capacity => _q.Capacity;

    /// <summary>pipe(2)'s pair; the pipe belongs to its creator's file system ids.</summary>
    public static (PipeEnd Read, PipeEnd Write) Create(int flags, uint uid, uint gid)
    {
        var p = new PipeBuffer { Readers = 1, Writers = 1 };
        p.Inode.SetOwner(uid, gid);
        return (new PipeEnd(p, OpenFlags.O_RDONLY | flags, false), new PipeEnd(p, OpenFlags.O_WRONLY | flags, true));
    }

    public long SetCapacity(long size)
    {
        // 0 rounds up to one page, as Linux's round_pipe_size; past 2 GiB (a negative int) nothing rounds: EINVAL.
        // Past pipe-max-size needs CAP_SYS_RESOURCE, which a container lacks (Docker's, this host's root): EPERM.
        if (size < 0 || size > 1L << 31) return -(long)Errno.EINVAL;
        if (size > PipeMaxSize) return -(long)Errno.EPERM;
        int cap = 4096;
        while (cap < size) cap <<= 1;
        lock (this)
        {
            if (!_q.Resize(cap)) return -(long)Errno.EBUSY;
        }
        return cap;
    }

    public int Available { get { lock (this) return _q.Count; } }

    public short Readiness(bool writer, short events)
    {
        lock (this)
        {
            short r = 0;
            if (writer)
            {
                // Room is reported even with no reader left (the write will fail with EPIPE), as Linux's pipe_poll.
                if (_q.Free >= PipeBuf) r |= (short)(events & (FileDescription.POLLOUT | FileDescription.POLLWRNORM));
                if (Readers == 0) r |= FileDescription.POLLERR;
            }
            else
            {
                if (_q.Count > 0) r |= (short)(events & (FileDescription.POLLIN | FileDescription.POLLRDNORM));
                if (Writers == 0) r |= FileDescription.POLLHUP;
            }
            return r;
        }
    }

    public long Read(Task t, Span<byte> dst, bool nonblock)
    {
        lock (this)
        {
            bool interrupted = false;
            while (_q.Count == 0)
            {
                if (Writers == 0) return 0;
                if (nonblock) return -(long)Errno.EAGAIN;
                if (interrupted) return Task.RestartSys; // data that came meanwhile is read first
                interrupted = !t.Sleep(this);
            }
            int n = _q.Dequeue(dst);
            Monitor.PulseAll(this);
            Waiters.Notify();
            return n;
        }
    }

    public long Write(Task t, ReadOnlySpan<byte> src, bool nonblock)
    {
        lock (this)
        {
            long done = 0;
            while (done < src.Length)
            {
                if (Readers == 0)
                {
                    // SIGPIPE even after a partial write (Linux's pipe_write): the count is returned, the signal sent.
                    t.SendSignal(Task.SIGPIPE, Task.UserInfo(Task.SIGPIPE, Task.SI_USER, t.Tgid, t.Creds.Uid), shared: false);
                    return done > 0 ? done : -(long)Errno.EPIPE;
                }
                int free = _q.Free;
                int left = src.Length - (int)done;
                // PIPE_BUF atomicity: a small write waits until it fits whole.
                if (free == 0 || (left <= PipeBuf && free < left))
                {
                    if (nonblock) return done > 0 ? done : -(long)Errno.EAGAIN;
                    if (!t.Sleep(this)) return done > 0 ? done : Task.RestartSys;
                    continue;
                }
                int n = Math.Min(free, left);
                _q.Enqueue(src.Slice((int)done, n));
                done += n;
                Monitor.PulseAll(this);
                Waiters.Notify();
            }
            return done;
        }
    }

    const int Page = 4096;

    /// <summary>
    /// What a splice into this pipe may move now: Linux keeps a pipe's data in page slots and a spliced page takes
    /// a slot of its own, so the room is the free slots' pages, not the free bytes. Waits (interruptibly, unless
    /// nonblock) while every slot is in use, so nothing is taken from the source that could not be put here.
    /// </summary>
    public long WaitSpliceRoom(Task t, bool nonblock)
    {
        lock (this)
        {
            while (true)
            {
                int free = _q.Capacity / Page - (_q.Count + Page - 1) / Page;
                if (free > 0 || Readers == 0) return Math.Max(free, 1) * (long)Page; // no reader: the write says EPIPE
                if (nonblock) return -(long)Errno.EAGAIN;
                if (!t.Sleep(this)) return Task.RestartSys;
            }
        }
    }

    /// <summary>The pipe's free page slots (Linux keeps a pipe's data in page-sized buffers, one per slot).</summary>
    int FreeSlots => _q.Capacity / Page - (_q.Count + Page - 1) / Page;

    /// <summary>
    /// The output side of tee and vmsplice (Linux's wait_for_space and opipe_prep): without readers SIGPIPE and
    /// EPIPE; else waits (interruptibly, unless nonblock: EAGAIN) for a free slot and returns how many are free.
    /// </summary>
    public long WaitSlots(Task t, bool nonblock)
    {
        lock (this)
        {
            while (true)
            {
                if (Readers == 0)
                {
                    t.SendSignal(Task.SIGPIPE, Task.UserInfo(Task.SIGPIPE, Task.SI_USER, t.Tgid, t.Creds.Uid), shared: false);
                    return -(long)Errno.EPIPE;
                }
                int free = FreeSlots;
                if (free > 0) return free;
                if (nonblock) return -(long)Errno.EAGAIN;
                if (!t.Sleep(this)) return Task.RestartSys;
            }
        }
    }

    /// <summary>The input side of tee and vmsplice (Linux's ipipe_prep): waits while the pipe is empty; 1 when
    /// there is data, 0 at end of file (no writers), EAGAIN if nonblock.</summary>
    public long WaitReadable(Task t, bool nonblock)
    {
        lock (this)
        {
            while (_q.Count == 0)
            {
                if (Writers == 0) return 0;
                if (nonblock) return -(long)Errno.EAGAIN;
                if (!t.Sleep(this)) return Task.RestartSys;
            }
            return 1;
        }
    }

    /// <summary>tee: up to dst.Length of the queued bytes, left in the pipe.</summary>
    public int Peek(Span<byte> dst)
    {
        lock (this) return _q.Peek(dst);
    }

    /// <summary>Opens ever made of each end (Linux's r_counter/w_counter): a blocked FIFO open waits for the other
    /// side's count to move, so a partner that came (even one that has gone again) ends the wait.</summary>
    int _readerOpens, _writerOpens;

    /// <summary>A FIFO's open: counts the new end in, and (unless nonblock) waits for the other side. A partner that
    /// arrived wins over a signal that came at the same time (Linux's wait_for_partner): backing out then would
    /// leave that partner with an end that has already gone (a reader sees EOF, a writer waits forever).</summary>
    public Errno OpenEnd(Task t, bool reader, bool writer, bool nonblock)
    {
        lock (this)
        {
            if (writer && !reader && nonblock && Readers == 0) return Errno.ENXIO;
            if (reader) { Readers++; _readerOpens++; }
            if (writer) { Writers++; _writerOpens++; }
            Monitor.PulseAll(this);
            Waiters.Notify();
            if (nonblock || (reader && writer) || (reader ? Writers : Readers) > 0) return Errno.None;
            int seen = reader ? _writerOpens : _readerOpens;
            while ((reader ? _writerOpens : _readerOpens) == seen)
                if (!t.Sleep(this) && (reader ? _writerOpens : _readerOpens) == seen)
                {
                    if (reader) Readers--;
                    if (writer) Writers--;
                    return (Errno)(-Task.RestartSys);
                }
            return Errno.None;
        }
    }

    public void Close(bool writer)
    {
        lock (this)
        {
            if (writer) Writers--; else Readers--;
            if (Readers == 0 && Writers == 0) _q.Clear(); // a FIFO forgets its data when the last end closes
            Monitor.PulseAll(this);
            Waiters.Notify();
        }
    }
}

public sealed class PipeInode : SynthInode
{
    // A pipefs inode takes chmod and chown like any other (simple_setattr); its owner is the pipe's creator.
    uint _perm = 0x180, _uid, _gid;

    public PipeInode() { Dev = 0xc; }
    protected override uint TypeBits => InodeMode.S_IFIFO;
    public override uint Mode => TypeBits | Volatile.Read(ref _perm);

    public override Errno Stat(out LinuxStat st)
    {
        base.Stat(out st);
        (st.Uid, st.Gid) = (Volatile.Read(ref _uid), Volatile.Read(ref _gid));
        return Errno.None;
    }

    public override Errno SetMode(uint perm)
    {
        Volatile.Write(ref _perm, perm & 0xfff);
        return Errno.None;
    }

    public override Errno SetOwner(uint uid, uint gid)
    {
        if (uid != uint.MaxValue) Volatile.Write(ref _uid, uid);
        if (gid != uint.MaxValue) Volatile.Write(ref _gid, gid);
        return Errno.None;
    }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        return Errno.ENXIO;
    }
}

/// <summary>One end of a pipe (or both, for a FIFO opened O_RDWR).</summary>
public sealed class PipeEnd : FileDescription
{
    public PipeBuffer Pipe { get; }
    readonly bool _reader, _writer;

    public PipeEnd(PipeBuffer p, int flags, bool writer) : this(p, flags, default, p.Inode, !writer, writer) { }

    internal PipeEnd(PipeBuffer p, int flags, VfsPath path, Inode inode, bool reader, bool writer) : base(flags, path, inode)
    {
        Pipe = p;
        _reader = reader;
        _writer = writer;
    }

    public override bool Seekable => false;
    public override WaitQueue? Waiters => Pipe.Waiters;
    public override bool ReadFaultsWithRoom(ulong room) => (ulong)Pipe.Available > room;
    public override int WriteUnit => PipeBuffer.PipeBuf;
    // Every read and write ends by signalling the other side's O_ASYNC owners, whatever its result (Linux's pipe_read
    // and pipe_write call kill_fasync on the way out).
    public override long Read(Task t, Span<byte> buf)
    {
        if (!_reader) return -(long)Errno.EBADF;
        long n = Pipe.Read(t, buf, (Flags & OpenFlags.O_NONBLOCK) != 0);
        Pipe.AsyncWriters.Kill(FileAsync.POLL_OUT);
        return n;
    }

    public override long Write(Task t, ReadOnlySpan<byte> buf)
    {
        if (!_writer) return -(long)Errno.EBADF;
        if (buf.Length == 0) return 0;
        long n = Pipe.Write(t, buf, (Flags & OpenFlags.O_NONBLOCK) != 0);
        Pipe.AsyncReaders.Kill(FileAsync.POLL_IN);
        return n;
    }

    public override void SetAsync(int fd, Kernel.Kernel k, bool on)
    {
        if (_reader) Pipe.AsyncReaders.Set(this, fd, k, on);
        if (_writer) Pipe.AsyncWriters.Set(this, fd, k, on);
    }
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;
    public override string DisplayName(Task t) => Path.IsValid ? base.DisplayName(t) : $"pipe:[{Pipe.Inode.Ino}]";

    public override short Readiness(short events) =>
        (short)((_reader ? Pipe.Readiness(false, events) : 0) | (_writer ? Pipe.Readiness(true, events) : 0));

    public override long Ioctl(Task t, uint cmd, ulong arg)
    {
        if (cmd == 0x541b) // FIONREAD
            return t.Mem.Write(arg, Pipe.Available) ? 0 : -(long)Errno.EFAULT;
        return -(long)Errno.ENOTTY;
    }

    protected override void Release()
    {
        if (_reader) Pipe.Close(false);
        if (_writer) Pipe.Close(true);
        // The last end of one side went: the other side hears (EOF, or EPIPE), as Linux's pipe_release.
        if ((Pipe.Readers == 0) != (Pipe.Writers == 0))
        {
            Pipe.AsyncReaders.Kill(FileAsync.POLL_IN);
            Pipe.AsyncWriters.Kill(FileAsync.POLL_OUT);
        }
    }
}
