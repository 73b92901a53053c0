using AppKernel.Platform.Native;
using AppKernel.Gofer.Native;
using AppKernel.Gofer.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static Tmds.Linux.LibC;

namespace AppKernel.Gofer.Server;

/// <summary>
/// The file server: answers one client over a SOCK_SEQPACKET socket, one packet per request, in order.
/// Every node is an O_PATH fd it holds; lookups are openat(parent, name, O_PATH|O_NOFOLLOW) one component at a
/// time, and a node is reopened for I/O only through /proc/self/fd/N (the exact inode, never a path), so no
/// symlink, "..", or rename race ever reaches a host file outside the root. Symlinks are never followed.
/// Single-threaded; state is bounded by <see cref="MaxFids"/> and two 64 KiB buffers.
/// </summary>
public sealed unsafe partial class GoferServer : IDisposable
{
    readonly int _root;
    readonly int _procFd;
    readonly bool _writable;
    readonly ILogger _log;
    readonly FidTable _fids = new();
    readonly byte[] _in = GC.AllocateUninitializedArray<byte>(Wire.MaxMessage);
    readonly byte[] _out = GC.AllocateUninitializedArray<byte>(Wire.MaxMessage);
    readonly byte[] _scratch = GC.AllocateUninitializedArray<byte>(Wire.MaxMessage);
    bool _disposed;

    /// <param name="rootDirFd">an fd (O_PATH is enough) of the directory to serve (or the file, for a bind-mounted
    /// file); the server owns it.</param>
    /// <param name="writable">false: every change is EROFS.</param>
    /// <param name="procSelfFdDirFd">an fd of /proc/self/fd opened before confinement; the server owns it.</param>
    public GoferServer(int rootDirFd, bool writable, int procSelfFdDirFd, ILogger? log)
    {
        _root = rootDirFd;
        _writable = writable;
        _procFd = procSelfFdDirFd;
        _log = log ?? NullLogger.Instance;
        // A read-only tree may be larger than our fd limit: keep a margin for donated fds and the socket.
        if (!writable)
        {
            RLimit r;
            _fids.FdBudget = Platform.Native.Host.getrlimit(7, &r) == 0 ? (int)Math.Clamp((long)r.Cur - 512, 64, int.MaxValue - 1) : 1000;
        }
    }

    /// <summary>Most walked nodes whose fds stay open at once (read-only trees only).</summary>
    public int FdBudget
    {
        get => _fids.FdBudget;
        init => _fids.FdBudget = value;
    }

    /// <summary>The most fids a client may hold at once; more is ENFILE.</summary>
    public int MaxFids
    {
        get => _fids.Max;
        init => _fids.Max = value;
    }

    /// <summary>How long the client must be quiet before released fids' memory is collected.</summary>
    const int IdleCompactMs = 1000;

    /// <summary>Compactions of the fid table so far (for tests and diagnostics).</summary>
    public int Compactions => _fids.Compactions;

    /// <summary>Live fids (for tests and diagnostics).</summary>
    public int LiveFids => _fids.Count;

    /// <summary>
    /// Serves requests on <paramref name="socketFd"/> until the peer closes it (or the socket fails).
    /// Every fid of the session is released when it ends. The socket is not closed.
    /// </summary>
    public void Serve(int socketFd) => ServeAll([(this, socketFd)]);

    /// <summary>
    /// Serves several trees (the root and each bind mount of a container), each on its own socket, from this one
    /// thread: waits for any socket to be readable and answers one request from it. Returns when every session has
    /// ended. A server whose client went quiet after releasing fids compacts its table (see FidTable).
    /// </summary>
    public static void ServeAll(IReadOnlyList<(GoferServer Server, int Socket)> sessions)
    {
        var live = new List<(GoferServer Server, int Socket)>(sessions);
        foreach (var (srv, sock) in live) srv._log.LogDebug("serving on fd {Fd} ({Mode})", sock, srv._writable ? "read-write" : "read-only");
        var pfds = new Tmds.Linux.pollfd[live.Count];
        try
        {
            while (live.Count > 0)
            {
                bool idleWork = false;
                foreach (var (srv, _) in live)
                {
                    srv._fids.Trim();
                    srv._fids.Compact();
                    idleWork |= srv._fids.WorthCompactingWhenIdle;
                }
                for (int i = 0; i < live.Count; i++) pfds[i] = new Tmds.Linux.pollfd { fd = live[i].Socket, events = POLLIN };
                int ready;
                if (live.Count == 1 && !idleWork)
                {
                    // One session and nothing to do while it is quiet: its blocking receive is the wait (a syscall
                    // fewer per request).
                    pfds[0].revents = POLLIN;
                    ready = 1;
                }
                else
                    fixed (Tmds.Linux.pollfd* p = pfds)
                        do ready = poll(p, (uint)live.Count, idleWork ? IdleCompactMs : -1); while (ready < 0 && errno == EINTR);
                if (ready < 0)
                {
                    live[0].Server._log.LogWarning("poll failed: errno {Errno}", errno);
                    return;
                }
                if (ready == 0)
                {
                    // Fids were released and the clients went quiet: give their memory back before sleeping.
                    foreach (var (srv, _) in live)
                        if (srv._fids.WorthCompactingWhenIdle) srv._fids.Compact(idle: true);
                    continue;
                }
                for (int i = live.Count - 1; i >= 0; i--)
                {
                    if (pfds[i].revents != 0)
                    {
                        var (srv, sock) = live[i];
                        if (!srv.ServeOne(sock))
                        {
                            srv._fids.Clear();
                            srv._log.LogDebug("session on fd {Fd} ended", sock);
                            live.RemoveAt(i);
                        }
                    }
                }
            }
        }
        finally
        {
            foreach (var (srv, _) in live) srv._fids.Clear();
        }
    }

