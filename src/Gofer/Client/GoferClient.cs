using AppKernel.Platform;
using AppKernel.Platform.Native;
using System.Collections.Concurrent;
using System.Text;
using AppKernel.Gofer.Native;
using AppKernel.Gofer.Protocol;
using static Tmds.Linux.LibC;

namespace AppKernel.Gofer;

/// <summary>
/// The Sentry's side of the gofer protocol. Thread-safe: one request is in flight at a time (a lock).
/// Every call returns an errno and never throws for anything the gofer does; once the gofer is gone
/// (peer closed, socket error, malformed reply) every call is EIO.
/// Names are checked before they are sent (ENAMETOOLONG over 255 bytes; EINVAL for "", ".", "..", '/' or NUL).
/// </summary>
public sealed unsafe class GoferClient : IDisposable
{
    /// <summary>Clunk messages sent ahead of one request at most (each up to 8000 fids).</summary>
    const int MaxClunkMessagesPerCall = 8;

    readonly object _lock = new();
    readonly byte[] _tx = GC.AllocateUninitializedArray<byte>(Wire.MaxMessage);
    readonly byte[] _clunkTx = GC.AllocateUninitializedArray<byte>(Wire.MaxMessage);
    readonly byte[] _rx = GC.AllocateUninitializedArray<byte>(Wire.MaxMessage);
    readonly ConcurrentQueue<ulong> _clunks = new();
    readonly List<ulong> _clunkBatch = new();
    int _sock;
    int _disposing;
    bool _dead;
    uint _tag;

    /// <summary>Takes ownership of <paramref name="socketFd"/>, a connected SOCK_SEQPACKET socket to the gofer.</summary>
    public GoferClient(int socketFd) => _sock = socketFd;

    /// <summary>True once the gofer is unreachable: every call now returns EIO.</summary>
    public bool IsDead
    {
        get { lock (_lock) return _dead; }
    }

    public Errno Attach(out ulong fid, out GoferStat st)
    {
        fid = 0;
        st = default;
        var e = Call(new AttachRequest(), out var r, out _);
        if (e != Errno.None) return e;
        var rep = (FidStatReply)r!;
        (fid, st) = (rep.Fid, rep.Stat);
        return Errno.None;
    }

    /// <summary>
    /// Walks <paramref name="names"/> from <paramref name="dirFid"/>, one new fid per component, appended to
    /// <paramref name="walked"/>. Stops at the first component that fails and returns its errno; the components
    /// before it stay in <paramref name="walked"/> (and are the caller's to clunk). More than 64 names are sent
    /// as several requests. Symlinks are never followed: a symlink is walked as itself.
    /// </summary>
    public Errno Walk(ulong dirFid, IReadOnlyList<string> names, List<(ulong Fid, GoferStat Stat)> walked) =>
        Walk(dirFid, names, walked, false, false, out _, out _, out _);

    /// <summary>As <see cref="Walk(ulong, IReadOnlyList{string}, List{ValueTuple{ulong, GoferStat}})"/>; lastLink is
    /// the target of the last node walked when it is a symlink and the gofer could read it (else null). With
    /// <paramref name="openLast"/>, lastFd is a read-only host fd of the last name when the whole walk succeeded and
    /// it is a regular file the gofer could open (else -1): the caller's to close. With <paramref name="listOnMiss"/>,
    /// missListing is dirFid's whole listing when the first name is missing and the listing fit in the reply.</summary>
    public Errno Walk(ulong dirFid, IReadOnlyList<string> names, List<(ulong Fid, GoferStat Stat)> walked, bool openLast,
        bool listOnMiss, out string? lastLink, out int lastFd, out IReadOnlyList<GoferDirent>? missListing)
    {
        lastLink = null;
        lastFd = -1;
        missListing = null;
        int done = 0;
        ulong from = dirFid;
        while (done < names.Count)
        {
            int count = Math.Min(Wire.MaxWalk, names.Count - done);
            var chunk = new List<string>(count);
            var bad = Errno.None;
            for (int i = 0; i < count; i++)
            {
                bad = Names.Check(names[done + i]);
                if (bad != Errno.None) break;
                chunk.Add(names[done + i]);
            }
            if (chunk.Count > 0)
            {
                // Only the request that reaches the last name asks for its fd.
                bool last = done + chunk.Count == names.Count && bad == Errno.None;
                var e = Call(new WalkRequest(from, chunk) { OpenLast = openLast && last, ListOnMiss = listOnMiss && done == 0 },
                    out var r, out int fd, mayCarryFd: openLast && last);
                if (r is not WalkReply rep || rep.Walked.Count > chunk.Count || (rep.Err == Errno.None) != (rep.Walked.Count == chunk.Count))
                {
                    if (fd >= 0) Tmds.Linux.LibC.close(fd);
                    // A transport failure, or the whole request refused; else a reply that contradicts itself.
                    return r is not WalkReply ? e : Broken();
                }
                walked.AddRange(rep.Walked);
                lastLink = rep.LastLink;
                if (done == 0 && rep.Err == Errno.ENOENT) missListing = rep.Listing;
                // An fd comes only with a whole walk (Call keeps none of a failed reply), for a regular file.
                if (fd >= 0 && rep.Walked[^1].Stat.IsRegular) lastFd = fd;
                else if (fd >= 0) Tmds.Linux.LibC.close(fd);
                if (rep.Err != Errno.None) return rep.Err;
                from = rep.Walked[^1].Fid;
                done += chunk.Count;
            }
            if (bad != Errno.None) return bad;
        }
        return Errno.None;
    }

