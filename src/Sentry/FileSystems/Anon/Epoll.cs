using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Anon;

/// <summary>
/// An epoll instance: the interest list, asked for readiness like poll (re-checked when the
/// <see cref="ReadinessBell"/> rings). Level-triggered by default; EPOLLET reports only readiness that was not there at the last report;
/// EPOLLONESHOT disables an entry after one report until EPOLL_CTL_MOD.
/// </summary>
public sealed class Epoll : FileDescription
{
    public const uint EPOLLIN = 1, EPOLLPRI = 2, EPOLLOUT = 4, EPOLLERR = 8, EPOLLHUP = 0x10, EPOLLRDNORM = 0x40,
        EPOLLWRNORM = 0x100, EPOLLRDHUP = 0x2000, EPOLLEXCLUSIVE = 1u << 28, EPOLLWAKEUP = 1u << 29,
        EPOLLONESHOT = 1u << 30, EPOLLET = 1u << 31;
    public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;

    sealed class Entry
    {
        public required FileDescription File;
        public uint Events;
        public ulong Data;
        public uint LastReady;
        public bool Disabled;
    }

    readonly Dictionary<(int Fd, FileDescription File), Entry> _entries = new();

    public Epoll(int flags) : base(OpenFlags.O_RDWR | flags, default, new AnonInode()) { }

    public override bool Seekable => false;
    public override string DisplayName(Task t) => "anon_inode:[eventpoll]";
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;
    public override long Read(Task t, Span<byte> buf) => -(long)Errno.EINVAL;
    public override long Write(Task t, ReadOnlySpan<byte> buf) => -(long)Errno.EINVAL;

    public Errno Ctl(int op, int fd, FileDescription file, uint events, ulong data)
    {
        if (file == this) return Errno.EINVAL;
        if (file.Inode != null && (InodeMode.IsReg(file.Inode.Mode) || file.Inode.IsDir)) return Errno.EPERM; // always ready: Linux refuses them
        ReadinessBell.Ring(); // a waiter re-scans the changed interest list
        lock (_entries)
        {
            var key = (fd, file);
            switch (op)
            {
                case EPOLL_CTL_ADD:
                    if (_entries.ContainsKey(key)) return Errno.EEXIST;
                    _entries[key] = new Entry { File = file, Events = events, Data = data };
                    return Errno.None;
                case EPOLL_CTL_MOD:
                    if (!_entries.TryGetValue(key, out var e)) return Errno.ENOENT;
                    if ((e.Events & EPOLLEXCLUSIVE) != 0) return Errno.EINVAL;
                    e.Events = events; e.Data = data; e.Disabled = false; e.LastReady = 0;
                    return Errno.None;
                case EPOLL_CTL_DEL:
                    return _entries.Remove(key) ? Errno.None : Errno.ENOENT;
                default:
                    return Errno.EINVAL;
            }
        }
    }

    /// <summary>Collects up to max ready events (events, data); consume: update edge/one-shot state.</summary>
    public int Collect(Task? t, int max, List<(uint Events, ulong Data)>? into)
    {
        int n = 0;
        lock (_entries)
        {
            foreach (var (key, e) in _entries.ToList())
            {
                if (n >= max) break;
                // An fd closed since it was added no longer reports (Linux drops it with its last reference).
                using var held = t?.Fds.Borrow(key.Fd) ?? default; // kept until the readiness check is done
                if (t != null && held.File != e.File) continue;
                if (e.Disabled) continue;
                uint want = (e.Events & (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM | EPOLLRDHUP)) | EPOLLERR | EPOLLHUP;
                uint ready = (uint)(ushort)e.File.Readiness((short)want) & want;
                uint report = (e.Events & EPOLLET) != 0 ? ready & ~e.LastReady : ready;
                if (into != null) e.LastReady = ready;
                if (report == 0) continue;
                n++;
                if (into == null) continue;
                into.Add((report, e.Data));
                if ((e.Events & EPOLLONESHOT) != 0) e.Disabled = true;
            }
        }
        return n;
    }

    public override bool RingsReadiness
    {
        get { lock (_entries) return _entries.Values.All(e => e.File.RingsReadiness); }
    }

    public override short Readiness(short events) =>
        Collect(null, 1, null) > 0 ? (short)(events & (POLLIN | POLLRDNORM)) : (short)0;
}
