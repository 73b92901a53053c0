using AppKernel.Platform.Native;
using System.Text;
using AppKernel.Gofer;
using AppKernel.Gofer.Native;
using AppKernel.Gofer.Protocol;
using AppKernel.Gofer.Server;
using Xunit;
using static Tmds.Linux.LibC;

namespace AppKernel.Tests.Gofer;

/// <summary>
/// A gofer server on a thread of the test process, serving a fresh temp directory over a socketpair,
/// with either a <see cref="GoferClient"/> or a raw socket for hand-made packets.
/// </summary>
public sealed unsafe class GoferHost : IDisposable
{
    public string Root { get; }
    public GoferServer Server { get; }
    /// <summary>Null when the host was made raw.</summary>
    public GoferClient? Client { get; }
    /// <summary>The client's end of the socket (owned by <see cref="Client"/> when there is one).</summary>
    public int ClientSock { get; }
    public ulong RootFid { get; }
    readonly int _serverSock;
    readonly Thread _thread;
    readonly bool _ownsRoot;
    uint _tag = 1000;

    public GoferHost(bool writable = true, bool raw = false, int maxFids = 100_000, string? root = null, Action<string>? populate = null, int? fdBudget = null)
    {
        _ownsRoot = root == null;
        Root = root ?? Directory.CreateTempSubdirectory("gofer-test-").FullName;
        populate?.Invoke(Root);
        int rootFd = OpenPath(Root);
        int procFd = OpenPath("/proc/self/fd");
        Assert.True(rootFd >= 0 && procFd >= 0);
        Server = fdBudget is int b
            ? new GoferServer(rootFd, writable, procFd, null) { MaxFids = maxFids, FdBudget = b }
            : new GoferServer(rootFd, writable, procFd, null) { MaxFids = maxFids };
        int* sv = stackalloc int[2];
        Assert.Equal(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
        ClientSock = sv[0];
        _serverSock = sv[1];
        int s = _serverSock;
        _thread = new Thread(() => Server.Serve(s)) { IsBackground = true, Name = "gofer-test-server" };
        _thread.Start();
        if (raw)
        {
            var rep = RawCall(new AttachRequest());
            RootFid = Assert.IsType<FidStatReply>(rep).Fid;
        }
        else
        {
            Client = new GoferClient(ClientSock);
            Assert.Equal(Errno.None, Client.Attach(out ulong fid, out _));
            RootFid = fid;
        }
    }

    public GoferClient C => Client!;

    public string P(string rel) => Path.Combine(Root, rel);

    public static int OpenPath(string path)
    {
        var b = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = b) return openat(GoferSys.AT_FDCWD, p, GoferSys.O_PATH | GoferSys.O_DIRECTORY | GoferSys.O_CLOEXEC, 0);
    }

    /// <summary>Walks a relative path (split at '/') from the root and returns the last fid.</summary>
    public ulong Walk(string rel)
    {
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.None, C.Walk(RootFid, rel.Split('/'), walked));
        return walked[^1].Fid;
    }

    /// <summary>Sends raw bytes and returns the raw reply packet.</summary>
    public byte[] RawExchange(ReadOnlySpan<byte> packet)
    {
        Assert.True(SeqPacket.Send(ClientSock, packet, -1, out var e), $"send: {e}");
        return RawReceive();
    }

    public byte[] RawReceive()
    {
        var buf = new byte[Wire.MaxMessage];
        Span<int> fds = stackalloc int[4];
        int n = SeqPacket.Receive(ClientSock, buf, fds, out int nfds, out bool trunc, out var e);
        for (int i = 0; i < nfds; i++) close(fds[i]);
        Assert.True(n > 0, $"receive: {n} {e}");
        Assert.False(trunc);
        return buf[..n];
    }

    /// <summary>Encodes a request (without validating its names), sends it, and decodes the reply (which must be well-formed and carry our tag).</summary>
    public Reply RawCall(Request req)
    {
        var buf = new byte[Wire.MaxMessage];
        uint tag = ++_tag;
        int len = Codec.EncodeRequest(req, tag, buf);
        Assert.True(len > 0);
        var rep = RawExchange(buf.AsSpan(0, len));
        Assert.Equal(Errno.None, Codec.DecodeReply(rep, out uint rtag, out var r));
        Assert.Equal(tag, rtag);
        return r!;
    }

    /// <summary>Shuts the server's end of the socket down: the server stops, and the client sees a dead gofer.</summary>
    public void KillServer()
    {
        shutdown(_serverSock, SHUT_RDWR);
        Assert.True(_thread.Join(10_000));
    }

    public void Dispose()
    {
        if (Client != null) Client.Dispose();
        else close(ClientSock);
        Assert.True(_thread.Join(10_000), "the server did not stop when the client closed");
        close(_serverSock);
        Assert.Equal(0, Server.LiveFids);
        Server.Dispose();
        if (_ownsRoot)
        {
            try { Directory.Delete(Root, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }
}

/// <summary>Host-side looks at the temp tree, independent of the gofer.</summary>
internal static unsafe class HostFs
{
    public static LinuxStat Lstat(string path)
    {
        LinuxStat st;
        var b = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = b) Assert.Equal(0, lstat(p, (Tmds.Linux.stat*)&st));
        return st;
    }

    public static int Mknod(string path, uint mode, ulong dev)
    {
        var b = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = b) return GoferSys.mknodat(GoferSys.AT_FDCWD, p, mode, dev) == 0 ? 0 : GoferSys.Errno;
    }

    public static void Link(string existing, string newPath)
    {
        var a = Encoding.UTF8.GetBytes(existing + "\0");
        var b = Encoding.UTF8.GetBytes(newPath + "\0");
        fixed (byte* pa = a)
        fixed (byte* pb = b)
            Assert.Equal(0, GoferSys.linkat(GoferSys.AT_FDCWD, pa, GoferSys.AT_FDCWD, pb, 0));
    }

    public static void Mkfifo(string path) => Assert.Equal(0, Mknod(path, GoferSys.S_IFIFO | 0x1B6, 0));

    public static HostStatFs StatFs(string path)
    {
        int fd = GoferHost.OpenPath(path);
        Assert.True(fd >= 0);
        HostStatFs s;
        Assert.Equal(0, GoferSys.fstatfs(fd, &s));
        close(fd);
        return s;
    }

    public static byte[] ReadFd(int fd)
    {
        var ms = new MemoryStream();
        var buf = new byte[4096];
        while (true)
        {
            long n;
            fixed (byte* p = buf) n = (long)read(fd, p, buf.Length);
            Assert.True(n >= 0, $"read: errno {errno}");
            if (n == 0) return ms.ToArray();
            ms.Write(buf, 0, (int)n);
        }
    }

    public static void WriteFd(int fd, byte[] data)
    {
        fixed (byte* p = data) Assert.Equal(data.Length, (long)write(fd, p, data.Length));
    }
}