    public Errno Stat(ulong fid, out GoferStat st)
    {
        st = default;
        var e = Call(new StatRequest(fid), out var r, out _);
        if (e == Errno.None) st = ((StatReply)r!).Stat;
        return e;
    }

    /// <summary>Opens the node for I/O: flags are O_RDONLY/O_WRONLY/O_RDWR with O_TRUNC and O_APPEND (others EINVAL).
    /// Only regular files and directories open; FIFOs and sockets are ENXIO, devices EACCES, symlinks ELOOP.
    /// <paramref name="hostFd"/> is a new host fd (close-on-exec) the caller owns.</summary>
    public Errno Open(ulong fid, int flags, out int hostFd)
    {
        hostFd = -1;
        var e = Call(new OpenRequest(fid, flags), out _, out int fd, expectFd: true);
        if (e == Errno.None) hostFd = fd;
        return e;
    }

    /// <summary>Creates and opens a regular file (O_CREAT|O_EXCL), owned by uid:gid with exactly <paramref name="mode"/>'s permission bits.</summary>
    public Errno Create(ulong dirFid, string name, int flags, uint mode, uint uid, uint gid, out ulong fid, out GoferStat st, out int hostFd)
    {
        fid = 0;
        st = default;
        hostFd = -1;
        var e = Names.Check(name);
        if (e != Errno.None) return e;
        e = Call(new CreateRequest(dirFid, name, flags, mode, uid, gid), out var r, out int fd, expectFd: true);
        if (e != Errno.None) return e;
        var rep = (FidStatReply)r!;
        (fid, st, hostFd) = (rep.Fid, rep.Stat, fd);
        return Errno.None;
    }

    public Errno Mkdir(ulong dirFid, string name, uint mode, uint uid, uint gid, out ulong fid, out GoferStat st) =>
        NewNode(new MkdirRequest(dirFid, name, mode, uid, gid), name, out fid, out st);

    /// <summary>Makes a FIFO, socket or regular file (the type in <paramref name="mode"/>; anything else is EPERM).</summary>
    public Errno Mknod(ulong dirFid, string name, uint mode, uint uid, uint gid, out ulong fid, out GoferStat st) =>
        NewNode(new MknodRequest(dirFid, name, mode, uid, gid), name, out fid, out st);

    public Errno Symlink(ulong dirFid, string name, string target, uint uid, uint gid, out ulong fid, out GoferStat st)
    {
        fid = 0;
        st = default;
        if (LinuxText.ByteCount(target) > Wire.PathMax) return Errno.ENAMETOOLONG;
        if (target.Contains('\0')) return Errno.EINVAL;
        return NewNode(new SymlinkRequest(dirFid, name, target, uid, gid), name, out fid, out st);
    }

    Errno NewNode(Request req, string name, out ulong fid, out GoferStat st)
    {
        fid = 0;
        st = default;
        var e = Names.Check(name);
        if (e != Errno.None) return e;
        e = Call(req, out var r, out _);
        if (e != Errno.None) return e;
        var rep = (FidStatReply)r!;
        (fid, st) = (rep.Fid, rep.Stat);
        return Errno.None;
    }