    /// <summary>Receives one request on socketFd and sends its reply. False when the session is over.</summary>
    bool ServeOne(int socketFd)
    {
        int n = SeqPacket.Receive(socketFd, _in, Span<int>.Empty, out _, out bool truncated, out var rerr);
        if (n < 0)
        {
            if (rerr == Errno.EAGAIN || rerr == Errno.EINTR) return true;
            _log.LogWarning("receive failed: {Errno}", rerr);
            return false;
        }
        if (n == 0 && SeqPacket.PeerClosed(socketFd)) return false;

        uint tag = 0;
        Reply reply;
        int donate = -1;
        if (truncated)
        {
            if (MessageHeader.TryRead(_in, out var h)) tag = h.Tag;
            reply = new ErrorReply(Errno.EPROTO);
        }
        else
        {
            var derr = Codec.DecodeRequest(_in.AsSpan(0, n), out tag, out var req);
            if (derr != Errno.None) reply = new ErrorReply(derr);
            else reply = Dispatch(req!, out donate);
        }
        if (reply is ErrorReply) _log.LogDebug("malformed request (tag {Tag}): {Errno}", tag, reply.Err);

        int len = Codec.EncodeReply(reply, tag, _out);
        if (len < 0)
        {
            // Cannot happen for replies the server builds; never send a half-written message.
            _log.LogError("reply {Reply} does not fit in a message", reply.GetType().Name);
            if (donate >= 0) close(donate);
            donate = -1;
            len = Codec.EncodeReply(new ErrorReply(Errno.EIO), tag, _out);
        }
        bool sent = SeqPacket.Send(socketFd, _out.AsSpan(0, len), donate, out var serr);
        if (donate >= 0) close(donate);
        if (!sent)
        {
            if (serr != Errno.EPIPE && serr != Errno.ECONNRESET) _log.LogWarning("send failed: {Errno}", serr);
            return false;
        }
        return true;
    }

    /// <summary>Runs one decoded request. An internal failure fails only this request (EIO).</summary>
    Reply Dispatch(Request req, out int donate)
    {
        donate = -1;
        try
        {
            return req switch
            {
                AttachRequest => Attach(),
                WalkRequest q => Walk(q, out donate),
                StatRequest q => Stat(q),
                OpenRequest q => Open(q, out donate),
                CreateRequest q => Create(q, out donate),
                MkdirRequest q => Mkdir(q),
                MknodRequest q => Mknod(q),
                SymlinkRequest q => Symlink(q),
                LinkRequest q => Link(q),
                UnlinkRequest q => Unlink(q),
                RenameRequest q => Rename(q),
                ReadDirRequest q => ReadDir(q),
                ReadLinkRequest q => ReadLink(q),
                SetAttrRequest q => SetAttr(q),
                StatFsRequest q => StatFs(q),
                GetXattrRequest q => GetXattr(q),
                SetXattrRequest q => SetXattr(q),
                ListXattrRequest q => ListXattr(q),
                RemoveXattrRequest q => RemoveXattr(q),
                ClunkRequest q => Clunk(q),
                _ => new ErrorReply(Errno.EPROTO),
            };
        }
        catch (Exception e)
        {
            _log.LogError(e, "{Op} failed", req.Op);
            if (donate >= 0) close(donate);
            donate = -1;
            return Codec.Failure(req.Op, Errno.EIO);
        }
    }

    static Errno LastErrno => (Errno)errno;

    static Reply Fail(Op op, Errno e) => Codec.Failure(op, e);

    /// <summary>fstat of a held fd.</summary>
    static Errno StatFd(int fd, out LinuxStat st)
    {
        st = default;
        fixed (LinuxStat* p = &st)
            if (fstat(fd, (Tmds.Linux.stat*)p) < 0) return LastErrno;
        return Errno.None;
    }

    /// <summary>Reopens exactly the inode behind a held fd: openat(/proc/self/fd, "N", flags). The caller has checked its type.</summary>
    int Reopen(int fd, int flags)
    {
        Span<byte> name = stackalloc byte[16];
        CStr.Fd(fd, name);
        fixed (byte* p = name) return openat(_procFd, p, flags | GoferSys.O_CLOEXEC | GoferSys.O_NOCTTY, 0);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _fids.Clear();
        close(_root);
        close(_procFd);
    }
}
