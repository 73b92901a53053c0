using AppKernel.Platform.Native;
using AppKernel.Gofer;
using AppKernel.Gofer.Native;
using AppKernel.Gofer.Protocol;
using Xunit;
using static Tmds.Linux.LibC;

namespace AppKernel.Tests.Gofer;

/// <summary>The client's contract: EIO (never an exception) once the gofer is gone or talks nonsense; safe from many threads.</summary>
public sealed unsafe class GoferClientTests
{
    [Fact]
    public void DeadGofer_EveryCallIsEio()
    {
        using var h = new GoferHost(populate: r => File.WriteAllText(Path.Combine(r, "f"), "x"));
        ulong f = h.Walk("f");
        h.KillServer();
        var c = h.C;
        var walked = new List<(ulong Fid, GoferStat Stat)>();
        Assert.Equal(Errno.EIO, c.Stat(f, out _));
        Assert.True(c.IsDead);
        Assert.Equal(Errno.EIO, c.Attach(out _, out _));
        Assert.Equal(Errno.EIO, c.Walk(h.RootFid, new[] { "f" }, walked));
        Assert.Empty(walked);
        Assert.Equal(Errno.EIO, c.Open(f, 0, out int fd));
        Assert.Equal(-1, fd);
        Assert.Equal(Errno.EIO, c.Create(h.RootFid, "n", 1, 0x1A4, 0, 0, out _, out _, out _));
        Assert.Equal(Errno.EIO, c.Mkdir(h.RootFid, "n", 0x1ED, 0, 0, out _, out _));
        Assert.Equal(Errno.EIO, c.ReadDir(h.RootFid, 0, new List<GoferDirent>()));
        Assert.Equal(Errno.EIO, c.GetXattr(f, "user.x", 10, out _));
        Assert.Equal(Errno.EIO, c.ListXattr(f, 10, out _));
        Assert.Equal(Errno.EIO, c.StatFs(f, out _));
        c.Clunk(f);
        Assert.Equal(Errno.EIO, c.Unlink(h.RootFid, "f", false));
        Assert.True(File.Exists(h.P("f")));
    }

    [Fact]
    public void DisposedClient_IsEio()
    {
        using var h = new GoferHost();
        h.C.Dispose();
        Assert.Equal(Errno.EIO, h.C.Stat(h.RootFid, out _));
        h.C.Clunk(h.RootFid);
        h.C.Dispose();
    }

