using AppKernel.Gofer;
using AppKernel.Sentry.FileSystems.Host;
using AppKernel.Sentry.FileSystems.Pipe;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Gofer;

/// <summary>
/// The container's root as the gofer serves it. The Sentry holds fids, never host paths: lookups are gofer
/// walks, file data moves through host fds the gofer donates (no round trip per read or write).
/// </summary>
public sealed class GoferFs
{
    public GoferClient Client { get; }
    /// <summary>Whether changes go to the host directory (else the overlay above never asks for any).</summary>
    public bool Writable { get; }
    internal ReadOnlyFds ReadOnlyFds { get; } = new();
    /// <summary>Whether the tree names its walked nodes itself (no overlay above does it), so a node walked again is the
    /// same object: mounts, locks and pipes are keyed by it.</summary>
    public bool KeepsNodes { get; }
    /// <summary>Bounds the walked nodes kept (each holds a fid): this tree's, or the overlay's above it.</summary>
    public EntryCache Cache { get; }
    /// <summary>The names in the listings its directories keep (GoferInode's _listing), against MaxListedNames.</summary>
    internal long ListedNames;
    /// <summary>Bounds the kept listings' memory (~70 bytes a name) whatever the directories the entry cache holds.</summary>
    internal const long MaxListedNames = 64 << 10;

    GoferFs(GoferClient client, bool writable, bool keepsNodes, int cacheCapacity)
    {
        Client = client;
        Writable = writable;
        KeepsNodes = writable || keepsNodes;
        Cache = new EntryCache(cacheCapacity);
        // Dropped nodes' fids were queued by their finalizers: give them back now, not at the next request.
        Cache.Reclaimed += client.FlushClunks;
    }

    /// <summary>The root inode of the gofer's tree; cacheCapacity bounds the unused nodes kept. overlaid: an overlay
    /// above names the nodes (a writable tree always names its own).</summary>
    public static Errno Attach(GoferClient client, bool writable, bool overlaid, out Inode? root, int cacheCapacity = EntryCache.DefaultCapacity)
    {
        root = null;
        var e = client.Attach(out var fid, out var st);
        if (e != Errno.None) return e;
        root = new GoferInode(new GoferFs(client, writable, !overlaid, cacheCapacity), fid, st);
        return Errno.None;
    }
}