    /// <summary>Makes dir/name a hard link to the node <paramref name="targetFid"/>; returns its new stat.</summary>
    public Errno Link(ulong dirFid, string name, ulong targetFid, out GoferStat st)
    {
        st = default;
        var e = Names.Check(name);
        if (e != Errno.None) return e;
        e = Call(new LinkRequest(dirFid, name, targetFid), out var r, out _);
        if (e == Errno.None) st = ((StatReply)r!).Stat;
        return e;
    }

    public Errno Unlink(ulong dirFid, string name, bool removeDir)
    {
        var e = Names.Check(name);
        return e != Errno.None ? e : Call(new UnlinkRequest(dirFid, name, removeDir), out _, out _);
    }

    /// <summary>renameat2: flags 0, RENAME_NOREPLACE (1) or RENAME_EXCHANGE (2).</summary>
    public Errno Rename(ulong oldDirFid, string oldName, ulong newDirFid, string newName, uint flags)
    {
        var e = Names.Check(oldName);
        if (e == Errno.None) e = Names.Check(newName);
        return e != Errno.None ? e : Call(new RenameRequest(oldDirFid, oldName, newDirFid, newName, flags), out _, out _);
    }

    /// <summary>Appends one batch of entries from <paramref name="cookie"/> (0: the start; then the last entry's
    /// NextCookie). <paramref name="end"/>: the directory has nothing after this batch (so does an empty batch).
    /// "." and ".." are not listed. With <paramref name="walkedDirs"/>, the gofer also walks the batch's
    /// subdirectories (when there are few enough) and each walked one is added there with its new fid, which the
    /// caller owns as if a Walk had given it; with <paramref name="listDirs"/> too, each also comes with its whole
    /// listing when that fit in the reply (else Listing is null).</summary>
    public Errno ReadDir(ulong dirFid, ulong cookie, List<GoferDirent> into, out bool end,
        List<(string Name, ulong Fid, GoferStat Stat, IReadOnlyList<GoferDirent>? Listing)>? walkedDirs = null, bool listDirs = false)
    {
        end = true;
        var e = Call(new ReadDirRequest(dirFid, cookie, walkedDirs != null, walkedDirs != null && listDirs), out var r, out _);
        if (e != Errno.None) return e;
        var reply = (ReadDirReply)r!;
        into.AddRange(reply.Entries);
        foreach (var d in reply.Walked)
        {
            if (walkedDirs != null) walkedDirs.Add((reply.Entries[d.Index].Name, d.Fid, d.Stat, listDirs ? d.Listing : null));
            else Clunk(d.Fid); // not asked for: a broken gofer's, given back
        }
        end = reply.End || reply.Entries.Count == 0;
        return e;
    }

    public Errno ReadDir(ulong dirFid, ulong cookie, List<GoferDirent> into) => ReadDir(dirFid, cookie, into, out _);

    public Errno ReadLink(ulong fid, out string target)
    {
        target = "";
        var e = Call(new ReadLinkRequest(fid), out var r, out _);
        if (e == Errno.None) target = ((ReadLinkReply)r!).Target;
        return e;
    }

    /// <summary>Changes the attributes named by <paramref name="mask"/> (times in ns since the epoch; AtimeNow/MtimeNow use
    /// the host's clock) and returns the new stat. Applied in the order size, owner, mode, times; a failure keeps the earlier changes.</summary>
    public Errno SetAttr(ulong fid, SetAttrMask mask, uint mode, uint uid, uint gid, long size, long atimeNs, long mtimeNs, out GoferStat st)
    {
        st = default;
        var e = Call(new SetAttrRequest(fid, mask, mode, uid, gid, size, atimeNs, mtimeNs), out var r, out _);
        if (e == Errno.None) st = ((StatReply)r!).Stat;
        return e;
    }

    public Errno StatFs(ulong fid, out GoferStatFs st)
    {
        st = default;
        var e = Call(new StatFsRequest(fid), out var r, out _);
        if (e == Errno.None) st = ((StatFsReply)r!).StatFs;
        return e;
    }

    /// <summary>getxattr: <paramref name="value"/> is the whole value; ERANGE if it is longer than <paramref name="maxSize"/>.
    /// With maxSize 0, <paramref name="value"/> is empty: use the overload with <c>out int size</c> to learn the size.</summary>
    public Errno GetXattr(ulong fid, string name, int maxSize, out byte[] value) => GetXattr(fid, name, maxSize, out value, out _);

