using System.Text;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Synthetic;

/// <summary>Inode numbers and times shared by the Sentry's in-memory file systems.</summary>
public abstract class SynthInode : Inode
{
    static long s_nextIno = 1000;
    static readonly long s_boot = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    public ulong Ino { get; init; } = (ulong)Interlocked.Increment(ref s_nextIno);
    public ulong Dev { get; init; } = 0x14;
    public ulong Rdev { get; init; }
    public uint Perm { get; init; } = 0x1a4; // 0644
    /// <summary>Owner and group (e.g. a /proc/[pid] entry belongs to the task's effective ids); root when null.</summary>
    public Func<(uint Uid, uint Gid)>? Owner { get; set; }

    protected abstract uint TypeBits { get; }
    public override uint Mode => TypeBits | Perm;
    protected virtual long Size => 0;
    protected virtual ulong Nlink => 1;

    public override Errno Stat(out LinuxStat st)
    {
        st = new LinuxStat
        {
            Dev = Dev, Ino = Ino, Nlink = Nlink, Mode = Mode, Rdev = Rdev, Size = Size, Blksize = 4096,
            Atime = s_boot, Mtime = s_boot, Ctime = s_boot,
        };
        if (Owner != null) (st.Uid, st.Gid) = Owner();
        return Errno.None;
    }
}

/// <summary>A directory whose children are fixed, or computed per lookup by a provider.</summary>
public class SynthDir : SynthInode
{
    readonly Dictionary<string, Inode> _fixed = new(StringComparer.Ordinal);
    readonly List<string> _order = new();
    /// <summary>Extra, live children (e.g. /proc/[pid]); consulted after the fixed ones.</summary>
    public Func<Task, IEnumerable<(string Name, Func<Inode> Make)>>? Dynamic { get; init; }
    /// <summary>If set and true, the directory's object is gone (a reaped task's /proc dirs): lookups and listings
    /// find nothing (ENOENT).</summary>
    public Func<bool>? Gone { get; set; }

    public SynthDir() => Perm = 0x16d; // 0555

    /// <summary>What creating a name here fails with (/proc: ENOENT, since its lookups never give a negative dentry).</summary>
    public Errno CreateError { get; set; } = Errno.EROFS;
    /// <summary>What removing or renaming an entry fails with (/proc: EPERM, it has no such operations).</summary>
    public Errno RemoveError { get; set; } = Errno.EROFS;

    public override Errno Create(Task t, string name, uint mode, out Inode? child)
    {
        child = null;
        return CreateError;
    }

    public override Errno Mkdir(Task t, string name, uint mode) => CreateError;
    public override Errno Symlink(Task t, string name, string target) => CreateError;
    public override Errno Link(Task t, string name, Inode target) => CreateError;
    public override Errno Unlink(Task t, string name, bool dir) => RemoveError;
    /// <summary>A rename to a new name fails as creating it would; over an existing one, as removing.</summary>
    public override Errno Rename(Task t, string oldName, Inode newDir, string newName, uint flags) =>
        newDir is SynthDir d && d.Lookup(t, newName, out _) != Errno.None ? d.CreateError : RemoveError;

    /// <summary>Gives this directory and the fixed ones below it /proc's answers to changes.</summary>
    public SynthDir ProcStyle()
    {
        CreateError = Errno.ENOENT;
        RemoveError = Errno.EPERM;
        foreach (var c in _fixed.Values)
            if (c is SynthDir d) d.ProcStyle();
        return this;
    }
    protected override uint TypeBits => InodeMode.S_IFDIR;
    /// <summary>If set, the link count (/proc/[pid]/task: 2 and one per thread); else 2.</summary>
    public Func<ulong>? Links { get; init; }
    protected override ulong Nlink => Links?.Invoke() ?? 2;
    public override bool CacheChildren => Dynamic == null;

    public SynthDir Add(string name, Inode child)
    {
        _fixed[name] = child;
        _order.Add(name);
        return this;
    }

    public override Errno Lookup(Task t, string name, out Inode? child)
    {
        child = null;
        if (Gone?.Invoke() == true) return Errno.ENOENT;
        if (_fixed.TryGetValue(name, out child)) return Errno.None;
        if (Dynamic != null)
            foreach (var (n, make) in Dynamic(t))
                if (n == name) { child = make(); return Errno.None; }
        child = null;
        return Errno.ENOENT;
    }