public sealed class GoferInode : Inode
{
    readonly GoferFs _fs;
    readonly ulong _fid;
    GoferStat _st;
    string? _link;
    // Writable and read-only (not overlaid) trees keep their own child cache (kept right by our own changes, bounded by the fs's
    // EntryCache: a dropped node is walked again); under the overlay the overlay's nodes are the cache.
    CachedNames? _children;
    // Keeps the directory that names this node alive while the node is (as a dentry pins its parent), so the
    // next lookup of the name finds this node and not a second one for the same file.
    readonly GoferInode? _parent;
    // Inside a tree walk (find, du, ls -R), a read-only tree's listing also walks the subdirectories (ReadDir's
    // walkedDirs), so each is then looked up without a round trip. Each fid is taken by the first lookup of its name,
    // or clunked with this node. Each also brings its listing when it fit in the reply (the next thing a tree walk
    // asks of it).
    Dictionary<string, (ulong Fid, GoferStat Stat, IReadOnlyList<GoferDirent>? Listing)>? _walkedDirs;
    // This directory's listing, taken with its walk: its first listing is served from it if it has no subdirectories
    // (a leaf of the walk costs no round trip); one with subdirectories asks the gofer, which walks and lists them.
    IReadOnlyList<GoferDirent>? _prefetched;
    // A tree walk lists a directory, then enters its subdirectories: a directory looked up after its parent was
    // listed, or one whose fid such a listing walked, walks its own subdirectories when listed. A program that lists
    // a directory of many packages and enters few of them (python's sys.path) does not pay for the rest.
    bool _listed, _inTreeWalk;
    // Under the overlay, a directory's listing is kept from its first (the tree does not change under us, as Stat
    // assumes too): programs list the same directories again and again (python its sys.path at every start, shells
    // their PATH), each listing a round trip or more. Not past MaxListed names (a huge directory's listing pins its
    // memory for as long as the node lives), nor past the tree's GoferFs.MaxListedNames in all (a tree walk lists
    // thousands of directories once each).
    const int MaxListed = 4096;
    DirEntry[]? _listing;
    // The kept listing's names answer lookups' misses without a walk. A directory not listed yet gets its listing with
    // the first walk that misses in it (WalkRequest.ListOnMiss): one probed for a name it lacks (a compiler's search
    // paths, a shell's PATH) is mostly probed for more. The overlay remembers a miss anyway (its negative entries),
    // so a name the host adds later was not going to be seen either; a tree without the overlay (writable, or an OCI
    // bind mount a host may update) always walks. A large directory (over 16 KiB, some 500 names on ext4) is not
    // listed for a miss: its listing costs more than the few misses it would save (python misses 7 names in /usr/bin,
    // of 1,300).
    const long MaxNamesDirBytes = 16 << 10;
    HashSet<string>? _names;
    // Under the overlay, a lookup in a path walk also walks up to MaxAhead of the names that follow in the path, in the
    // same request: each node it reaches keeps the rest (its Ahead), and the next lookup there takes it, by the name
    // it asks or not at all. The last name may be a known miss (ENOENT), the overlay's negative entry from then on.
    const int MaxAhead = 8;
    // LastLink: the last walked node's symlink target, which the walk brought; LastFd: its read-only host fd, which a
    // walk for an open brings (ReadOnlyFds keeps it when the node is made, else it is closed with the chain's fids).
    sealed record Ahead(string[] Names, (ulong Fid, GoferStat Stat)[] Walked, Errno End, string? LastLink, int LastFd);
    Ahead? _ahead;

    internal GoferInode(GoferFs fs, ulong fid, in GoferStat st, GoferInode? parent = null)
    {
        _fs = fs;
        _fid = fid;
        _st = st;
        _parent = parent;
    }

    // The node is unreachable (no entry, file, mapping or path uses it): the fid goes back to the gofer, and so do
    // those of its walked subdirectories that were never looked up.
    ~GoferInode()
    {
        _fs.Client.Clunk(_fid);
        if (_walkedDirs != null)
            foreach (var w in _walkedDirs.Values) _fs.Client.Clunk(w.Fid);
        if (_ahead != null) ClunkAll(_ahead);
        if (_listing != null) Interlocked.Add(ref _fs.ListedNames, -_listing.Length);
    }

    void ClunkAll(Ahead a)
    {
        foreach (var w in a.Walked) _fs.Client.Clunk(w.Fid);
        if (a.LastFd >= 0) Tmds.Linux.LibC.close(a.LastFd);
    }

    GoferClient C => _fs.Client;

    public override EntryCache? Entries => _fs.Cache;

    /// <summary>The inode's host identity (ReadOnlyFds' key).</summary>
    internal (ulong Dev, ulong Ino) HostId => (_st.Dev, _st.Ino);

    public override uint Mode => _st.Mode;

    public override bool CacheChildren => false;

    public override Errno Stat(out LinuxStat st)
    {
        // A read-only tree does not change under us; a writable one changes through donated fds too.
        if (_fs.Writable && C.Stat(_fid, out var fresh) == Errno.None) _st = fresh;
        st = ToLinux(_st);
        return Errno.None;
    }

    static LinuxStat ToLinux(in GoferStat s) => new()
    {
        Dev = s.Dev, Ino = s.Ino, Nlink = s.Nlink, Mode = s.Mode, Uid = s.Uid, Gid = s.Gid, Rdev = s.Rdev,
        Size = s.Size, Blksize = s.Blksize, Blocks = s.Blocks,
        Atime = s.AtimeSec, AtimeNsec = s.AtimeNsec, Mtime = s.MtimeSec, MtimeNsec = s.MtimeNsec, Ctime = s.CtimeSec, CtimeNsec = s.CtimeNsec,
    };

