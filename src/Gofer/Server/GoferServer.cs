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
    readonly byte[] _in = new byte[Wire.MaxMessage];
    readonly byte[] _out = new byte[Wire.MaxMessage];
    readonly byte[] _scratch = new byte[Wire.MaxMessage];
    bool _disposed;

    /// <param name="rootDirFd">an fd (O_PATH is enough) of the directory to serve; the server owns it.</param>
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
    public void Serve(int socketFd)
    {
        _log.LogDebug("serving on fd {Fd} ({Mode})", socketFd, _writable ? "read-write" : "read-only");
        try
        {
            while (true)
            {
                _fids.Trim();
                _fids.Compact();
                // Fids were released and the client went quiet: give their memory back before sleeping.
                if (_fids.WorthCompactingWhenIdle && !SeqPacket.WaitReadable(socketFd, IdleCompactMs)) _fids.Compact(idle: true);
                int n = SeqPacket.Receive(socketFd, _in, Span<int>.Empty, out _, out bool truncated, out var rerr);
                if (n < 0)
                {
                    _log.LogWarning("receive failed: {Errno}", rerr);
                    return;
                }
                if (n == 0 && SeqPacket.PeerClosed(socketFd)) return;

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
                    return;
                }
            }
        }
        finally
        {
            _fids.Clear();
            _log.LogDebug("session ended");
        }
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
                WalkRequest q => Walk(q),
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