    /// <summary>A fake gofer on the other end answers each request with a packet made by <paramref name="answer"/>.</summary>
    static Errno AgainstFake(Func<GoferClient, Errno> call, Func<uint, byte[]> answer, out bool dead, int sendFd = -1)
    {
        int* sv = stackalloc int[2];
        Assert.Equal(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
        int server = sv[1];
        var fake = new Thread(() =>
        {
            var buf = new byte[Wire.MaxMessage];
            int n = SeqPacket.Receive(server, buf, Span<int>.Empty, out _, out _, out _);
            if (n <= 0) return;
            MessageHeader.TryRead(buf, out var hd);
            SeqPacket.Send(server, answer(hd.Tag), sendFd, out _);
        }) { IsBackground = true };
        fake.Start();
        using var c = new GoferClient(sv[0]);
        var e = call(c);
        dead = c.IsDead;
        Assert.True(fake.Join(5000));
        close(server);
        return e;
    }

    static byte[] Encode(Reply r, uint tag)
    {
        var b = new byte[Wire.MaxMessage];
        int n = Codec.EncodeReply(r, tag, b);
        return b[..n];
    }

    [Fact]
    public void MalformedReplies_AreEio_AndTheConnectionIsDropped()
    {
        var stat = new StatReply(Op.Stat, default);
        Func<GoferClient, Errno> doStat = c => c.Stat(1, out _);

        Assert.Equal(Errno.None, AgainstFake(doStat, t => Encode(stat, t), out bool dead));
        Assert.False(dead);

        Assert.Equal(Errno.EIO, AgainstFake(doStat, t => Encode(stat, t)[..^1], out dead)); // truncated
        Assert.True(dead);
        Assert.Equal(Errno.EIO, AgainstFake(doStat, t => Encode(stat, t + 1), out dead)); // someone else's tag
        Assert.True(dead);
        Assert.Equal(Errno.EIO, AgainstFake(doStat, t => Encode(new StatReply(Op.SetAttr, default), t), out dead)); // another op
        Assert.True(dead);
        Assert.Equal(Errno.EIO, AgainstFake(doStat, t => new byte[] { 1, 2, 3 }, out dead));
        Assert.True(dead);
        Assert.Equal(Errno.EIO, AgainstFake(doStat, t =>
        {
            var b = Encode(new StatReply(Op.Stat, default) { Err = Errno.ENOENT }, t);
            b[Wire.HeaderSize + 3] = 0x80; // a negative errno
            return b;
        }, out dead));

        // a successful Open must carry exactly one fd
        Assert.Equal(Errno.EIO, AgainstFake(c => c.Open(1, 0, out _), t => Encode(new EmptyReply(Op.Open), t), out dead));
        Assert.True(dead);
        // a failed reply's errno is passed on, and a stray fd with it is closed, not leaked
        int stray = GoferHost.OpenPath("/");
        Assert.Equal(Errno.ENOENT, AgainstFake(doStat, t => Encode(Codec.Failure(Op.Stat, Errno.ENOENT), t), out dead, stray));
        Assert.False(dead);
        close(stray);
        // a walk reply claiming more components than were asked for
        var tooMany = new WalkReply(new[] { (1UL, default(GoferStat)), (2UL, default(GoferStat)) });
        Assert.Equal(Errno.EIO, AgainstFake(c => c.Walk(1, new[] { "a" }, new List<(ulong, GoferStat)>()), t => Encode(tooMany, t), out dead));
        Assert.True(dead);
    }

    [Fact]
    public void ManyThreads_ShareOneClient()
    {
        using var h = new GoferHost(populate: r =>
        {
            Directory.CreateDirectory(Path.Combine(r, "d"));
            for (int i = 0; i < 8; i++) File.WriteAllText(Path.Combine(r, "d", $"f{i}"), $"content {i}");
        });
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
        {
            for (int k = 0; k < 150; k++)
            {
                var walked = new List<(ulong Fid, GoferStat Stat)>();
                var e = h.C.Walk(h.RootFid, new[] { "d", $"f{i}" }, walked);
                if (e != Errno.None) { errors.Add($"walk {e}"); return; }
                if (h.C.Open(walked[1].Fid, 0, out int fd) != Errno.None) { errors.Add("open"); return; }
                string text = System.Text.Encoding.UTF8.GetString(HostFs.ReadFd(fd));
                close(fd);
                if (text != $"content {i}") errors.Add($"read {text}");
                if (h.C.Stat(walked[1].Fid, out var st) != Errno.None || st.Size != text.Length) errors.Add("stat");
                foreach (var w in walked) h.C.Clunk(w.Fid);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(60_000)));
        Assert.Empty(errors);
        Assert.Equal(Errno.None, h.C.Stat(h.RootFid, out _)); // flushes the last clunks
        Assert.Equal(1, h.Server.LiveFids);
    }

    [Fact]
    public void Clunk_DoesNotWaitForARequestInFlight()
    {
        int* sv = stackalloc int[2];
        Assert.Equal(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
        int server = sv[1];
        using var release = new ManualResetEventSlim();
        var seen = new List<Request>();
        var fake = new Thread(() =>
        {
            var buf = new byte[Wire.MaxMessage];
            for (int i = 0; i < 3; i++)
            {
                int n = SeqPacket.Receive(server, buf, Span<int>.Empty, out _, out _, out _);
                if (n <= 0) return;
                Codec.DecodeRequest(buf.AsSpan(0, n), out uint tag, out var req);
                lock (seen) seen.Add(req!);
                if (i == 0) release.Wait(); // hold the first request in flight
                SeqPacket.Send(server, Encode(req is ClunkRequest ? new EmptyReply(Op.Clunk) : new StatReply(Op.Stat, default), tag), -1, out _);
            }
        }) { IsBackground = true };
        fake.Start();
        using var c = new GoferClient(sv[0]);
        var inFlight = new Thread(() => c.Stat(1, out _));
        inFlight.Start();
        while (true) { lock (seen) if (seen.Count == 1) break; Thread.Sleep(1); }
        var clunker = new Thread(() => { c.Clunk(7); c.Clunk(8); }); // as a finalizer would
        clunker.Start();
        Assert.True(clunker.Join(2000), "Clunk waited for the request lock");
        release.Set();
        Assert.True(inFlight.Join(5000));
        Assert.Equal(Errno.None, c.Stat(2, out _)); // the clunks go first, in one message
        Assert.True(fake.Join(5000));
        close(server);
        Assert.Equal(new ulong[] { 7, 8 }, Assert.IsType<ClunkRequest>(seen[1]).Fids);
        Assert.Equal(new StatRequest(2), seen[2]);
    }

    [Fact]
    public void Dispose_WakesARequestInFlight_WithEio()
    {
        int* sv = stackalloc int[2];
        Assert.Equal(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
        var c = new GoferClient(sv[0]); // the other end never answers
        var result = Errno.None;
        var inFlight = new Thread(() => result = c.Stat(1, out _)) { IsBackground = true };
        inFlight.Start();
        // Handshake: the request is in flight once the other end has received it.
        var buf = new byte[Wire.MaxMessage];
        Assert.True(SeqPacket.Receive(sv[1], buf, Span<int>.Empty, out _, out _, out _) > 0);
        var disposer = new Thread(c.Dispose) { IsBackground = true };
        disposer.Start();
        Assert.True(disposer.Join(5000), "Dispose waited for a reply that never comes");
        Assert.True(inFlight.Join(5000));
        Assert.Equal(Errno.EIO, result);
        close(sv[1]);
    }
}