    public override Errno ReadDir(Task t, List<DirEntry> into)
    {
        if (Gone?.Invoke() == true) return Errno.ENOENT;
        foreach (var n in _order)
        {
            var c = _fixed[n];
            into.Add(new DirEntry(n, (c as SynthInode)?.Ino ?? 1, InodeMode.DirentType(c.Mode)));
        }
        if (Dynamic != null)
            foreach (var (n, make) in Dynamic(t))
            {
                var c = make();
                into.Add(new DirEntry(n, (c as SynthInode)?.Ino ?? 1, InodeMode.DirentType(c.Mode)));
            }
        return Errno.None;
    }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd) =>
        SynthDirFile.Open(flags, path, this, out fd);
}

public sealed class SynthDirFile : FileDescription
{
    readonly DirectoryCursor _cursor = new();
    public SynthDirFile(int flags, VfsPath path, Inode inode) : base(flags, path, inode) { }

    /// <summary>Opening an in-memory directory: for listing only (writing is EISDIR).</summary>
    public static Errno Open(int flags, VfsPath path, Inode dir, out FileDescription? fd)
    {
        fd = null;
        if (OpenFlags.CanWrite(flags)) return Errno.EISDIR;
        fd = new SynthDirFile(flags, path, dir);
        return Errno.None;
    }
    public override DirectoryCursor? Directory => _cursor;
    public override long ReadAt(Task t, Span<byte> buf, long offset) => -(long)Errno.EISDIR;
}

/// <summary>
/// A file whose content is generated when it is opened (like seq_file). Read-only (0444) unless it has a
/// Write handler, which receives each write(2)'s bytes and returns the count taken or a negative errno.
/// A file without one still opens for writing (root may), but writes fail with WriteError as Linux's /proc does.
/// </summary>
public sealed class SynthFile : SynthInode
{
    readonly Func<Task, string> _content;
    public SynthFile(Func<Task, string> content)
    {
        _content = content;
        Perm = 0x124; // 0444
    }
    public SynthFile(string content) : this(_ => content) { }
    protected override uint TypeBits => InodeMode.S_IFREG;
    public Func<Task, byte[]>? Bytes { get; init; }
    public Func<Task, byte[], long>? Write { get; init; }
    /// <summary>What write(2) fails with when there is no Write handler: EIO for /proc's own files, EINVAL for /proc/[pid]'s.</summary>
    public Errno WriteError { get; set; } = Errno.EIO;
    /// <summary>If set, opening for writing without a Write handler fails with this (sysctl files: EACCES even for root).</summary>
    public Errno WriteOpenError { get; init; }
    /// <summary>If set and not None, what a read fails with: a /proc/[pid] file whose task was reaped (ESRCH).</summary>
    public Func<Errno>? Gone { get; set; }
    /// <summary>If set, a check at open beyond the mode bits (a /proc/[pid] file that needs ptrace read access).</summary>
    public Func<Task, Errno>? MayOpen { get; init; }
    /// <summary>If set, each open file watches something for changes, which poll reports as POLLERR|POLLPRI, and
    /// poll and epoll take the file (/proc/[pid]/mounts and mountinfo: the mount namespace; sysctl files:
    /// proc_sys_poll, a change of the host or domain name for those two, <see cref="ChangeEvent.Never"/> for the rest).</summary>
    public Func<Task, IChangeWatch>? Watch { get; init; }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        if (Write == null && WriteOpenError != Errno.None && OpenFlags.CanWrite(flags)) return WriteOpenError;
        if (MayOpen?.Invoke(t) is { } e && e != Errno.None) return e;
        // The content is made at the first read, as seq_file's (a file opened while its process ran and read once it is
        // a zombie shows the zombie); a write-only open never makes it.
        fd = new BufferFile(flags, path, this, null) { Writer = Write, WriteError = WriteError, Regenerate = Generate, Gone = Gone, Watch = Watch?.Invoke(t) };
        return Errno.None;
    }

    byte[] Generate(Task t) => Bytes != null ? Bytes(t) : LinuxText.Encode(_content(t));

    /// <summary>O_TRUNC on a generated file changes nothing, as on Linux.</summary>
    public override Errno Truncate(long size) => Errno.None;
}

