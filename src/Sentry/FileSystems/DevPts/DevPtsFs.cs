using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.DevPts;

/// <summary>
/// A devpts instance: /dev/pts with its ptmx node and a node per live terminal (Linux's devpts with
/// newinstance). Options are the mount's: the mode and group of new replica nodes, and ptmx's mode.
/// </summary>
public sealed class DevPtsFs
{
    /// <summary>kernel.pty.max's default.</summary>
    public const int MaxPtys = 4096;
    /// <summary>TTYAUX_MAJOR's ptmx (5:2).</summary>
    public const ulong PtmxRdev = (5UL << 8) | 2;
    public const ulong DevptsDev = 0x17;

    readonly SortedDictionary<int, Terminal> _ptys = new();
    public Kernel.Kernel Kernel { get; }
    public SynthDir Root { get; }
    /// <summary>mode= and gid= (null: the opener's) of new replica nodes.</summary>
    public uint Mode { get; }
    public uint? Gid { get; }

    public DevPtsFs(Kernel.Kernel kernel, DevPtsOptions options)
    {
        Kernel = kernel;
        Mode = options.Mode & 0xfff;
        Gid = options.Gid;
        uint ptmxMode = options.PtmxMode & 0xfff;
        Root = new SynthDir
        {
            Perm = 0x1ed, Dev = DevptsDev,
            Dynamic = _ => Live().Select(p => (p.Index.ToString(), (Func<Inode>)(() => p.Node))),
        };
        Root.Add("ptmx", new PtmxNode(this) { Rdev = PtmxRdev, Perm = ptmxMode, Dev = DevptsDev });
    }

    List<Terminal> Live()
    {
        lock (_ptys) return _ptys.Values.ToList();
    }

    /// <summary>ptmx_open: a new terminal at the lowest free index, its replica locked until unlockpt.</summary>
    public Errno Open(Task t, int flags, VfsPath path, Inode node, out FileDescription? fd)
    {
        fd = null;
        var term = NewTerminal(t.Creds.Fsuid, t.Creds.Fsgid);
        if (term == null) return Errno.ENOSPC;
        fd = new PtyMaster(term, flags & ~OpenFlags.O_NOCTTY, path, node);
        return Errno.None;
    }

    /// <summary>A terminal at the lowest free index (null when all are taken), its replica node owned by uid.</summary>
    public Terminal? NewTerminal(uint uid, uint gid)
    {
        lock (_ptys)
        {
            int index = 0;
            while (_ptys.ContainsKey(index)) index++;
            if (index >= MaxPtys) return null;
            var term = new Terminal(this, index, uid, Gid ?? gid);
            _ptys[index] = term;
            return term;
        }
    }

    public void Remove(Terminal term)
    {
        lock (_ptys)
            if (_ptys.TryGetValue(term.Index, out var cur) && cur == term) _ptys.Remove(term.Index);
    }

    /// <summary>Opens a replica file for t; without O_NOCTTY a session leader with no terminal takes it.</summary>
    public static Errno OpenReplica(Task t, Terminal term, int flags, VfsPath path, Inode node, out FileDescription? fd)
    {
        fd = null;
        var e = term.OpenReplica(t);
        if (e != Errno.None) return e;
        fd = new PtyReplica(term, flags & ~OpenFlags.O_NOCTTY, path, node);
        if ((flags & OpenFlags.O_NOCTTY) == 0) JobControl.AcquireOnOpen(t, term, OpenFlags.CanRead(flags));
        return Errno.None;
    }

    /// <summary>TIOCGPTPEER: the replica opened through this instance's own mount, whatever the caller's /dev/pts is.</summary>
    public long OpenPeer(Task t, Terminal term, int flags)
    {
        Mount? mount = null;
        foreach (var m in t.Ns.Mnt.All)
            if (m.Root.Inode == Root) { mount = m; break; }
        if (mount == null) return -(long)Errno.EIO;
        var path = new VfsPath(mount, new Dentry(term.Index.ToString(), mount.Root, term.Node));
        var e = OpenReplica(t, term, flags & ~OpenFlags.O_CLOEXEC, path, term.Node, out var fd);
        if (e != Errno.None) return -(long)e;
        int n = t.Fds.Install(fd!, (flags & OpenFlags.O_CLOEXEC) != 0, 0, t.Limits.NoFile);
        if (n < 0) fd!.DecRef();
        return n;
    }
}

/// <summary>ptmx: each open makes a new terminal.</summary>
public sealed class PtmxNode : SynthInode
{
    readonly DevPtsFs _fs;
    public PtmxNode(DevPtsFs fs) => _fs = fs;
    protected override uint TypeBits => InodeMode.S_IFCHR;
    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd) => _fs.Open(t, flags, path, this, out fd);
}

/// <summary>/dev/pts/N: owned by whoever opened the master (group and mode from the mount's options).</summary>
public sealed class ReplicaNode : SynthInode
{
    readonly Terminal _term;

    public ReplicaNode(Terminal term, uint uid, uint gid)
    {
        _term = term;
        Owner = () => (uid, gid);
        Rdev = Encode(Terminal.ReplicaMajor, (uint)term.Index);
        Dev = DevPtsFs.DevptsDev;
    }

    public override uint Mode => InodeMode.S_IFCHR | _term.Fs.Mode;
    protected override uint TypeBits => InodeMode.S_IFCHR;
    /// <summary>Linux's new_encode_dev.</summary>
    public static ulong Encode(uint major, uint minor) => (minor & 0xff) | (major << 8) | ((ulong)(minor & ~0xffu) << 12);

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd) =>
        DevPtsFs.OpenReplica(t, _term, flags, path, this, out fd);
}