    public override Errno Lookup(Task t, string name, out Inode? child) => Lookup(t, name, default, out child);

    public override Errno Lookup(Task t, string name, ReadOnlySpan<char> ahead, out Inode? child)
    {
        child = null;
        if (!IsDir) return Errno.ENOTDIR;
        lock (this)
        {
            if (_children != null && _fs.Cache.TryGet(_children, name, out child)) return Errno.None;
            if (_walkedDirs != null && _walkedDirs.Remove(name, out var w))
            {
                child = Walked(name, w.Fid, w.Stat, inTreeWalk: true, w.Listing);
                return Errno.None;
            }
        }
        if (Interlocked.Exchange(ref _ahead, null) is { } chain && TakeAhead(chain, name, out child) is var answered and not Errno.EAGAIN)
            return answered;
        if (Volatile.Read(ref _names) is { } names && !names.Contains(name)) return Errno.ENOENT;
        var path = AheadNames(name, ahead, out bool toEnd);
        var walked = new List<(ulong Fid, GoferStat Stat)>(path.Length);
        bool listOnMiss = !_fs.KeepsNodes && Volatile.Read(ref _names) == null && _st.Size <= MaxNamesDirBytes;
        var e = C.Walk(_fid, path, walked, openLast: toEnd && t is { ResolvingToRead: true }, listOnMiss,
            out var lastLink, out int lastFd, out var missListing);
        if (walked.Count == 0)
        {
            if (missListing != null) KeepListing(missListing.Select(d => new DirEntry(d.Name, d.Ino, d.Type)), missListing.Count);
            return e != Errno.None ? e : Errno.EIO;
        }
        return TakeAhead(new Ahead(path, walked.ToArray(), e, lastLink, lastFd), name, out child);
    }

    // name and, under the overlay, up to MaxAhead names that follow it in the path: up to a "." or "..", or a name the
    // gofer would refuse. toEnd: they are all the path's names left (the last is the path's last).
    string[] AheadNames(string name, ReadOnlySpan<char> ahead, out bool toEnd)
    {
        toEnd = ahead.IndexOfAnyExcept('/') < 0;
        if (_fs.KeepsNodes || toEnd) return [name];
        var path = new List<string>(4) { name };
        foreach (var range in ahead.Split('/'))
        {
            var part = ahead[range];
            if (part.IsEmpty) continue;
            if (path.Count > MaxAhead || part is "." or "..") return path.ToArray();
            var s = part.ToString();
            if (AppKernel.Gofer.Protocol.Names.Check(s) != Errno.None) return path.ToArray();
            path.Add(s);
        }
        toEnd = true;
        return path.ToArray();
    }

    // What a walk from here brought for the lookups below this node: kept if it holds a fid, or a miss right here.
    void KeepAhead(Ahead rest)
    {
        if (rest.Walked.Length == 0 && rest.End != Errno.ENOENT) return;
        if (Interlocked.Exchange(ref _ahead, rest) is { } old) ClunkAll(old);
    }

    // The lookup of name from a walk from here (this lookup's own, or one kept from a walk through here): its node
    // (the rest going on to it), a known miss, or EAGAIN when the walk went elsewhere (its fids go back) or failed
    // here otherwise (ask again).
    Errno TakeAhead(Ahead chain, string name, out Inode? child)
    {
        child = null;
        if (chain.Names[0] != name)
        {
            ClunkAll(chain);
            return Errno.EAGAIN;
        }
        if (chain.Walked.Length == 0) return chain.End == Errno.ENOENT ? Errno.ENOENT : Errno.EAGAIN;
        var node = Walked(name, chain.Walked[0].Fid, chain.Walked[0].Stat, inTreeWalk: Volatile.Read(ref _listed));
        if (chain.Walked.Length == 1)
        {
            if (node.IsSymlink) node._link = chain.LastLink;
            if (chain.LastFd >= 0) _fs.ReadOnlyFds.Adopt(node, chain.LastFd);
            chain = chain with { LastFd = -1 };
        }
        if (chain.Names.Length > 1) node.KeepAhead(chain with { Names = chain.Names[1..], Walked = chain.Walked[1..] });
        child = node;
        return Errno.None;
    }

