using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Tmpfs;

/// <summary>
/// A file system in Sentry memory. Used bare for /dev/shm, and as the writable upper layer of the
/// overlay root: a node may stand for a read-only lower inode (the gofer's) until something changes it,
/// when it copies the lower's attributes (and a file's data) up into memory. The lower is never written.
/// </summary>
public abstract class TmpfsNode : Inode
{
    static long s_nextIno = 1L << 40; // above any lower inode number, so the two never collide
    public readonly TmpfsFs Fs;
    /// <summary>The read-only inode this node shows until copied up (null for nodes made in memory).</summary>
    public Inode? Lower { get; protected set; }
    /// <summary>Whether attributes live here (true once copied up, and always for nodes made in memory).</summary>
    protected bool Own;
    public ulong Ino { get; }
    protected uint TypeAndPerm;
    public uint Uid, Gid;
    public ulong Nlink = 1;
    long _atime, _mtime, _ctime;
    Dictionary<string, byte[]>? _xattrs;
    PosixAcl? _accessAcl, _defaultAcl;
    protected readonly object Lock = new();
    internal object LockObject => Lock;
    /// <summary>An O_TMPFILE file (without O_EXCL) that linkat may still give a name although Nlink is 0.</summary>
    internal bool Linkable;
    // A lower entry not yet anchored is named only weakly by the directory that looked it up (the file
    // system's EntryCache may drop it when unused); it is anchored — held by a strong entry of its directory,
    // or without a name — once it has state a new lookup would not give back (Keep).
    bool _anchored;
    TmpfsDir? _lookedUpIn;
    string? _lookedUpAs;

    protected TmpfsNode(TmpfsFs fs, uint mode, Task? t)
    {
        Fs = fs;
        Own = true;
        _anchored = true;
        Ino = (ulong)Interlocked.Increment(ref s_nextIno);
        TypeAndPerm = mode;
        Uid = t?.Creds.Fsuid ?? 0;
        Gid = t?.Creds.Fsgid ?? 0;
        _atime = _mtime = _ctime = NowNs();
        fs.Space?.AddInode(1);
    }

    /// <summary>A node that shows lower until changed; lowerStat is lower's stat.</summary>
    protected TmpfsNode(TmpfsFs fs, Inode lower, in LinuxStat lowerStat)
    {
        Fs = fs;
        Lower = lower;
        Ino = lowerStat.Ino;
        TypeAndPerm = lowerStat.Mode;
    }

    public static long NowNs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    public override uint Mode => TypeAndPerm;

    public override bool IsDeleted
    {
        get { lock (Lock) return Own && Nlink == 0; }
    }
    protected virtual long Size => 0;

    /// <summary>Copies lower's attributes up (and, for files, data), and keeps the node. Idempotent.</summary>
    internal Errno CopyUp()
    {
        var e = CopyUpLocked();
        if (e == Errno.None) Keep();
        return e;
    }

    /// <summary>Where a wrapped lower entry was looked up, for <see cref="Keep"/>.</summary>
    internal void LookedUp(TmpfsDir dir, string name)
    {
        _lookedUpIn = dir;
        _lookedUpAs = name;
    }

    /// <summary>The last name went away: the node no longer counts in its file system's inodes (a file once its
    /// last descriptor closes too).</summary>
    internal virtual void Unlinked() => Fs.Space?.AddInode(-1);

    /// <summary>Marks the node as held where it is (a strong entry of a directory) or nameless: never dropped.</summary>
    internal void Anchor()
    {
        lock (Lock) _anchored = true;
    }

    /// <summary>Whether the node is beyond the cache's reach (for tests and diagnostics).</summary>
    public bool IsAnchored
    {
        get { lock (Lock) return _anchored; }
    }

    /// <summary>
    /// The node now holds state of its own (or a descendant does): its directory holds it strongly from now on,
    /// and that directory in turn its own parent, so a dropped ancestor can never take a change with it.
    /// </summary>
    internal void Keep()
    {
        TmpfsDir? dir;
        string? name;
        lock (Lock)
        {
            if (_anchored) return;
            _anchored = true;
            (dir, name) = (_lookedUpIn, _lookedUpAs);
            _lookedUpIn = null;
        }
        dir?.KeepChild(name!, this);
    }