/// <summary>A change an open file reports once through poll: Consume says whether one happened since the last call
/// (or the open) and forgets it.</summary>
public interface IChangeWatch
{
    WaitQueue Queue { get; }
    bool Consume();
}

/// <summary>
/// An open file over a byte snapshot. With Regenerate, the snapshot is taken at the first read and again at each read
/// from offset 0, as seq_file does: programs like top keep /proc/stat open and rewind it to refresh.
/// </summary>
public sealed class BufferFile : FileDescription
{
    byte[]? _data;
    public BufferFile(int flags, VfsPath path, Inode inode, byte[]? data) : base(flags, path, inode) => _data = data;
    public Func<Task, byte[]>? Regenerate { get; init; }
    public Func<Errno>? Gone { get; init; }
    /// <summary>Takes writes (a writable /proc file); null: writes fail with EIO.</summary>
    public Func<Task, byte[], long>? Writer { get; init; }
    public Errno WriteError { get; init; } = Errno.EIO;
    public IChangeWatch? Watch { get; init; }

    public override WaitQueue? Waiters => Watch?.Queue;
    public override short Readiness(short events) =>
        (short)(base.Readiness(events) | (Watch?.Consume() == true ? (POLLERR | POLLPRI) & (events | POLLERR) : 0));

    public override long ReadAt(Task t, Span<byte> buf, long offset)
    {
        if (offset < 0) return -(long)Errno.EINVAL;
        if (Gone?.Invoke() is { } gone && gone != Errno.None) return -(long)gone;
        if (Regenerate != null && (_data == null || (offset == 0 && buf.Length > 0))) _data = Regenerate(t);
        var data = _data ?? [];
        if (offset >= data.Length) return 0;
        int n = (int)Math.Min(buf.Length, data.Length - offset);
        data.AsSpan((int)offset, n).CopyTo(buf);
        return n;
    }

    public override long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset)
    {
        if (!OpenFlags.CanWrite(Flags)) return -(long)Errno.EBADF;
        return Writer != null ? Writer(t, buf.ToArray()) : -(long)WriteError;
    }
}

/// <summary>A symlink whose target may depend on the task (null: gone, ENOENT); optionally a /proc "magic" link.</summary>
public sealed class SynthSymlink : SynthInode
{
    readonly Func<Task, string?> _target;
    readonly Func<Task, VfsPath?>? _magic;

    public SynthSymlink(Func<Task, string?> target, Func<Task, VfsPath?>? magic = null)
    {
        _target = target;
        _magic = magic;
        Perm = 0x1ff;
    }

    public SynthSymlink(string target) : this(_ => target) { }
    protected override uint TypeBits => InodeMode.S_IFLNK;

    public override Errno ReadLink(Task t, out string target)
    {
        var s = _target(t);
        target = s ?? "";
        return s == null ? Errno.ENOENT : Errno.None;
    }

    public override bool FollowMagic(Task t, out VfsPath target)
    {
        target = default;
        var m = _magic?.Invoke(t);
        if (m is not { } p || !p.IsValid) return false;
        target = p;
        return true;
    }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        return Errno.ELOOP;
    }
}

/// <summary>A count of changes with a queue to wake (the hostname's and domain name's: uts_proc_notify; a mount
/// namespace's: ns->event); each open file's <see cref="Watch"/> reports the changes made since it last looked.</summary>
public sealed class ChangeEvent
{
    int _count;
    public readonly WaitQueue Queue = new();

    /// <summary>What a sysctl file without events polls: always ready, never a change (proc_sys_poll).</summary>
    public static readonly ChangeEvent Never = new();

    public void Changed()
    {
        Interlocked.Increment(ref _count);
        Queue.Notify();
    }

    public IChangeWatch Watch() => new Seen(this);

    sealed class Seen(ChangeEvent e) : IChangeWatch
    {
        int _seen = Volatile.Read(ref e._count);
        public WaitQueue Queue => e.Queue;

        public bool Consume()
        {
            int now = Volatile.Read(ref e._count);
            return Interlocked.Exchange(ref _seen, now) != now;
        }
    }
}