    // The node of a fid walked from here by name.
    GoferInode Walked(string name, ulong fid, in GoferStat st, bool inTreeWalk, IReadOnlyList<GoferDirent>? listing = null)
    {
        var node = new GoferInode(_fs, fid, st, _fs.Writable ? this : null) { _inTreeWalk = inTreeWalk, _prefetched = listing };
        if (_fs.KeepsNodes) Remember(name, node);
        return node;
    }

    void Remember(string name, GoferInode node)
    {
        lock (this) _fs.Cache.Add(_children ??= new CachedNames(), name, node);
    }

    void Forget(string name)
    {
        lock (this)
            if (_children != null) _fs.Cache.Remove(_children, name);
    }

    public override Errno ReadDir(Task t, List<DirEntry> into)
    {
        if (!IsDir) return Errno.ENOTDIR;
        Volatile.Write(ref _listed, true);
        if (Volatile.Read(ref _listing) is { } kept)
        {
            into.AddRange(kept);
            return Errno.None;
        }
        int first = into.Count;
        var prefetched = Interlocked.Exchange(ref _prefetched, null);
        if (prefetched != null && !prefetched.Any(d => d.Type == AppKernel.Gofer.Protocol.ReadDirReply.DT_DIR))
        {
            foreach (var d in prefetched) into.Add(new DirEntry(d.Name, d.Ino, d.Type));
            KeepListing(into.Skip(first), into.Count - first);
            return Errno.None;
        }
        // Only a read-only tree's: a writable one changes, and a walked fid could name what a rename moved away.
        var walkedDirs = _fs.Writable || !_inTreeWalk ? null : new List<(string Name, ulong Fid, GoferStat Stat, IReadOnlyList<GoferDirent>? Listing)>();
        var e = ListBatches(walkedDirs, batch =>
        {
            foreach (var d in batch)
                if (d.Name is not ("." or "..")) into.Add(new DirEntry(d.Name, d.Ino, d.Type));
            return true;
        });
        if (e == Errno.None) KeepListing(into.Skip(first), into.Count - first);
        return e;
    }

    // The whole listing (its n entries), kept under the overlay with its names (see _listing and _names). Copied only
    // once it is sure to be kept: past the tree's budget a tree walk's listings cost nothing more.
    void KeepListing(IEnumerable<DirEntry> entries, int n)
    {
        if (_fs.KeepsNodes || n > MaxListed || Volatile.Read(ref _listing) != null) return;
        if (Interlocked.Add(ref _fs.ListedNames, n) > GoferFs.MaxListedNames)
        {
            Interlocked.Add(ref _fs.ListedNames, -n);
            return;
        }
        var listing = entries.ToArray();
        if (Interlocked.CompareExchange(ref _listing, listing, null) != null)
        {
            Interlocked.Add(ref _fs.ListedNames, -n); // listed twice at once
            return;
        }
        var names = new HashSet<string>(n, StringComparer.Ordinal);
        foreach (var d in listing) names.Add(d.Name);
        Volatile.Write(ref _names, names);
    }

