using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Anon;

/// <summary>
/// An epoll instance: the interest list. Each entry waits on its file's wait queue (Linux's ep_poll_callback): a
/// change of the file notifies this instance's own queue, where epoll_wait — and poll of the epoll fd — sleep.
/// Level-triggered by default; EPOLLET reports an entry once per change of its file (a new write to a pipe is a new
/// edge); EPOLLONESHOT disables an entry after one report until EPOLL_CTL_MOD.
/// </summary>
public sealed class Epoll : FileDescription
{
    public const uint EPOLLIN = 1, EPOLLPRI = 2, EPOLLOUT = 4, EPOLLERR = 8, EPOLLHUP = 0x10, EPOLLRDNORM = 0x40,
        EPOLLWRNORM = 0x100, EPOLLRDHUP = 0x2000, EPOLLEXCLUSIVE = 1u << 28, EPOLLWAKEUP = 1u << 29,
        EPOLLONESHOT = 1u << 30, EPOLLET = 1u << 31;
    /// <summary>What EPOLLEXCLUSIVE may come with (Linux's EPOLLEXCLUSIVE_OK_BITS).</summary>
    const uint ExclusiveOk = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
    public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    /// <summary>Linux's EP_MAX_NESTS: how deep epoll instances may watch each other.</summary>
    const int MaxNests = 4;

    sealed class Entry : IWaiter
    {
        public required Epoll Owner;
        public required FileDescription File;
        public uint Events;
        public ulong Data;
        public bool Disabled;
        /// <summary>The file changed since this entry last reported (what an edge-triggered entry reports on).</summary>
        public volatile bool Changed = true;

        public void Notify()
        {
            Changed = true;
            Owner._waiters.Notify();
        }
    }

    readonly Dictionary<(int Fd, FileDescription File), Entry> _entries = new();
    readonly WaitQueue _waiters = new();

    public Epoll(int flags) : base(OpenFlags.O_RDWR | flags, default, new AnonInode()) { }

    public override bool Seekable => false;
    public override WaitQueue? Waiters => _waiters;
    public override string DisplayName(Task t) => "anon_inode:[eventpoll]";
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;
    public override long Read(Task t, Span<byte> buf) => -(long)Errno.EINVAL;
    public override long Write(Task t, ReadOnlySpan<byte> buf) => -(long)Errno.EINVAL;

    /// <summary>The nth file registered under fd (kcmp's KCMP_EPOLL_TFD; a number can name several files after a dup
    /// and close), or null.</summary>
    public FileDescription? Target(int fd, int nth)
    {
        lock (_entries)
            return _entries.Keys.Where(k => k.Fd == fd).Select(k => k.File).Skip(nth).FirstOrDefault();
    }

    public Errno Ctl(int op, int fd, FileDescription file, uint events, ulong data)
    {
        // Files that cannot poll are always ready: Linux refuses them (a queue file polls).
        if (file.Waiters == null && file.Inode != null && (InodeMode.IsReg(file.Inode.Mode) || file.Inode.IsDir)) return Errno.EPERM;
        if (file == this) return Errno.EINVAL;
        // EPOLLEXCLUSIVE joins the wait queue at ADD: never with MOD, nor with other bits, nor on an epoll instance.
        if (op != EPOLL_CTL_DEL && (events & EPOLLEXCLUSIVE) != 0 &&
            (op == EPOLL_CTL_MOD || file is Epoll || (events & ~ExclusiveOk) != 0))
            return Errno.EINVAL;
        if (op == EPOLL_CTL_ADD && file is Epoll inner && (inner.Reaches(this, 1) || inner.Depth(1) + 1 > MaxNests))
            return Errno.ELOOP;
        Errno result;
        lock (_entries)
        {
            var key = (fd, file);
            switch (op)
            {
                case EPOLL_CTL_ADD:
                    if (_entries.ContainsKey(key)) return Errno.EEXIST;
                    var added = new Entry { Owner = this, File = file, Events = events, Data = data };
                    _entries[key] = added;
                    file.Waiters?.Add(added);
                    result = Errno.None;
                    break;
                case EPOLL_CTL_MOD:
                    if (!_entries.TryGetValue(key, out var e)) return Errno.ENOENT;
                    if ((e.Events & EPOLLEXCLUSIVE) != 0) return Errno.EINVAL;
                    e.Events = events; e.Data = data; e.Disabled = false; e.Changed = true;
                    result = Errno.None;
                    break;
                case EPOLL_CTL_DEL:
                    if (!_entries.Remove(key, out var gone)) return Errno.ENOENT;
                    file.Waiters?.Remove(gone);
                    result = Errno.None;
                    break;
                default:
                    return Errno.EINVAL;
            }
        }
        _waiters.Notify(); // a waiter looks at the changed interest list
        return result;
    }

    /// <summary>Whether this instance watches target, directly or through nested instances.</summary>
    bool Reaches(Epoll target, int depth)
    {
        if (depth > MaxNests) return true;
        lock (_entries)
            foreach (var e in _entries.Values)
                if (e.File == target || (e.File is Epoll nested && nested.Reaches(target, depth + 1))) return true;
        return false;
    }

    int Depth(int depth)
    {
        if (depth > MaxNests) return depth;
        int max = 0;
        lock (_entries)
            foreach (var e in _entries.Values)
                if (e.File is Epoll nested) max = Math.Max(max, 1 + nested.Depth(depth + 1));
        return max;
    }

    /// <summary>Collects up to max ready events (events, data); consume: update edge/one-shot state.</summary>
    public int Collect(Task? t, int max, List<(uint Events, ulong Data)>? into)
    {
        int n = 0;
        lock (_entries)
        {
            List<(int, FileDescription)>? closed = null;
            foreach (var (key, e) in _entries)
            {
                if (n >= max) break;
                // An fd closed since it was added no longer reports (Linux drops it with its last reference).
                using var held = t?.Fds.Borrow(key.Fd) ?? default; // kept until the readiness check is done
                if (t != null && held.File != e.File) { (closed ??= new()).Add(key); continue; }
                if (e.Disabled) continue;
                bool edge = (e.Events & EPOLLET) != 0;
                if (edge && !e.Changed) continue;
                uint want = (e.Events & (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM | EPOLLRDHUP)) | EPOLLERR | EPOLLHUP;
                if (edge && into != null) e.Changed = false; // cleared before asking: a change meanwhile is a new edge
                uint ready = (uint)(ushort)e.File.Readiness((short)want) & want;
                if (ready == 0) continue;
                n++;
                if (into == null) continue;
                into.Add((ready, e.Data));
                if ((e.Events & EPOLLONESHOT) != 0) e.Disabled = true;
            }
            if (closed != null)
                foreach (var key in closed)
                    if (_entries.Remove(key, out var gone)) gone.File.Waiters?.Remove(gone);
        }
        return n;
    }

    public override short Readiness(short events) =>
        Collect(null, 1, null) > 0 ? (short)(events & (POLLIN | POLLRDNORM)) : (short)0;

    protected override void Release()
    {
        lock (_entries)
        {
            foreach (var e in _entries.Values) e.File.Waiters?.Remove(e);
            _entries.Clear();
        }
    }
}
