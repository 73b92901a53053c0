using static Tmds.Linux.LibC;

namespace AppKernel.Sentry.FileSystems.Gofer;

/// <summary>
/// Host fds of files opened read-only, kept so that the next read-only open of the same file dups one instead of
/// asking the gofer: programs open the same libraries and files again and again. Bounded: past the capacity the
/// least recently used is closed. Read-only opens share nothing through the host fd (reads are preads at the
/// description's own offset; locks and status flags live in the Sentry).
/// </summary>
sealed class ReadOnlyFds
{
    const int Capacity = 128;
    readonly Dictionary<GoferInode, LinkedListNode<(GoferInode Inode, int Fd)>> _map = new();
    readonly LinkedList<(GoferInode Inode, int Fd)> _lru = new();

    /// <summary>A new fd for inode's file from the kept one, or -1 when none is kept.</summary>
    public int Dup(GoferInode inode)
    {
        lock (_map)
        {
            if (!_map.TryGetValue(inode, out var node)) return -1;
            _lru.Remove(node);
            _lru.AddFirst(node);
            return fcntl(node.Value.Fd, F_DUPFD_CLOEXEC, 0);
        }
    }

    /// <summary>Keeps a copy of fd, just opened read-only for inode.</summary>
    public void Keep(GoferInode inode, int fd)
    {
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (copy < 0) return;
        lock (_map)
        {
            if (_map.ContainsKey(inode)) { close(copy); return; }
            _map[inode] = _lru.AddFirst((inode, copy));
            if (_lru.Count <= Capacity) return;
            var last = _lru.Last!;
            _lru.RemoveLast();
            _map.Remove(last.Value.Inode);
            close(last.Value.Fd);
        }
    }
}
