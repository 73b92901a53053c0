namespace AppKernel.Sentry.Vfs;

/// <summary>
/// A mounted file system's instance (Linux's super_block): what every mount of it shares — bind mounts see the same
/// read-only state and file-system options (tmpfs's size, mode, uid, gid), which mountinfo's super options show.
/// </summary>
public sealed class Super
{
    public bool ReadOnly;
    /// <summary>The file system's own options as mountinfo shows them after rw/ro (",mode=755" …).</summary>
    public string Options = "";
}

/// <summary>
/// A mount: a file system's dentry (its root, or a bind mount's directory) hung over a dentry of a parent mount,
/// with per-mount flags (ro, nosuid, nodev, noexec, atime) and propagation (a peer group, a master's group).
/// </summary>
public sealed class Mount
{
    // Linux's MNT_* per-mount flags, as mountinfo names them.
    public const int MNT_NOSUID = 0x01, MNT_NODEV = 0x02, MNT_NOEXEC = 0x04, MNT_NOATIME = 0x08, MNT_NODIRATIME = 0x10,
        MNT_RELATIME = 0x20, MNT_READONLY = 0x40, MNT_NOSYMFOLLOW = 0x80;
    public const int AtimeMask = MNT_NOATIME | MNT_NODIRATIME | MNT_RELATIME;
    /// <summary>What mount(2) may set (Linux's MNT_USER_SETTABLE_MASK).</summary>
    public const int UserSettable = MNT_NOSUID | MNT_NODEV | MNT_NOEXEC | AtimeMask | MNT_READONLY | MNT_NOSYMFOLLOW;

    public Dentry Root { get; }
    /// <summary>The mount this one hangs in, and where; null for a namespace's anchor or a detached mount.
    /// Changed only under the namespace's lock (pivot_root, umount).</summary>
    public Mount? Parent { get; internal set; }
    public Dentry? MountPoint { get; internal set; }
    /// <summary>The namespace whose tree holds this mount (null once unmounted): mounts on its dentries are looked up there.</summary>
    public MountNamespace? Ns { get; internal set; }
    public string FsType { get; }
    public string Source { get; }
    public Super Super { get; }
    public int Flags;
    PeerGroup? _peers, _master;
    /// <summary>Shared: the peer group this mount propagates to and receives from (null: not shared).</summary>
    public PeerGroup? Peers
    {
        get => _peers;
        set { if (_peers == value) return; _peers?.Leave(this, slave: false); _peers = value; value?.Join(this, slave: false); }
    }
    /// <summary>Slave: the peer group it receives from (null: not a slave).</summary>
    public PeerGroup? Master
    {
        get => _master;
        set { if (_master == value) return; _master?.Leave(this, slave: true); _master = value; value?.Join(this, slave: true); }
    }
    public bool Unbindable;
    /// <summary>umount2's MNT_EXPIRE mark: set by the first call, the second unmounts.</summary>
    public bool ExpiryMark;
    public int Id { get; }
    static int s_nextId = 1;

    public Mount(Dentry root, Mount? parent, Dentry? mountPoint, string fsType, string source, bool readOnly)
        : this(root, parent, mountPoint, fsType, source, new Super { ReadOnly = readOnly }, MNT_RELATIME) { }

    public Mount(Dentry root, Mount? parent, Dentry? mountPoint, string fsType, string source, Super super, int flags)
    {
        Root = root; Parent = parent; MountPoint = mountPoint; FsType = fsType; Source = source; Super = super; Flags = flags;
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>Whether d is this mount's root (a dentry of another walk to the same directory counts: memory and
    /// gofer file systems keep no dentry cache).</summary>
    public bool IsRoot(Dentry d) => d == Root || d.Inode == Root.Inode;

    /// <summary>Writes are refused when the mount or its file system is read-only (Linux's mnt_is_readonly).</summary>
    public bool ReadOnly => (Flags & MNT_READONLY) != 0 || Super.ReadOnly;
    public bool NoExec => (Flags & MNT_NOEXEC) != 0;
    public bool NoSuid => (Flags & MNT_NOSUID) != 0;
    public bool NoDev => (Flags & MNT_NODEV) != 0;
    public bool NoSymFollow => (Flags & MNT_NOSYMFOLLOW) != 0;

    /// <summary>A copy of this mount for another place or namespace (Linux's clone_mnt): same file system, root
    /// dentry and flags; a shared mount's copy joins its peers and a slave's shares its master, unless private.</summary>
    public Mount Clone(Dentry root, bool makePrivate)
    {
        var c = new Mount(root, null, null, FsType, Source, Super, Flags);
        if (!makePrivate)
        {
            c.Peers = Peers;
            c.Master = Master;
        }
        return c;
    }
}

/// <summary>A propagation peer group: its id is what mountinfo shows as shared:N and a slave's master:N.</summary>
public sealed class PeerGroup
{
    public int Id { get; }
    PeerGroup(int id) => Id = id;
    readonly HashSet<Mount> _members = new(), _slaves = new();

    bool _released;

    internal void Join(Mount m, bool slave)
    {
        lock (this)
        {
            (slave ? _slaves : _members).Add(m);
            if (!slave && _released) { lock (s_used) s_used.Add(Id); _released = false; }
        }
    }

    /// <summary>The id is free again once the group has no member (Linux's mnt_release_group_id).</summary>
    internal void Leave(Mount m, bool slave)
    {
        lock (this)
        {
            (slave ? _slaves : _members).Remove(m);
            if (!slave && _members.Count == 0 && !_released) { lock (s_used) s_used.Remove(Id); _released = true; }
        }
    }
    /// <summary>The mounts of the group, in every namespace.</summary>
    public Mount[] Members { get { lock (this) return _members.ToArray(); } }
    /// <summary>The mounts that receive from the group.</summary>
    public Mount[] Slaves { get { lock (this) return _slaves.ToArray(); } }

    static readonly SortedSet<int> s_used = new();

    /// <summary>A new group with the lowest free id (Linux's mnt_group_ida).</summary>
    public static PeerGroup New()
    {
        lock (s_used)
        {
            int id = 1;
            foreach (var u in s_used) { if (u != id) break; id++; }
            s_used.Add(id);
            return new PeerGroup(id);
        }
    }

}
