using AppKernel.Platform;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;
using static AppKernel.Sentry.Vfs.InotifyMask;

namespace AppKernel.Sentry.FileSystems.Anon;

/// <summary>
/// An inotify instance: its watches (by descriptor) and its queue of events, read as struct inotify_event records
/// (wd, mask, cookie, len, then the name NUL-padded to a multiple of 16). As Linux: an event equal to the one at
/// the queue's tail is merged into it, and past max_queued_events one IN_Q_OVERFLOW takes the place of the rest.
/// </summary>
public sealed class InotifyFile : FileDescription, IWatchOwner
{
    public const int MaxQueuedEvents = 16384;
    const int HeaderSize = 16;
    const uint FIONREAD = 0x541b;

    readonly record struct Event(int Wd, uint Mask, uint Cookie, byte[]? Name)
    {
        public int Size => HeaderSize + (Name == null ? 0 : PaddedLen(Name.Length));
    }

    static int PaddedLen(int nameBytes) => (nameBytes + 1 + HeaderSize - 1) / HeaderSize * HeaderSize;

    readonly Queue<Event> _events = new();
    Event? _tail;
    int _queuedBytes;
    readonly Dictionary<int, InotifyWatch> _watches = new();
    int _nextWd = 1;
    readonly WaitQueue _waiters = new();

    public InotifyFile(int flags) : base(OpenFlags.O_RDONLY | flags, default, new AnonInode()) { }

    public override WaitQueue? Waiters => _waiters;
    public override bool Seekable => false;
    public override int ReadRecordSize => HeaderSize;
    public override string DisplayName(Task t) => "anon_inode:inotify";
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;

    /// <summary>inotify_add_watch on a resolved inode: the existing watch's descriptor (its mask replaced, or
    /// added to with IN_MASK_ADD), or a new one.</summary>
    public long AddWatch(Inode inode, uint mask)
    {
        InotifyWatch? existing = null;
        var ws = inode.Watches;
        if (ws != null)
            lock (ws) existing = ws.FirstOrDefault(w => w.Owner == this);
        lock (this)
        {
            if (existing != null && _watches.ContainsKey(existing.Wd))
            {
                if ((mask & IN_MASK_CREATE) != 0) return -(long)Errno.EEXIST;
                uint keep = (mask & IN_MASK_ADD) != 0 ? existing.Mask : 0;
                existing.Mask = keep | (mask & ~(IN_MASK_ADD | IN_MASK_CREATE));
                return existing.Wd;
            }
            var w = new InotifyWatch(this, _nextWd++, inode, mask & ~(IN_MASK_ADD | IN_MASK_CREATE));
            _watches[w.Wd] = w;
            Fsnotify.Attach(w);
            return w.Wd;
        }
    }

    /// <summary>inotify_rm_watch: EINVAL for a descriptor this instance does not have.</summary>
    public Errno RemoveWatch(int wd)
    {
        InotifyWatch? w;
        lock (this)
            if (!_watches.TryGetValue(wd, out w)) return Errno.EINVAL;
        RemoveWatch(w, ignored: true);
        return Errno.None;
    }

    /// <summary>Ends a watch (rm_watch, IN_ONESHOT, its inode gone); IN_IGNORED is queued once.</summary>
    public void RemoveWatch(InotifyWatch w, bool ignored)
    {
        bool mine;
        lock (this) mine = _watches.Remove(w.Wd);
        if (!mine) return;
        Fsnotify.Detach(w);
        if (ignored) Queue(w.Wd, IN_IGNORED, 0, null);
    }

    public void Queue(int wd, uint mask, uint cookie, string? name)
    {
        lock (this)
        {
            var e = new Event(wd, mask, cookie, name == null ? null : LinuxText.Encode(name));
            // (_tail is null whenever the queue is empty.)
            if (_tail is { } last && last.Wd == e.Wd && last.Mask == e.Mask && last.Cookie == e.Cookie &&
                (last.Name == null ? e.Name == null : e.Name != null && last.Name.AsSpan().SequenceEqual(e.Name)))
                return;
            if (_events.Count >= MaxQueuedEvents)
            {
                if (_tail is { Mask: IN_Q_OVERFLOW }) return;
                e = new Event(-1, IN_Q_OVERFLOW, 0, null);
            }
            _events.Enqueue(e);
            _tail = e;
            _queuedBytes += e.Size;
            Monitor.PulseAll(this);
        }
        _waiters.Notify();
    }

    public override long Read(Task t, Span<byte> buf)
    {
        lock (this)
        {
            bool interrupted = false;
            while (_events.Count == 0)
            {
                if ((Flags & OpenFlags.O_NONBLOCK) != 0) return -(long)Errno.EAGAIN;
                if (interrupted) return Task.RestartSys;
                interrupted = !t.Sleep(this);
            }
            if (_events.Peek().Size > buf.Length) return -(long)Errno.EINVAL;
            int n = 0;
            while (_events.TryPeek(out var e) && n + e.Size <= buf.Length)
            {
                var rec = buf.Slice(n, e.Size);
                rec.Clear();
                BitConverter.TryWriteBytes(rec, e.Wd);
                BitConverter.TryWriteBytes(rec[4..], e.Mask);
                BitConverter.TryWriteBytes(rec[8..], e.Cookie);
                BitConverter.TryWriteBytes(rec[12..], e.Size - HeaderSize);
                e.Name?.CopyTo(rec[HeaderSize..]);
                n += e.Size;
                _queuedBytes -= e.Size;
                _events.Dequeue();
            }
            if (_events.Count == 0) _tail = null;
            return n;
        }
    }

    public override long Write(Task t, ReadOnlySpan<byte> buf) => -(long)Errno.EINVAL;

    public override long Ioctl(Task t, uint cmd, ulong arg)
    {
        if (cmd != FIONREAD) return -(long)Errno.ENOTTY;
        int n;
        lock (this) n = _queuedBytes;
        return t.Mem.Write(arg, n) ? 0 : -(long)Errno.EFAULT;
    }

    public override short Readiness(short events)
    {
        lock (this) return _events.Count > 0 ? (short)(events & (POLLIN | POLLRDNORM)) : (short)0;
    }

    protected override void Release()
    {
        InotifyWatch[] all;
        lock (this)
        {
            all = _watches.Values.ToArray();
            _watches.Clear();
        }
        foreach (var w in all) Fsnotify.Detach(w);
    }
}
