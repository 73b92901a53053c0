using AppKernel.Gofer.Native;
using static Tmds.Linux.LibC;

namespace AppKernel.Gofer.Server;

/// <summary>A node the client names by fid: an O_PATH fd we hold and its file type (which never changes).</summary>
internal readonly record struct Node(int Fd, uint Mode)
{
    public uint Type => Mode & GoferSys.S_IFMT;
    public bool IsDir => Type == GoferSys.S_IFDIR;
    public bool IsReg => Type == GoferSys.S_IFREG;
    public bool IsSymlink => Type == GoferSys.S_IFLNK;
}

/// <summary>
/// The fids of one connection. Fids are never reused (a counter), so a stale fid can only miss (EBADF),
/// never name another node. The number of live fids is capped (ENFILE beyond).
/// A tree bigger than the fd limit still works: a walked node remembers its parent fid and name, and when
/// more than <see cref="FdBudget"/> fds are open the least recently used are closed; the next use reopens
/// the node one component from its parent (O_NOFOLLOW) and checks it is the same inode (dev, ino), else the
/// fid fails. Only read-only trees set a budget: a writable tree's names change under renames.
/// </summary>
internal sealed unsafe class FidTable
{
    sealed class Entry
    {
        public int Fd;
        public uint Mode;
        public ulong Parent;          // 0: pinned (its fd is never closed while the fid lives)
        public byte[]? Name;          // NUL-terminated, for reopening
        public ulong Dev, Ino;
        public int Children;          // live entries that reopen through this one
        public bool Clunked;          // released by the client but kept for its children
        public LinkedListNode<ulong>? Lru;
    }

    readonly Dictionary<ulong, Entry> _nodes = new();
    readonly LinkedList<ulong> _lru = new(); // evictable entries whose fd is open, least recently used first
    ulong _next = 1;
    int _live;
    int _released;
    /// <summary>Released fids between two <see cref="Compact"/>s that do any work.</summary>
    const int CompactEvery = 32_768;

    public int Max { get; set; } = 100_000;
    /// <summary>Most evictable fds kept open (int.MaxValue: never close any).</summary>
    public int FdBudget { get; set; } = int.MaxValue;
    public int Count => _live;
    public bool Full => _live >= Max;

    public ulong Add(int fd, uint mode)
    {
        ulong fid = _next++;
        _nodes.Add(fid, new Entry { Fd = fd, Mode = mode });
        _live++;
        return fid;
    }

    /// <summary>A node reached by walking name from parent: it may be closed and reopened later.</summary>
    public ulong AddChild(int fd, uint mode, ulong parent, ReadOnlySpan<byte> nameZ, ulong dev, ulong ino)
    {
        if (FdBudget == int.MaxValue || !_nodes.TryGetValue(parent, out var p)) return Add(fd, mode);
        ulong fid = _next++;
        var e = new Entry { Fd = fd, Mode = mode, Parent = parent, Name = nameZ.ToArray(), Dev = dev, Ino = ino };
        e.Lru = _lru.AddLast(fid);
        p.Children++;
        _nodes.Add(fid, e);
        _live++;
        return fid;
    }

    public bool TryGet(ulong fid, out Node node)
    {
        node = default;
        if (!_nodes.TryGetValue(fid, out var e) || e.Clunked) return false;
        if (!Ensure(fid, e)) return false;
        node = new Node(e.Fd, e.Mode);
        return true;
    }

    // Makes e's fd open (reopening through its parent) and marks it recently used.
    bool Ensure(ulong fid, Entry e)
    {
        if (e.Fd >= 0)
        {
            if (e.Lru != null) { _lru.Remove(e.Lru); _lru.AddLast(e.Lru); }
            return true;
        }
        if (!_nodes.TryGetValue(e.Parent, out var p) || !Ensure(e.Parent, p)) return false;
        int fd;
        fixed (byte* n = e.Name) fd = openat(p.Fd, n, GoferSys.O_PATH | GoferSys.O_NOFOLLOW | GoferSys.O_CLOEXEC, 0);
        if (fd < 0) return false;
        LinuxStat st;
        fixed (byte* empty = "\0"u8)
            if (fstatat(fd, empty, (Tmds.Linux.stat*)&st, GoferSys.AT_EMPTY_PATH | GoferSys.AT_SYMLINK_NOFOLLOW) < 0 || st.Dev != e.Dev || st.Ino != e.Ino)
            {
                close(fd);
                return false; // the name now leads to another file: the node is gone
            }
        e.Fd = fd;
        e.Lru = _lru.AddLast(fid);
        return true;
    }

    /// <summary>Closes least recently used fds down to the budget. Called between requests only, so no
    /// request ever holds an fd that gets closed under it.</summary>
    public void Trim()
    {
        while (_lru.Count > FdBudget && _lru.First is { } first)
        {
            var e = _nodes[first.Value];
            _lru.RemoveFirst();
            e.Lru = null;
            close(e.Fd);
            e.Fd = -1;
        }
    }

    /// <summary>Releases a fid and closes its fd; false if it was not live.</summary>
    public bool Remove(ulong fid)
    {
        if (!_nodes.TryGetValue(fid, out var e) || e.Clunked) return false;
        e.Clunked = true;
        _live--;
        Drop(fid, e);
        return true;
    }

    // Frees a clunked entry once nothing reopens through it, then its parent likewise.
    void Drop(ulong fid, Entry e)
    {
        while (e.Clunked && e.Children == 0)
        {
            _nodes.Remove(fid);
            _released++;
            if (e.Lru != null) _lru.Remove(e.Lru);
            if (e.Fd >= 0) close(e.Fd);
            if (e.Parent == 0 || !_nodes.TryGetValue(e.Parent, out var p)) return;
            p.Children--;
            fid = e.Parent;
            e = p;
        }
    }

    /// <summary>Released fids that make a collection worth it once the client goes quiet (<see cref="Compact"/>(idle)).</summary>
    const int IdleCompactMin = 1024;

    /// <summary>Whether enough fids were released since the last compaction to compact when the client is idle.</summary>
    public bool WorthCompactingWhenIdle => _released >= IdleCompactMin;

    /// <summary>Compactions done (for tests).</summary>
    public int Compactions { get; private set; }

    /// <summary>
    /// After many fids were released (a sandbox's entry cache dropped a tree it walked): shrinks the tables
    /// and collects the garbage, so the memory for them goes back to the host. Called between requests: at once
    /// after <see cref="CompactEvery"/> releases, or with idle when the client has been quiet after fewer (the
    /// walk is over and what it dropped would otherwise stay in the heap).
    /// </summary>
    public void Compact(bool idle = false)
    {
        if (_released < (idle ? IdleCompactMin : CompactEvery)) return;
        Compactions++;
        _released = 0;
        if (_nodes.EnsureCapacity(0) > 4 * Math.Max(_nodes.Count, 1024)) _nodes.TrimExcess();
        // In the middle of a walk a compacting collection bounds the heap; only an idle one gives the memory back to
        // the host (an aggressive collection), as the walk would fault it all in again at once (~12 us a page here).
        GC.Collect(GC.MaxGeneration, idle ? GCCollectionMode.Aggressive : GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    public void Clear()
    {
        foreach (var n in _nodes.Values)
            if (n.Fd >= 0) close(n.Fd);
        _nodes.Clear();
        _lru.Clear();
        _live = 0;
    }
}
