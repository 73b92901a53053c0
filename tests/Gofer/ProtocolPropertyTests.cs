using AppKernel.Gofer;
using AppKernel.Gofer.Protocol;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AppKernel.Tests.Gofer;

public class GoferProtocolPropertyTests
{
    [Property(MaxTest = 2000)]
    public Property EveryRequest_RoundTrips() =>
        Prop.ForAll(Arb.From(ProtocolGen.Request), Arb.From(ArbMap.Default.GeneratorFor<uint>()), (req, tag) =>
        {
            var buf = new byte[Wire.MaxMessage];
            int len = Codec.EncodeRequest(req, tag, buf);
            Assert.True(len >= Wire.HeaderSize, $"{req} did not encode");
            Assert.Equal(Errno.None, Codec.DecodeRequest(buf.AsSpan(0, len), out uint t, out var back));
            Assert.Equal(tag, t);
            Assert.Equal(req.GetType(), back!.GetType());
            Assert.Equal(req, back);
            var again = new byte[Wire.MaxMessage];
            Assert.Equal(len, Codec.EncodeRequest(back, tag, again));
            Assert.True(buf.AsSpan(0, len).SequenceEqual(again.AsSpan(0, len)));
        });

    [Property(MaxTest = 2000)]
    public Property EveryReply_RoundTrips() =>
        Prop.ForAll(Arb.From(ProtocolGen.Reply), Arb.From(ArbMap.Default.GeneratorFor<uint>()), (rep, tag) =>
        {
            var buf = new byte[Wire.MaxMessage];
            int len = Codec.EncodeReply(rep, tag, buf);
            Assert.True(len >= Wire.HeaderSize + 4, $"{rep} did not encode");
            Assert.Equal(Errno.None, Codec.DecodeReply(buf.AsSpan(0, len), out uint t, out var back));
            Assert.Equal(tag, t);
            Assert.Equal(rep.GetType(), back!.GetType());
            Assert.Equal(rep, back);
            var again = new byte[Wire.MaxMessage];
            Assert.Equal(len, Codec.EncodeReply(back, tag, again));
            Assert.True(buf.AsSpan(0, len).SequenceEqual(again.AsSpan(0, len)));
        });

    /// <summary>Any prefix of a valid request is rejected (EPROTO: its length field no longer matches), never thrown on.</summary>
    [Property(MaxTest = 500)]
    public Property TruncatedRequests_AreRejected() =>
        Prop.ForAll(Arb.From(ProtocolGen.Request), Arb.From(Gen.Choose(0, 1000)), (req, cut) =>
        {
            var buf = new byte[Wire.MaxMessage];
            int len = Codec.EncodeRequest(req, 7, buf);
            int keep = cut % len;
            Assert.Equal(Errno.EPROTO, Codec.DecodeRequest(buf.AsSpan(0, keep), out _, out var r));
            Assert.Null(r);
        });

    /// <summary>A valid request with extra bytes (and its length field fixed up) is EPROTO: trailing bytes are never ignored.</summary>
    [Property(MaxTest = 300)]
    public Property TrailingBytes_AreRejected() =>
        Prop.ForAll(Arb.From(ProtocolGen.Request), Arb.From(Gen.Choose(1, 16)), (req, extra) =>
        {
            var buf = new byte[Wire.MaxMessage + 16];
            int len = Codec.EncodeRequest(req, 7, buf);
            if (len + extra > Wire.MaxMessage) return;
            BitConverter.TryWriteBytes(buf.AsSpan(0, 4), (uint)(len + extra));
            Assert.Equal(Errno.EPROTO, Codec.DecodeRequest(buf.AsSpan(0, len + extra), out _, out _));
        });

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("/")]
    [InlineData("a\0b")]
    public void BadNames_AreEinval(string name)
    {
        var buf = new byte[256];
        int len = Codec.EncodeRequest(new WalkRequest(1, new[] { "ok", name }), 9, buf);
        Assert.Equal(Errno.EINVAL, Codec.DecodeRequest(buf.AsSpan(0, len), out uint tag, out _));
        Assert.Equal(9u, tag);
        Assert.Equal(Errno.EINVAL, Names.Check(name));
    }

    [Fact]
    public void OverlongName_IsEnametoolong()
    {
        var buf = new byte[1024];
        int len = Codec.EncodeRequest(new UnlinkRequest(1, new string('x', 256), false), 9, buf);
        Assert.Equal(Errno.ENAMETOOLONG, Codec.DecodeRequest(buf.AsSpan(0, len), out _, out _));
        len = Codec.EncodeRequest(new SymlinkRequest(1, "l", new string('x', 4096), 0, 0), 9, new byte[8192]);
        Assert.True(len > 0);
    }

    [Fact]
    public void NamesThatAreNotUtf8_TravelAsTheirBytes()
    {
        var buf = new byte[256];
        int len = Codec.EncodeRequest(new UnlinkRequest(1, "ab", false), 9, buf);
        var raw = buf[..len];
        raw[Wire.HeaderSize + 8 + 2] = 0xC3; // "ab" -> a truncated two-byte sequence followed by 'b'
        Assert.Equal(Errno.None, Codec.DecodeRequest(raw, out _, out var req));
        var name = ((UnlinkRequest)req!).Name;
        Assert.Equal(new byte[] { 0xC3, (byte)'b' }, LinuxText.Encode(name));
        var again = new byte[256];
        Assert.Equal(len, Codec.EncodeRequest(req!, 9, again));
        Assert.Equal(raw, again[..len]);
    }

    [Fact]
    public void WrongVersion_UnknownOp_AreEproto()
    {
        var buf = new byte[256];
        int len = Codec.EncodeRequest(new UnlinkRequest(1, "ab", false), 9, buf);
        var bad = buf[..len];
        bad[4] = 2; // version 2
        Assert.Equal(Errno.EPROTO, Codec.DecodeRequest(bad, out _, out _));

        bad = buf[..len];
        bad[6] = 99; // op 99
        Assert.Equal(Errno.EPROTO, Codec.DecodeRequest(bad, out _, out _));

        bad = buf[..len];
        bad[^1] = 2; // removeDir must be 0 or 1
        Assert.Equal(Errno.EPROTO, Codec.DecodeRequest(bad, out _, out _));

        Assert.Equal(Errno.None, Codec.DecodeRequest(buf.AsSpan(0, len), out _, out _));
    }

    [Fact]
    public void WalkOf65Names_IsEproto()
    {
        var buf = new byte[4096];
        int len = Codec.EncodeRequest(new WalkRequest(1, Enumerable.Repeat("a", 65).ToArray()), 9, buf);
        Assert.Equal(Errno.EPROTO, Codec.DecodeRequest(buf.AsSpan(0, len), out _, out _));
    }

    [Fact]
    public void TooBigToEncode_IsRefused()
    {
        var buf = new byte[Wire.MaxMessage];
        Assert.Equal(-1, Codec.EncodeRequest(new SetXattrRequest(1, "user.a", new byte[Wire.MaxMessage], 0), 1, buf));
    }
}
