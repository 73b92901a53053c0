using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>What a write to an interface file is given: the bytes as text, the writer, and the open file (whose
/// opener's credentials and cgroup namespace are what Linux checks delegation against).</summary>
public delegate Errno CgroupStore(Task t, CgroupOpenFile f, string text);

/// <summary>
/// An interface file of a cgroup (cgroup.procs, pids.max …): its text is made at each read from offset 0, and a
/// write hands its bytes to the store. Each file counts its changes for poll (Linux's kernfs_notify): an open file
/// is ready with POLLPRI|POLLERR until it reads the current text.
/// </summary>
public sealed class CgroupFile : CgroupNode
{
    public const uint ReadOnly = 0x124, ReadWrite = 0x1a4, WriteOnly = 0x80;

    public Cgroup Cgroup { get; }
    public string Name { get; }
    readonly Func<Task, string>? _show;
    readonly CgroupStore? _store;
    /// <summary>With nsdelegate, whether a cgroup namespace's root file may be written from inside it
    /// (cgroup.procs, cgroup.threads, cgroup.subtree_control: CFTYPE_NS_DELEGATABLE).</summary>
    public bool Delegatable { get; init; }
    /// <summary>Its controller was disabled, so it left the directory; open files read ENODEV.</summary>
    public bool Dead;
    int _events = 1;
    public WaitQueue Waiters { get; } = new();

    public CgroupFile(Cgroup cg, string name, uint perm, uint uid, uint gid, Func<Task, string>? show, CgroupStore? store)
        : base(perm, uid, gid)
    {
        Cgroup = cg;
        Name = name;
        _show = show;
        _store = store;
    }

    protected override uint TypeBits => InodeMode.S_IFREG;
    public int Events => Volatile.Read(ref _events);
    bool Gone => Dead || Cgroup.Deleted;

    /// <summary>The file's content changed in a way watchers care about (kernfs_notify): poll and inotify hear it.</summary>
    public void Notify()
    {
        Interlocked.Increment(ref _events);
        Waiters.Notify();
        Fsnotify.OnInode(this, InotifyMask.IN_MODIFY);
    }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = new CgroupOpenFile(flags, path, this, t.Creds.Fork(), t.Ns.Cgroup);
        return Errno.None;
    }

    internal long Read(Task t, CgroupOpenFile f, Span<byte> buf, long offset)
    {
        if (Gone) return -(long)Errno.ENODEV;
        if (_show == null) return -(long)Errno.EINVAL;
        if (offset < 0) return -(long)Errno.EINVAL;
        if (f.Text == null || offset == 0)
        {
            f.SeenEvents = Events;
            f.Text = LinuxText.Encode(_show(t));
        }
        if (offset >= f.Text.Length) return 0;
        int n = (int)Math.Min(buf.Length, f.Text.Length - offset);
        f.Text.AsSpan((int)offset, n).CopyTo(buf);
        return n;
    }

    internal long Write(Task t, CgroupOpenFile f, ReadOnlySpan<byte> buf)
    {
        const int PageSize = 4096;
        if (Gone) return -(long)Errno.ENODEV;
        if (_store == null) return -(long)Errno.EINVAL;
        var taken = buf[..Math.Min(buf.Length, PageSize)];
        var e = Cgroup.Hierarchy.MayWrite(f, this);
        if (e == Errno.None) e = _store(t, f, LinuxText.Decode(taken));
        return e != Errno.None ? -(long)e : taken.Length;
    }
}

/// <summary>An open interface file: the opener's credentials and cgroup namespace, what it last read, and whether it
/// has seen the file's latest change.</summary>
public sealed class CgroupOpenFile(int flags, VfsPath path, CgroupFile file, Credentials opener, CgroupNamespace ns)
    : FileDescription(flags, path, file)
{
    public CgroupFile File { get; } = file;
    public Credentials Opener { get; } = opener;
    public CgroupNamespace Ns { get; } = ns;
    internal byte[]? Text;
    internal int SeenEvents;

    public override long ReadAt(Task t, Span<byte> buf, long offset) => File.Read(t, this, buf, offset);
    public override long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset) => File.Write(t, this, buf);
    public override WaitQueue? Waiters => File.Waiters;

    public override short Readiness(short events)
    {
        short ready = (short)(events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM));
        return SeenEvents != File.Events ? (short)(ready | POLLPRI | POLLERR) : ready;
    }
}
