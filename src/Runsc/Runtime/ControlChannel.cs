using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace AppKernel.Runsc.Runtime;

/// <summary>
/// The sandbox's control socket: a Unix stream socket in the container's state directory. Each connection carries
/// one request line and one reply line, both JSON. A state directory's path can be longer than sun_path's 108
/// bytes (Docker's IDs are 64 characters), so the socket is named through /proc/self/fd of the directory.
/// </summary>
public static unsafe class ControlChannel
{
    const int O_PATH = 0x200000, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000;

    static T ThroughDirFd<T>(string dir, Func<string, T> use)
    {
        int fd;
        fixed (byte* p = Encoding.UTF8.GetBytes(dir + "\0")) fd = Tmds.Linux.LibC.open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) throw new SocketException((int)SocketError.AddressNotAvailable);
        try { return use($"/proc/self/fd/{fd}/{StateStore.SocketName}"); }
        finally { Tmds.Linux.LibC.close(fd); }
    }

    /// <summary>Listens in dir and serves each request with handle on a thread of its own (`wait` blocks).</summary>
    public static Socket Serve(string dir, Func<ControlRequest, ControlReply> handle)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        ThroughDirFd(dir, path =>
        {
            File.Delete(path);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            return 0;
        });
        listener.Listen(16);
        new Thread(() =>
        {
            while (true)
            {
                Socket conn;
                try { conn = listener.Accept(); }
                catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
                new Thread(() => ServeOne(conn, handle)) { IsBackground = true, Name = "control" }.Start();
            }
        }) { IsBackground = true, Name = "control-accept" }.Start();
        return listener;
    }

    static void ServeOne(Socket conn, Func<ControlRequest, ControlReply> handle)
    {
        using (conn)
        {
            try
            {
                var line = ReadLine(conn);
                ControlReply reply;
                try
                {
                    var req = line == null ? null : JsonSerializer.Deserialize(line, RuntimeJson.Default.ControlRequest);
                    reply = req == null ? new ControlReply { Error = "malformed request" } : handle(req);
                }
                catch (JsonException) { reply = new ControlReply { Error = "malformed request" }; }
                conn.Send(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(reply, RuntimeJson.Default.ControlReply) + "\n"));
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }
    }

    /// <summary>Sends one request to the sandbox whose state directory is dir. Null if no sandbox listens there
    /// (it exited, or was killed).</summary>
    public static ControlReply? Call(string dir, ControlRequest req)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            ThroughDirFd(dir, path =>
            {
                s.Connect(new UnixDomainSocketEndPoint(path));
                return 0;
            });
            s.Send(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(req, RuntimeJson.Default.ControlRequest) + "\n"));
            var line = ReadLine(s);
            return line == null ? null : JsonSerializer.Deserialize(line, RuntimeJson.Default.ControlReply);
        }
        catch (Exception e) when (e is SocketException or JsonException) { return null; }
    }

    static string? ReadLine(Socket s)
    {
        var buf = new List<byte>();
        var one = new byte[4096];
        while (buf.Count < 1 << 20)
        {
            int n = s.Receive(one);
            if (n == 0) break;
            int nl = Array.IndexOf(one, (byte)'\n', 0, n);
            if (nl >= 0)
            {
                buf.AddRange(one.AsSpan(0, nl).ToArray());
                return Encoding.UTF8.GetString(buf.ToArray());
            }
            buf.AddRange(one.AsSpan(0, n).ToArray());
        }
        return null;
    }
}