    /// <summary>getxattr with the value's full size: with maxSize 0 only <paramref name="size"/> is filled (getxattr(2)'s size probe).</summary>
    public Errno GetXattr(ulong fid, string name, int maxSize, out byte[] value, out int size)
    {
        value = Array.Empty<byte>();
        size = 0;
        var e = CheckXattrName(name);
        if (e == Errno.None && maxSize < 0) e = Errno.EINVAL;
        if (e != Errno.None) return e;
        e = Call(new GetXattrRequest(fid, name, (uint)maxSize), out var r, out _);
        if (e != Errno.None) return e;
        var rep = (XattrReply)r!;
        if (rep.Size > int.MaxValue || (maxSize > 0 && (rep.Size > (uint)maxSize || rep.Data.Length != (int)rep.Size))) return Broken();
        (value, size) = (rep.Data, (int)rep.Size);
        return Errno.None;
    }

    /// <summary>setxattr: flags 0, XATTR_CREATE (1) or XATTR_REPLACE (2). A value too big for one message is E2BIG.</summary>
    public Errno SetXattr(ulong fid, string name, ReadOnlySpan<byte> value, int flags)
    {
        var e = CheckXattrName(name);
        if (e != Errno.None) return e;
        if (value.Length > Wire.MaxSetXattrValue) return Errno.E2BIG;
        return Call(new SetXattrRequest(fid, name, value.ToArray(), flags), out _, out _);
    }

    /// <summary>listxattr: the names. ERANGE if the NUL-separated list is longer than <paramref name="maxSize"/>;
    /// with maxSize 0 the list is empty (see the overload with <c>out int size</c>).</summary>
    public Errno ListXattr(ulong fid, int maxSize, out List<string> names) => ListXattr(fid, maxSize, out names, out _);

    /// <summary>listxattr with the list's size in bytes (NUL-separated, as listxattr(2) returns it).</summary>
    public Errno ListXattr(ulong fid, int maxSize, out List<string> names, out int size)
    {
        names = new List<string>();
        size = 0;
        if (maxSize < 0) return Errno.EINVAL;
        var e = Call(new ListXattrRequest(fid, (uint)maxSize), out var r, out _);
        if (e != Errno.None) return e;
        var rep = (XattrReply)r!;
        if (rep.Size > int.MaxValue || (maxSize > 0 && (rep.Size > (uint)maxSize || rep.Data.Length != (int)rep.Size))) return Broken();
        size = (int)rep.Size;
        var data = rep.Data.AsSpan();
        if (data.Length > 0 && data[^1] != 0) return Broken();
        while (data.Length > 0)
        {
            int z = data.IndexOf((byte)0);
            var one = data[..z];
            if (one.Length == 0) return Broken();
            names.Add(LinuxText.Decode(one));
            data = data[(z + 1)..];
        }
        return Errno.None;
    }

    public Errno RemoveXattr(ulong fid, string name)
    {
        var e = CheckXattrName(name);
        return e != Errno.None ? e : Call(new RemoveXattrRequest(fid, name), out _, out _);
    }

    /// <summary>As the xattr calls of Linux: an empty or over-long (255 bytes) name is ERANGE.</summary>
    static Errno CheckXattrName(string name)
    {
        int n = LinuxText.ByteCount(name);
        if (n == 0 || n > Wire.XattrNameMax) return Errno.ERANGE;
        return name.Contains('\0') ? Errno.EINVAL : Errno.None;
    }

    /// <summary>
    /// Releases a fid. Never blocks and takes no lock the requests hold (safe from a finalizer): the fid is
    /// queued and sent, batched, ahead of the next request.
    /// </summary>
    public void Clunk(ulong fid)
    {
        if (!Volatile.Read(ref _dead)) _clunks.Enqueue(fid);
    }

    /// <summary>
    /// Sends every queued clunk now and waits for the gofer's replies, instead of ahead of the next request:
    /// an idle sandbox gives its released fids (and the gofer's fds and memory for them) back.
    /// </summary>
    public void FlushClunks()
    {
        lock (_lock)
        {
            Span<int> fds = stackalloc int[4];
            while (!_dead && !_clunks.IsEmpty)
            {
                int sent = SendClunks();
                if (sent < 0) { Dead(); return; }
                for (int i = 0; i < sent; i++)
                {
                    int n = SeqPacket.Receive(_sock, _rx, fds, out int nfds, out bool truncated, out _);
                    CloseAll(fds[..Math.Max(nfds, 0)]);
                    if (n <= 0 || truncated || Codec.DecodeReply(_rx.AsSpan(0, n), out _, out var rep) != Errno.None ||
                        rep!.ReplyOp != ((ushort)Op.Clunk | Wire.ReplyBit))
                    {
                        Dead();
                        return;
                    }
                }
            }
        }
    }

