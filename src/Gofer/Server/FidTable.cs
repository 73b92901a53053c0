using static Tmds.Linux.LibC;

namespace AppKernel.Gofer.Server;

/// <summary>A node the client names by fid: an O_PATH fd we hold and its file type (which never changes).</summary>
internal readonly record struct Node(int Fd, uint Mode)
{
    public uint Type => Mode & Native.GoferSys.S_IFMT;
    public bool IsDir => Type == Native.GoferSys.S_IFDIR;
    public bool IsReg => Type == Native.GoferSys.S_IFREG;
    public bool IsSymlink => Type == Native.GoferSys.S_IFLNK;
}

/// <summary>
/// The fids of one connection. Fids are never reused (a counter), so a stale fid can only miss (EBADF),
/// never name another node. The number of live fids is capped (ENFILE beyond).
/// </summary>
internal sealed class FidTable
{
    readonly Dictionary<ulong, Node> _nodes = new();
    ulong _next = 1;

    public int Max { get; set; } = 100_000;
    public int Count => _nodes.Count;
    public bool Full => _nodes.Count >= Max;

    public ulong Add(int fd, uint mode)
    {
        ulong fid = _next++;
        _nodes.Add(fid, new Node(fd, mode));
        return fid;
    }

    public bool TryGet(ulong fid, out Node node) => _nodes.TryGetValue(fid, out node);

    /// <summary>Releases a fid and closes its fd; false if it was not live.</summary>
    public bool Remove(ulong fid)
    {
        if (!_nodes.Remove(fid, out var n)) return false;
        close(n.Fd);
        return true;
    }

    public void Clear()
    {
        foreach (var n in _nodes.Values) close(n.Fd);
        _nodes.Clear();
    }
}
