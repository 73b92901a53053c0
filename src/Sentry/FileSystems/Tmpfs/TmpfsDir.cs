using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Tmpfs;

/// <summary>
/// A directory in memory, possibly merged over a read-only lower directory: lower entries are wrapped
/// when they are looked up, and a removed lower name is remembered as a whiteout (null).
/// Entries with state of their own (made here, changed, moved, whiteouts) are held in <c>_children</c>;
/// unchanged lower entries only in <c>_lower</c>, weakly, where the file system's <see cref="EntryCache"/>
/// may drop them once unused — the next lookup wraps the lower entry again (same inode number).
/// </summary>
public sealed class TmpfsDir : TmpfsNode
{
    readonly Dictionary<string, TmpfsNode?> _children = new(StringComparer.Ordinal);
    CachedNames? _lower;
    // Names the lower said it does not have (negative dentries, as Linux's and gVisor's dcache keeps): the lower is
    // read-only, so asking the gofer again (a round trip, 30-50 us here) would get the same answer. Like the positive
    // entries above, they are not revalidated against the host. A name the sandbox makes here is in _children, which
    // is looked at first. Bounded: past MaxMissing names the set starts over.
    HashSet<string>? _lowerMissing;
    const int MaxMissing = 512;

    public TmpfsDir(TmpfsFs fs, uint perm, Task? t) : base(fs, InodeMode.S_IFDIR | (perm & 0xfff), t) => Nlink = 2;
    internal TmpfsDir(TmpfsFs fs, Inode lower, in LinuxStat st) : base(fs, lower, st) { }

    // Lookups are dictionary hits; not caching dentries keeps renames and unlinks simple.
    public override bool CacheChildren => false;

    public override Errno Lookup(Task t, string name, out Inode? child) => Lookup(t, name, default, out child);

    // ahead goes to the lower file system's lookup (a gofer tree walks it in the same round trip).
    public override Errno Lookup(Task t, string name, ReadOnlySpan<char> ahead, out Inode? child)
    {
        var e = Find(t, name, ahead, out var node);
        child = node;
        return e;
    }

    Errno Find(Task? t, string name, out TmpfsNode? node) => Find(t, name, default, out node);

    Errno Find(Task? t, string name, ReadOnlySpan<char> ahead, out TmpfsNode? node)
    {
        lock (Lock)
        {
            if (_children.TryGetValue(name, out node)) return node == null ? Errno.ENOENT : Errno.None;
            if (Lower == null) return Errno.ENOENT;
            if (_lower != null && Fs.Cache!.TryGet(_lower, name, out var cached))
            {
                node = (TmpfsNode)cached!;
                return Errno.None;
            }
            if (_lowerMissing != null && _lowerMissing.Contains(name)) return Errno.ENOENT;
            var e = Lower.Lookup(t!, name, ahead, out var lower);
            if (e == Errno.ENOENT)
            {
                _lowerMissing ??= new HashSet<string>(StringComparer.Ordinal);
                if (_lowerMissing.Count >= MaxMissing) _lowerMissing.Clear();
                _lowerMissing.Add(name);
            }
            if (e != Errno.None) return e;
            node = Wrap(Fs, lower!);
            node.LookedUp(this, name);
            Fs.Cache!.Add(_lower ??= new CachedNames(), name, node);
            return Errno.None;
        }
    }

    /// <summary>child, looked up here as name, now has state of its own: hold it (and this directory) for good.</summary>
    internal void KeepChild(string name, TmpfsNode child)
    {
        lock (Lock)
        {
            if (_lower != null) Fs.Cache!.Remove(_lower, name);
            // A whiteout or another node may have taken the name since (then child has no name here).
            if (!_children.ContainsKey(name)) _children[name] = child;
        }
        Keep();
    }

    // Takes name's entry out of the weakly held ones (under Lock), before the name changes.
    void ForgetLower(string name)
    {
        if (_lower != null) Fs.Cache!.Remove(_lower, name);
    }

    bool LowerHas(string name) => Lower != null && Lower.Lookup(null!, name, out _) == Errno.None;

    public override Errno ReadDir(Task t, List<DirEntry> into)
    {
        lock (Lock)
        {
            foreach (var (n, c) in _children)
                if (c != null) into.Add(new DirEntry(n, c.Ino, InodeMode.DirentType(c.Mode)));
            if (Lower == null) return Errno.None;
            var lower = new List<DirEntry>();
            var e = Lower.ReadDir(t, lower);
            if (e != Errno.None) return e;
            foreach (var d in lower)
                if (!_children.ContainsKey(d.Name)) into.Add(d);
        }
        return Errno.None;
    }