    /// <summary>The gofer's listing of this directory, batch by batch from the start, to onBatch until it returns
    /// false or the listing ends. With walkedDirs, the subdirectories each batch walked (and their listings) are kept
    /// for lookups (<see cref="KeepWalked"/>).</summary>
    Errno ListBatches(List<(string Name, ulong Fid, GoferStat Stat, IReadOnlyList<GoferDirent>? Listing)>? walkedDirs,
        Func<List<GoferDirent>, bool> onBatch)
    {
        var batch = new List<GoferDirent>();
        ulong cookie = 0;
        while (true)
        {
            batch.Clear();
            var e = C.ReadDir(_fid, cookie, batch, out bool end, walkedDirs, listDirs: true);
            if (walkedDirs is { Count: > 0 }) KeepWalked(walkedDirs);
            if (e != Errno.None) return e;
            if (!onBatch(batch) || end) return Errno.None;
            cookie = batch[^1].NextCookie;
        }
    }

    void KeepWalked(List<(string Name, ulong Fid, GoferStat Stat, IReadOnlyList<GoferDirent>? Listing)> walked)
    {
        lock (this)
        {
            _walkedDirs ??= new Dictionary<string, (ulong, GoferStat, IReadOnlyList<GoferDirent>?)>(StringComparer.Ordinal);
            foreach (var (name, fid, st, listing) in walked)
                if (!_walkedDirs.TryAdd(name, (fid, st, listing))) C.Clunk(fid); // listed again before it was looked up
        }
        walked.Clear();
    }

