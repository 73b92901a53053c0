using System.Text;
using System.Text.Json;
using AppKernel.Platform.Native;
using static Tmds.Linux.LibC;

namespace AppKernel.Runsc.Runtime;

/// <summary>
/// The sandbox's control socket: a SOCK_SEQPACKET Unix socket in the container's state directory. A client sends
/// one request (JSON, with up to 4 fds as SCM_RIGHTS: `exec` passes its stdio) and reads replies, one JSON message
/// each: most requests have one; `exec` has "started" then the exit status. A state directory's path can be longer
/// than sun_path's 108 bytes (Docker's IDs are 64 characters), so the socket is named through /proc/self/fd of the
/// directory.
/// </summary>
public static unsafe class ControlChannel
{
    const int O_PATH = 0x200000, O_DIRECTORY_ = 0x10000, SunPathMax = 108, MaxMessage = 65536;

    /// <summary>Runs use with a sockaddr_un for the socket in dir.</summary>
    static int WithAddress(string dir, Func<IntPtr, int, int> use)
    {
        int dfd;
        fixed (byte* p = Encoding.UTF8.GetBytes(dir + "\0")) dfd = open(p, O_PATH | O_DIRECTORY_ | O_CLOEXEC);
        if (dfd < 0) return -1;
        try
        {
            var path = Encoding.ASCII.GetBytes($"/proc/self/fd/{dfd}/{StateStore.SocketName}");
            var addr = new byte[2 + SunPathMax];
            addr[0] = (byte)AF_UNIX;
            path.CopyTo(addr, 2);
            fixed (byte* a = addr) return use((IntPtr)a, 2 + path.Length + 1);
        }
        finally { close(dfd); }
    }

    /// <summary>Listens in dir; each connection's request is handled on a thread of its own (`wait` and `exec`
    /// block) by handle(request, fds, reply): reply sends one message and is false once the client is gone.
    /// The fds are the handler's to close.</summary>
    public static void Serve(string dir, Action<ControlRequest, int[], Func<ControlReply, bool>> handle)
    {
        int ls = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (ls < 0) throw new RuntimeException($"control socket: errno {errno}");
        int r = WithAddress(dir, (a, len) =>
        {
            fixed (byte* p = Encoding.UTF8.GetBytes(Path.Combine(dir, StateStore.SocketName) + "\0")) unlink(p);
            return bind(ls, (Tmds.Linux.sockaddr*)a, (uint)len);
        });
        if (r != 0 || listen(ls, 16) != 0)
        {
            int e = errno;
            close(ls);
            throw new RuntimeException($"control socket in {dir}: errno {e}");
        }
        new Thread(() =>
        {
            while (true)
            {
                int c = accept4(ls, null, null, SOCK_CLOEXEC);
                if (c < 0)
                {
                    int e = errno;
                    if (e == EINTR || e == ECONNABORTED) continue;
                    return;
                }
                new Thread(() => ServeOne(c, handle)) { IsBackground = true, Name = "control" }.Start();
            }
        }) { IsBackground = true, Name = "control-accept" }.Start();
    }

    static void ServeOne(int conn, Action<ControlRequest, int[], Func<ControlReply, bool>> handle)
    {
        var buf = new byte[MaxMessage];
        Span<int> fds = stackalloc int[4];
        try
        {
            int n = SeqPacket.Receive(conn, buf, fds, out int nfds, out bool truncated, out _);
            var got = fds[..nfds].ToArray();
            bool Reply(ControlReply rep) => SeqPacket.Send(conn, JsonSerializer.SerializeToUtf8Bytes(rep, RuntimeJson.Default.ControlReply), -1, out _);
            ControlRequest? req = null;
            try { req = n > 0 && !truncated ? JsonSerializer.Deserialize(buf.AsSpan(0, n), RuntimeJson.Default.ControlRequest) : null; }
            catch (JsonException) { }
            if (req == null)
            {
                foreach (var fd in got) close(fd);
                Reply(new ControlReply { Error = "malformed request" });
                return;
            }
            handle(req, got, Reply);
        }
        finally { close(conn); }
    }

    /// <summary>An open request: its replies, in order.</summary>
    public sealed class Session : IDisposable
    {
        int _fd;
        internal Session(int fd) => _fd = fd;

        /// <summary>The next reply; null when the sandbox closed the connection (or is gone).</summary>
        public ControlReply? Next()
        {
            var buf = new byte[MaxMessage];
            int n = SeqPacket.Receive(_fd, buf, Span<int>.Empty, out _, out _, out _);
            if (n <= 0) return null;
            try { return JsonSerializer.Deserialize(buf.AsSpan(0, n), RuntimeJson.Default.ControlReply); }
            catch (JsonException) { return null; }
        }

        public void Dispose()
        {
            if (_fd >= 0) close(_fd);
            _fd = -1;
        }
    }

    /// <summary>Sends req (with fds) to the sandbox whose state directory is dir. Null if no sandbox listens there
    /// (it exited, or was killed).</summary>
    public static Session? Open(string dir, ControlRequest req, ReadOnlySpan<int> fds = default)
    {
        int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (s < 0) return null;
        int r;
        do r = WithAddress(dir, (a, len) => connect(s, (Tmds.Linux.sockaddr*)a, (uint)len)); while (r < 0 && errno == EINTR);
        if (r != 0 || !SeqPacket.Send(s, JsonSerializer.SerializeToUtf8Bytes(req, RuntimeJson.Default.ControlRequest), fds, out _))
        {
            close(s);
            return null;
        }
        return new Session(s);
    }

    /// <summary>A request with one reply.</summary>
    public static ControlReply? Call(string dir, ControlRequest req)
    {
        using var s = Open(dir, req);
        return s?.Next();
    }
}