    bool IsEmpty(Task t)
    {
        var list = new List<DirEntry>();
        ReadDir(t, list);
        return list.Count == 0;
    }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        if (OpenFlags.CanWrite(flags)) return Errno.EISDIR;
        fd = new Synthetic.SynthDirFile(flags, path, this);
        return Errno.None;
    }

    Errno Add(Task? t, string name, TmpfsNode node)
    {
        var e = CopyUp();
        if (e != Errno.None) return e;
        lock (Lock)
        {
            if (Find(t, name, out _) == Errno.None) return Errno.EEXIST;
            ForgetLower(name);
            node.Anchor();
            _children[name] = node;
            if (node is TmpfsDir) Nlink++;
        }
        Touch();
        return Errno.None;
    }

    public override Errno Create(Task t, string name, uint mode, out Inode? child)
    {
        var f = new TmpfsFile(Fs, mode, t);
        f.InheritAcl(this);
        child = f;
        return Add(t, name, f);
    }

    /// <summary>An unnamed file for O_TMPFILE: it gets a name only through linkat.</summary>
    public override Errno CreateUnnamed(Task t, uint mode, bool linkable, out Inode? child)
    {
        var f = new TmpfsFile(Fs, mode, t) { Nlink = 0, Linkable = linkable };
        f.InheritAcl(this);
        child = f;
        return Errno.None;
    }

    public override Errno Mkdir(Task t, string name, uint mode)
    {
        var d = new TmpfsDir(Fs, mode, t);
        d.InheritAcl(this);
        return Add(t, name, d);
    }

    public override Errno Symlink(Task t, string name, string target)
    {
        // A long target takes a page of the file system's space, as shmem_symlink's (shorter ones live in the inode).
        bool page = LinuxText.ByteCount(target) + 1 > TmpfsSymlink.ShortSymlinkLen;
        if (page && Fs.Space is { } space && !space.TryCharge(1)) return Errno.ENOSPC;
        var link = new TmpfsSymlink(Fs, target, t) { OwnsPage = page };
        var e = Add(t, name, link);
        if (e != Errno.None) link.Unlinked();
        return e;
    }

    public override Errno Link(Task t, string name, Inode target)
    {
        if (target is not TmpfsNode n || n.Fs != Fs) return Errno.EXDEV;
        if (n is TmpfsDir) return Errno.EPERM;
        var e = n.CopyUp();
        if (e != Errno.None) return e;
        lock (n.LockObject)
            if (n.Nlink == 0 && !n.Linkable) return Errno.ENOENT;
        e = Add(t, name, n);
        if (e == Errno.None)
        {
            lock (n.LockObject) { n.Nlink++; n.Linkable = false; }
            n.Touch(false);
        }
        return e;
    }

    public override Errno Unlink(Task t, string name, bool dir)
    {
        var e = Find(t, name, out var c);
        if (e != Errno.None) return e;
        if (dir && c is not TmpfsDir) return Errno.ENOTDIR;
        if (!dir && c is TmpfsDir) return Errno.EISDIR;
        if (c is TmpfsDir d && !d.IsEmpty(t)) return Errno.ENOTEMPTY;
        e = CopyUp();
        if (e != Errno.None) return e;
        Detach(name, c!);
        Touch();
        return Errno.None;
    }

    /// <summary>Takes name out of this directory: a whiteout hides the lower's entry of the same name.</summary>
    void Detach(string name, TmpfsNode c)
    {
        c.Anchor(); // no name left to be looked up by: nothing to keep in a directory
        lock (Lock)
        {
            ForgetLower(name);
            if (LowerHas(name)) _children[name] = null;
            else _children.Remove(name);
            if (c is TmpfsDir) Nlink--;
        }
        bool gone;
        lock (c.LockObject)
        {
            if (c is TmpfsDir) c.Nlink = 0;
            else if (c.Nlink > 0) c.Nlink--;
            gone = c.Nlink == 0;
        }
        if (gone) c.Unlinked();
        c.Touch(false);
    }

    /// <summary>Puts c under name, replacing what was there (the caller has checked types).</summary>
    void Attach(string name, TmpfsNode c)
    {
        c.Anchor();
        lock (Lock)
        {
            ForgetLower(name);
            _children[name] = c;
            if (c is TmpfsDir) Nlink++;
        }
    }

    public override Errno Rename(Task t, string oldName, Inode newDir, string newName, uint flags)
    {
        const uint NOREPLACE = 1, EXCHANGE = 2;
        if (newDir is not TmpfsDir to || to.Fs != Fs) return Errno.EXDEV;
        // One lock for the whole file system's renames keeps two directories consistent.
        lock (Fs)
        {
            var e = Find(t, oldName, out var src);
            if (e != Errno.None) return e;
            bool exists = to.Find(t, newName, out var dst) == Errno.None;
            if ((flags & EXCHANGE) != 0)
            {
                if (!exists) return Errno.ENOENT;
                if ((e = CopyUp()) != Errno.None || (e = to.CopyUp()) != Errno.None) return e;
                if (src == dst) return Errno.None;
                src!.Anchor();
                dst!.Anchor();
                lock (Lock) { ForgetLower(oldName); _children[oldName] = dst; if (dst is TmpfsDir) Nlink++; if (src is TmpfsDir) Nlink--; }
                lock (to.Lock) { to.ForgetLower(newName); to._children[newName] = src; if (src is TmpfsDir) to.Nlink++; if (dst is TmpfsDir) to.Nlink--; }
                Touch(); to.Touch();
                return Errno.None;
            }
            if (exists)
            {
                if ((flags & NOREPLACE) != 0) return Errno.EEXIST;
                if (dst == src) return Errno.None;
                if (src is TmpfsDir && dst is not TmpfsDir) return Errno.ENOTDIR;
                if (src is not TmpfsDir && dst is TmpfsDir) return Errno.EISDIR;
                if (dst is TmpfsDir dd && !dd.IsEmpty(t)) return Errno.ENOTEMPTY;
            }
            if ((e = CopyUp()) != Errno.None || (e = to.CopyUp()) != Errno.None) return e;
            if (exists) to.Detach(newName, dst!);
            lock (Lock)
            {
                ForgetLower(oldName);
                if (LowerHas(oldName)) _children[oldName] = null;
                else _children.Remove(oldName);
                if (src is TmpfsDir) Nlink--;
            }
            to.Attach(newName, src!);
            Touch();
            to.Touch();
            src!.Touch(false);
            return Errno.None;
        }
    }
}
