using AppKernel.Gofer;
using AppKernel.Gofer.Protocol;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AppKernel.Tests.Gofer;

/// <summary>
/// Garbage sent to a live server: every packet gets a well-formed reply with the errno the decoder gives,
/// and the server keeps serving (a Stat of the root works afterwards). One server per property run, read-only,
/// so a mutated packet that happens to decode cannot change the temp tree.
/// </summary>
public sealed class GoferServerFuzzTests : IDisposable
{
    readonly GoferHost _host = new(writable: false, raw: true, populate: root =>
    {
        Directory.CreateDirectory(Path.Combine(root, "dir"));
        File.WriteAllText(Path.Combine(root, "dir", "file"), "data");
    });

    ulong _root;

    public GoferServerFuzzTests() => _root = _host.RootFid;

    public void Dispose() => _host.Dispose();

    void StillServes()
    {
        var rep = _host.RawCall(new StatRequest(_root));
        var st = Assert.IsType<StatReply>(rep);
        Assert.Equal(Errno.None, st.Err);
        Assert.Equal(0x4000u, st.Stat.Mode & 0xF000);
    }

    /// <summary>Sends a packet the decoder rejects and checks the server answered with that errno and the packet's tag.</summary>
    void ExpectRejected(byte[] packet)
    {
        var verdict = Codec.DecodeRequest(packet, out uint tag, out var req);
        var raw = _host.RawExchange(packet);
        Assert.Equal(Errno.None, Codec.DecodeReply(raw, out uint rtag, out var rep));
        if (verdict != Errno.None)
        {
            var er = Assert.IsType<ErrorReply>(rep);
            Assert.Equal(verdict, er.Err);
            Assert.Equal(tag, rtag);
        }
        else
        {
            // It happened to be a valid request: the reply must be that op's.
            Assert.Equal((ushort)((ushort)req!.Op | Wire.ReplyBit), rep!.ReplyOp);
            Assert.Equal(tag, rtag);
            // A flip may make a valid Clunk of the fid the check uses: take a new one.
            if (req is ClunkRequest c && c.Fids.Contains(_root))
                _root = Assert.IsType<FidStatReply>(_host.RawCall(new AttachRequest())).Fid;
        }
        StillServes();
    }

    static readonly Gen<byte[]> RandomPackets = Gen.Frequency(
        (6, Gen.Choose(1, 200).SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n))),
        // random payloads behind a plausible header: right length and version, any op
        (6, from op in Gen.Choose(0, 24)
            from n in Gen.Choose(0, 300)
            from body in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n)
            select Framed((ushort)op, body)));

    static byte[] Framed(ushort op, byte[] body)
    {
        var p = new byte[Wire.HeaderSize + body.Length];
        BitConverter.TryWriteBytes(p.AsSpan(0, 4), (uint)p.Length);
        BitConverter.TryWriteBytes(p.AsSpan(4, 2), Wire.Version);
        BitConverter.TryWriteBytes(p.AsSpan(6, 2), op);
        BitConverter.TryWriteBytes(p.AsSpan(8, 4), 0xABCD1234u);
        body.CopyTo(p, Wire.HeaderSize);
        return p;
    }

    [Property(MaxTest = 300)]
    public Property RandomBytes_GetAnErrorReply_AndServerKeepsServing() =>
        Prop.ForAll(Arb.From(RandomPackets), ExpectRejected);

    [Property(MaxTest = 300)]
    public Property TruncatedValidRequests_GetAnErrorReply_AndServerKeepsServing() =>
        Prop.ForAll(Arb.From(ProtocolGen.Request), Arb.From(Gen.Choose(1, 100_000)), (req, cut) =>
        {
            var buf = new byte[Wire.MaxMessage];
            int len = Codec.EncodeRequest(req, 77, buf);
            int keep = 1 + cut % (len - 1); // 1 .. len-1 bytes: never empty, never whole
            ExpectRejected(buf[..keep]);
        });

    /// <summary>A flipped byte may leave a valid request; not a Clunk, which could release the root fid the check uses.</summary>
    [Property(MaxTest = 300)]
    public Property ByteFlipsInValidRequests_GetAWellFormedReply() =>
        Prop.ForAll(Arb.From(ProtocolGen.Request.Where(r => r is not ClunkRequest)), Arb.From(Gen.Choose(0, 100_000)), Arb.From(Gen.Choose(1, 255)), (req, at, x) =>
        {
            var buf = new byte[Wire.MaxMessage];
            int len = Codec.EncodeRequest(req, 77, buf);
            var p = buf[..len];
            p[at % len] ^= (byte)x;
            ExpectRejected(p);
        });

    [Fact]
    public void EmptyPacket_GetsEproto_AndServerKeepsServing()
    {
        var raw = _host.RawExchange(ReadOnlySpan<byte>.Empty);
        Assert.Equal(Errno.None, Codec.DecodeReply(raw, out uint tag, out var rep));
        Assert.Equal(Errno.EPROTO, Assert.IsType<ErrorReply>(rep).Err);
        Assert.Equal(0u, tag);
        StillServes();
    }

    [Fact]
    public void OversizePacket_GetsEproto_WithItsTag_AndServerKeepsServing()
    {
        var big = Framed((ushort)Op.Stat, new byte[Wire.MaxMessage + 100]);
        var raw = _host.RawExchange(big);
        Assert.Equal(Errno.None, Codec.DecodeReply(raw, out uint tag, out var rep));
        Assert.Equal(Errno.EPROTO, Assert.IsType<ErrorReply>(rep).Err);
        Assert.Equal(0xABCD1234u, tag);
        StillServes();
    }

    [Fact]
    public void ReplyOps_SentAsRequests_AreRejected()
    {
        ExpectRejected(Framed((ushort)Op.Stat | Wire.ReplyBit, new byte[8]));
        ExpectRejected(Framed(0, Array.Empty<byte>()));
    }
}