    Errno CopyUpLocked()
    {
        lock (Lock)
        {
            if (Own) return Errno.None;
            var e = Lower!.Stat(out var st);
            if (e != Errno.None) return e;
            e = CopyUpContent(st);
            if (e != Errno.None) return e;
            var names = new List<string>();
            if (Lower.ListXattr(names) == Errno.None)
                foreach (var n in names)
                    if (Lower.GetXattr(n, out var v) == Errno.None && v != null)
                        (_xattrs ??= new(StringComparer.Ordinal))[n] = v;
            TypeAndPerm = st.Mode;
            Uid = st.Uid;
            Gid = st.Gid;
            Nlink = InodeMode.IsDir(st.Mode) ? st.Nlink : 1; // a copied-up file leaves its lower hard links behind
            _atime = st.Atime * 1_000_000_000 + st.AtimeNsec;
            _mtime = st.Mtime * 1_000_000_000 + st.MtimeNsec;
            _ctime = st.Ctime * 1_000_000_000 + st.CtimeNsec;
            Own = true;
            return Errno.None;
        }
    }

    /// <summary>Brings lower's content into memory during copy-up (under Lock).</summary>
    protected virtual Errno CopyUpContent(in LinuxStat st) => Errno.None;

    public void Touch(bool modified = true)
    {
        if (CopyUp() != Errno.None) return;
        long now = NowNs();
        if (modified) _mtime = now;
        _ctime = now;
    }

    public override Errno Stat(out LinuxStat st)
    {
        if (!Own)
        {
            var e = Lower!.Stat(out st);
            st.Dev = Fs.Dev;
            st.Ino = Ino;
            return e;
        }
        long size = Size;
        st = new LinuxStat
        {
            Dev = Fs.Dev, Ino = Ino, Nlink = Nlink, Mode = Mode, Uid = Uid, Gid = Gid, Size = size, Blksize = 4096,
            Blocks = (size + 511) / 512,
            Atime = _atime / 1_000_000_000, AtimeNsec = _atime % 1_000_000_000,
            Mtime = _mtime / 1_000_000_000, MtimeNsec = _mtime % 1_000_000_000,
            Ctime = _ctime / 1_000_000_000, CtimeNsec = _ctime % 1_000_000_000,
        };
        return Errno.None;
    }

    const long DayNs = 24L * 3600 * 1_000_000_000;

    /// <summary>touch_atime: nothing on a read-only or noatime mount (nodiratime for a directory); under relatime
    /// (the default) only when the access time is not after the change and modification times or is a day old;
    /// always under strictatime. A node still showing its lower keeps the lower's time.</summary>
    public override void Accessed(Mount m)
    {
        int f = m.Flags;
        if (!Own || m.ReadOnly || (f & Mount.MNT_NOATIME) != 0 || (IsDir && (f & Mount.MNT_NODIRATIME) != 0)) return;
        long now = NowNs();
        if ((f & Mount.MNT_RELATIME) != 0 && _atime > _mtime && _atime > _ctime && now - _atime < DayNs) return;
        _atime = now;
    }

    public override Errno SetMode(uint perm)
    {
        var e = CopyUp();
        if (e != Errno.None) return e;
        lock (Lock)
        {
            TypeAndPerm = (TypeAndPerm & InodeMode.S_IFMT) | (perm & 0xfff);
            _accessAcl = _accessAcl?.Chmod(perm); // posix_acl_chmod: the ACL keeps the mode's bits
        }
        Touch(false);
        return Errno.None;
    }

    public override Errno SetOwner(uint uid, uint gid)
    {
        var e = CopyUp();
        if (e != Errno.None) return e;
        if (uid != uint.MaxValue) Uid = uid;
        if (gid != uint.MaxValue) Gid = gid;
        Touch(false);
        return Errno.None;
    }

    public override Errno SetTimes(long? atimeNs, long? mtimeNs)
    {
        var e = CopyUp();
        if (e != Errno.None) return e;
        if (atimeNs is { } a) _atime = a;
        if (mtimeNs is { } m) _mtime = m;
        _ctime = NowNs();
        return Errno.None;
    }

    public override Errno GetXattr(string name, out byte[]? value)
    {
        lock (Lock)
        {
            if (!Own) return Lower!.GetXattr(name, out value);
            value = _xattrs?.GetValueOrDefault(name);
            return value == null ? Errno.ENODATA : Errno.None;
        }
    }