    /// <summary>Closes the connection; the gofer then exits. A request in flight on another thread is woken
    /// (shutdown) and returns EIO rather than keeping Dispose waiting.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposing, 1) == 0) shutdown(_sock, SHUT_RDWR);
        lock (_lock)
        {
            if (_sock >= 0) close(_sock);
            _sock = -1;
            _dead = true;
            _clunks.Clear();
        }
    }

    // ---- the transport ----

    /// <summary>Marks the connection dead (the gofer broke the protocol or went away) and returns EIO.</summary>
    Errno Broken()
    {
        lock (_lock) _dead = true;
        return Errno.EIO;
    }

    uint NextTag()
    {
        if (++_tag == 0) _tag = 1; // tag 0 is what the server uses when it could not read a header
        return _tag;
    }

    /// <summary>
    /// One request and its reply. Returns the reply's errno (the reply is still returned for Walk's partial list);
    /// EIO when the gofer is gone or answered nonsense. With <paramref name="expectFd"/>, a successful reply must
    /// carry exactly one fd (returned in <paramref name="fd"/>); with <paramref name="mayCarryFd"/> it may carry one;
    /// any other fd received is closed.
    /// </summary>
    Errno Call(Request req, out Reply? reply, out int fd, bool expectFd = false, bool mayCarryFd = false)
    {
        reply = null;
        fd = -1;
        lock (_lock)
        {
            if (_dead) return Errno.EIO;
            uint tag = NextTag();
            int len = Codec.EncodeRequest(req, tag, _tx);
            if (len < 0) return Errno.E2BIG; // does not fit in a message (the checks above should have said why)

            ServingThread.WaitsOnHost();
            int skip = SendClunks();
            if (skip < 0 || !SeqPacket.Send(_sock, _tx.AsSpan(0, len), -1, out _)) return Dead();

            Span<int> fds = stackalloc int[4];
            while (true)
            {
                int n = SeqPacket.Receive(_sock, _rx, fds, out int nfds, out bool truncated, out _);
                if (n <= 0 || truncated)
                {
                    CloseAll(fds[..Math.Max(nfds, 0)]);
                    return Dead();
                }
                var derr = Codec.DecodeReply(_rx.AsSpan(0, n), out uint rtag, out var rep);
                if (derr != Errno.None || rtag != tag)
                {
                    CloseAll(fds[..nfds]);
                    // The replies to the clunks sent ahead come first; anything else is a broken gofer.
                    if (derr == Errno.None && skip-- > 0) continue;
                    return Dead();
                }
                if (rep is ErrorReply er)
                {
                    CloseAll(fds[..nfds]);
                    return er.Err;
                }
                if (rep!.ReplyOp != ((ushort)req.Op | Wire.ReplyBit))
                {
                    CloseAll(fds[..nfds]);
                    return Dead();
                }
                reply = rep;
                if ((expectFd || mayCarryFd) && rep.Err == Errno.None && nfds >= 1)
                {
                    fd = fds[0];
                    CloseAll(fds[1..nfds]);
                }
                else
                {
                    CloseAll(fds[..nfds]);
                    if (expectFd && rep.Err == Errno.None) return Dead();
                }
                return rep.Err;
            }
        }
    }

    /// <summary>Sends queued clunks (without waiting for their replies); the number sent, or -1 if the socket failed.</summary>
    int SendClunks()
    {
        int sent = 0;
        while (sent < MaxClunkMessagesPerCall && !_clunks.IsEmpty)
        {
            _clunkBatch.Clear();
            while (_clunkBatch.Count < Wire.MaxClunk && _clunks.TryDequeue(out ulong f)) _clunkBatch.Add(f);
            if (_clunkBatch.Count == 0) break;
            int len = Codec.EncodeRequest(new ClunkRequest(_clunkBatch), NextTag(), _clunkTx);
            if (len < 0 || !SeqPacket.Send(_sock, _clunkTx.AsSpan(0, len), -1, out _)) return -1;
            sent++;
        }
        return sent;
    }

    Errno Dead()
    {
        _dead = true;
        _clunks.Clear();
        return Errno.EIO;
    }

    static void CloseAll(ReadOnlySpan<int> fds)
    {
        foreach (int f in fds) close(f);
    }
}
