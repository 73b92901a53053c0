using static Tmds.Linux.LibC;

namespace AppKernel.Sentry.FileSystems.Gofer;

/// <summary>
/// Host fds of files opened read-only, kept so that the next read-only open of the same file dups one instead of
/// asking the gofer: programs open the same libraries and files again and again. Bounded: past the capacity the
/// least recently used is closed. Read-only opens share nothing through the host fd (reads are preads at the
/// description's own offset; locks and status flags live in the Sentry). Keyed by the host's (dev, ino), not by
/// the node, so a file whose node the entry cache dropped and walked again still finds its fd (the kept fd
/// holds the host inode, so the pair cannot name another file meanwhile), and no node is kept alive by it.
/// </summary>
sealed class ReadOnlyFds
{
    const int Capacity = 128;
    readonly Dictionary<(ulong Dev, ulong Ino), LinkedListNode<((ulong Dev, ulong Ino) Id, int Fd)>> _map = new();
    readonly LinkedList<((ulong Dev, ulong Ino) Id, int Fd)> _lru = new();

    /// <summary>A new fd for inode's file from the kept one, or -1 when none is kept.</summary>
    public int Dup(GoferInode inode)
    {
        lock (_map)
        {
            if (!_map.TryGetValue(inode.HostId, out var node)) return -1;
            _lru.Remove(node);
            _lru.AddFirst(node);
            return fcntl(node.Value.Fd, F_DUPFD_CLOEXEC, 0);
        }
    }

    /// <summary>Keeps a copy of fd, just opened read-only for inode.</summary>
    public void Keep(GoferInode inode, int fd)
    {
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (copy >= 0) Adopt(inode, copy);
    }

    /// <summary>Keeps fd itself (a read-only fd of inode's file, the caller's no longer), or closes it if one is kept.</summary>
    public void Adopt(GoferInode inode, int fd)
    {
        lock (_map)
        {
            var id = inode.HostId;
            if (_map.ContainsKey(id)) { close(fd); return; }
            _map[id] = _lru.AddFirst((id, fd));
            if (_lru.Count <= Capacity) return;
            var last = _lru.Last!;
            _lru.RemoveLast();
            _map.Remove(last.Value.Id);
            close(last.Value.Fd);
        }
    }
}