    public override Errno ListXattr(List<string> names)
    {
        lock (Lock)
        {
            if (!Own) return Lower!.ListXattr(names);
            if (_xattrs != null) names.AddRange(_xattrs.Keys);
            return Errno.None;
        }
    }

    public override Errno SetXattr(string name, byte[] value, int flags)
    {
        var e = CopyUp();
        if (e != Errno.None) return e;
        lock (Lock)
        {
            bool exists = _xattrs?.ContainsKey(name) == true;
            if ((flags & 1) != 0 && exists) return Errno.EEXIST;
            if ((flags & 2) != 0 && !exists) return Errno.ENODATA;
            (_xattrs ??= new(StringComparer.Ordinal))[name] = value;
        }
        Touch(false);
        return Errno.None;
    }

    public override Errno RemoveXattr(string name)
    {
        var e = CopyUp();
        if (e != Errno.None) return e;
        lock (Lock)
            if (_xattrs?.Remove(name) != true) return Errno.ENODATA;
        Touch(false);
        return Errno.None;
    }

    public override bool SupportsAcl => !IsSymlink;

    public override PosixAcl? GetAcl(bool isDefault)
    {
        lock (Lock) return isDefault ? _defaultAcl : _accessAcl; // a lower (the gofer's) inode has none
    }

    public override Errno SetAcl(bool isDefault, PosixAcl? acl, uint mode)
    {
        var e = CopyUp();
        if (e != Errno.None) return e;
        lock (Lock)
        {
            if (isDefault) _defaultAcl = acl;
            else
            {
                _accessAcl = acl;
                TypeAndPerm = (TypeAndPerm & InodeMode.S_IFMT) | (mode & 0xfff);
            }
        }
        Touch(false);
        return Errno.None;
    }

    /// <summary>posix_acl_create: a node made in a directory with a default ACL gets that ACL met with its mode as
    /// its access ACL (unless the two say the same), and a directory the default ACL too. The syscall layer left
    /// the umask out of such a mode (<see cref="Permissions.CreationMode"/>).</summary>
    internal void InheritAcl(TmpfsNode parentDir)
    {
        var dflt = parentDir.GetAcl(isDefault: true);
        if (dflt == null || IsSymlink) return;
        lock (Lock)
        {
            uint mode = TypeAndPerm;
            _accessAcl = dflt.CreateMasq(ref mode);
            TypeAndPerm = mode;
            if (IsDir) _defaultAcl = dflt;
        }
    }

    /// <summary>Wraps a lower inode in the node type for its file type.</summary>
    internal static TmpfsNode Wrap(TmpfsFs fs, Inode lower)
    {
        lower.Stat(out var st);
        if (st.Mode == 0) st.Mode = lower.Mode;
        return (st.Mode & InodeMode.S_IFMT) switch
        {
            InodeMode.S_IFDIR => new TmpfsDir(fs, lower, st),
            InodeMode.S_IFLNK => new TmpfsSymlink(fs, lower, st),
            _ => new TmpfsFile(fs, lower, st),
        };
    }
}

/// <summary>One tmpfs or overlay instance: its device number.</summary>
public sealed class TmpfsFs
{
    static long s_nextDev = 0x30;
    public ulong Dev { get; } = (ulong)Interlocked.Increment(ref s_nextDev);
    /// <summary>Bounds the unchanged lower entries an overlay keeps (null for a bare tmpfs, which has none).</summary>
    public EntryCache? Cache { get; }

    /// <summary>The pages and inodes a mounted tmpfs may use; null for the overlay's upper layer and the Sentry's
    /// internal ones, which count nothing.</summary>
    public TmpfsSpace? Space { get; }

    TmpfsFs(EntryCache? cache = null, TmpfsSpace? space = null) => (Cache, Space) = (cache, space);

    /// <summary>An empty tmpfs (/dev/shm, a mount) whose root has the given permissions.</summary>
    public static TmpfsDir Create(uint perm, TmpfsSpace? space = null) => new(new TmpfsFs(null, space), perm, null);

    /// <summary>An overlay: a writable memory layer over the read-only lower directory.</summary>
    public static TmpfsDir Overlay(Inode lowerRoot)
    {
        var fs = new TmpfsFs(lowerRoot.Entries ?? new EntryCache());
        lowerRoot.Stat(out var st);
        var root = new TmpfsDir(fs, lowerRoot, st);
        root.Anchor(); // the mount holds it
        return root;
    }
}