    public override Errno ReadLink(Task t, out string target)
    {
        target = "";
        if (!IsSymlink) return Errno.EINVAL;
        if (_link == null)
        {
            var e = C.ReadLink(_fid, out var l);
            if (e != Errno.None) return e;
            _link = l;
        }
        target = _link;
        return Errno.None;
    }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        switch (Mode & InodeMode.S_IFMT)
        {
            case InodeMode.S_IFDIR:
                if (OpenFlags.CanWrite(flags)) return Errno.EISDIR;
                fd = new Synthetic.SynthDirFile(flags, path, this);
                return Errno.None;
            case InodeMode.S_IFREG:
                break;
            case InodeMode.S_IFIFO:
                return NamedPipe.Open(t, this, path, flags, out fd); // a FIFO of the sandbox, never the host's
            case InodeMode.S_IFSOCK:
                return Errno.ENXIO;
            default:
                return Errno.EACCES; // host device nodes are never opened for the guest
        }
        int hostFlags = flags & (OpenFlags.O_ACCMODE | OpenFlags.O_APPEND);
        bool readOnly = hostFlags == OpenFlags.O_RDONLY;
        int hfd = readOnly ? _fs.ReadOnlyFds.Dup(this) : -1;
        if (hfd < 0)
        {
            var e = C.Open(_fid, hostFlags, out hfd);
            if (e != Errno.None) return e;
            if (readOnly) _fs.ReadOnlyFds.Keep(this, hfd);
        }
        fd = new HostFile(flags, path, this, hfd);
        return Errno.None;
    }

    // Changes: only a writable tree gets them (under the overlay, the overlay keeps changes in memory).

    Errno Made(string name, Errno e, ulong fid, in GoferStat st)
    {
        if (e != Errno.None) return e;
        Remember(name, new GoferInode(_fs, fid, st, this));
        Touched();
        return Errno.None;
    }

    void Touched()
    {
        if (C.Stat(_fid, out var st) == Errno.None) _st = st;
    }

    public override Errno Create(Task t, string name, uint mode, out Inode? child)
    {
        child = null;
        if (!_fs.Writable) return Errno.EROFS;
        Errno e;
        ulong fid;
        GoferStat st;
        if ((mode & InodeMode.S_IFMT) is InodeMode.S_IFIFO or InodeMode.S_IFSOCK)
            e = C.Mknod(_fid, name, mode, t.Creds.Fsuid, t.Creds.Fsgid, out fid, out st);
        else
        {
            e = C.Create(_fid, name, OpenFlags.O_RDWR, mode & 0xfff, t.Creds.Fsuid, t.Creds.Fsgid, out fid, out st, out var hfd);
            if (e == Errno.None) Tmds.Linux.LibC.close(hfd);
        }
        if (e != Errno.None) return e;
        var node = new GoferInode(_fs, fid, st, this);
        Remember(name, node);
        Touched();
        child = node;
        return Errno.None;
    }

    public override Errno Mkdir(Task t, string name, uint mode)
    {
        if (!_fs.Writable) return Errno.EROFS;
        var e = C.Mkdir(_fid, name, mode & 0xfff, t.Creds.Fsuid, t.Creds.Fsgid, out var fid, out var st);
        return Made(name, e, fid, st);
    }

    public override Errno Symlink(Task t, string name, string target)
    {
        if (!_fs.Writable) return Errno.EROFS;
        var e = C.Symlink(_fid, name, target, t.Creds.Fsuid, t.Creds.Fsgid, out var fid, out var st);
        return Made(name, e, fid, st);
    }

    public override Errno Link(Task t, string name, Inode target)
    {
        if (!_fs.Writable) return Errno.EROFS;
        if (target is not GoferInode g || g._fs != _fs) return Errno.EXDEV;
        var e = C.Link(_fid, name, g._fid, out var st);
        if (e != Errno.None) return e;
        g._st = st;
        Remember(name, g);
        Touched();
        return Errno.None;
    }

    public override Errno Unlink(Task t, string name, bool dir)
    {
        if (!_fs.Writable) return Errno.EROFS;
        var e = C.Unlink(_fid, name, dir);
        if (e != Errno.None) return e;
        Forget(name);
        Touched();
        return Errno.None;
    }

    public override Errno Rename(Task t, string oldName, Inode newDir, string newName, uint flags)
    {
        if (!_fs.Writable) return Errno.EROFS;
        if (newDir is not GoferInode to || to._fs != _fs) return Errno.EXDEV;
        var e = C.Rename(_fid, oldName, to._fid, newName, flags);
        if (e != Errno.None) return e;
        Forget(oldName);
        to.Forget(newName);
        Touched();
        if (to != this) to.Touched();
        return Errno.None;
    }

    Errno SetAttr(SetAttrMask mask, uint mode = 0, uint uid = 0, uint gid = 0, long size = 0, long atime = 0, long mtime = 0)
    {
        if (!_fs.Writable) return Errno.EROFS;
        var e = C.SetAttr(_fid, mask, mode, uid, gid, size, atime, mtime, out var st);
        if (e == Errno.None) _st = st;
        return e;
    }

    public override Errno SetMode(uint perm) => SetAttr(SetAttrMask.Mode, mode: perm & 0xfff);

    public override Errno SetOwner(uint uid, uint gid) =>
        SetAttr((uid != uint.MaxValue ? SetAttrMask.Uid : 0) | (gid != uint.MaxValue ? SetAttrMask.Gid : 0), uid: uid, gid: gid);

    public override Errno Truncate(long size) => SetAttr(SetAttrMask.Size, size: size);

    public override Errno SetTimes(long? atimeNs, long? mtimeNs) =>
        SetAttr((atimeNs != null ? SetAttrMask.Atime : 0) | (mtimeNs != null ? SetAttrMask.Mtime : 0), atime: atimeNs ?? 0, mtime: mtimeNs ?? 0);

    public override Errno GetXattr(string name, out byte[]? value)
    {
        var e = C.GetXattr(_fid, name, 65536, out var v);
        value = e == Errno.None ? v : null;
        return e;
    }

    public override Errno ListXattr(List<string> names)
    {
        var e = C.ListXattr(_fid, 65536, out var list);
        if (e == Errno.None) names.AddRange(list);
        return e == Errno.EOPNOTSUPP ? Errno.None : e;
    }

    public override Errno SetXattr(string name, byte[] value, int flags) =>
        !_fs.Writable ? Errno.EROFS : C.SetXattr(_fid, name, value, flags);

    public override Errno RemoveXattr(string name) =>
        !_fs.Writable ? Errno.EROFS : C.RemoveXattr(_fid, name);
}
