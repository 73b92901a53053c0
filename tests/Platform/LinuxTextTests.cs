using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AppKernel.Tests.Platform;

/// <summary>The one codec between Linux's bytes and .NET strings must lose nothing.</summary>
public class LinuxTextTests
{
    // Mostly bytes around the UTF-8 edges (ASCII, continuation bytes, lead bytes, 0xff), sometimes whole valid text.
    static readonly Gen<byte[]> Bytes = Gen.Frequency(
        (3, Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>())),
        (3, Gen.ArrayOf(Gen.Elements<byte>(0x41, 0x2f, 0x00, 0x80, 0xbf, 0xc0, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xed, 0xa0, 0xf0, 0x9f, 0x99, 0x82, 0xf4, 0x90, 0xff))),
        (1, ArbMap.Default.GeneratorFor<string>().Where(s => s != null).Select(s => Encoding.UTF8.GetBytes(s))));

    [Property(MaxTest = 5000)]
    public Property EveryByteString_RoundTrips() =>
        Prop.ForAll(Arb.From(Bytes), b =>
        {
            var s = LinuxText.Decode(b);
            Assert.Equal(b, LinuxText.Encode(s));
            Assert.Equal(b.Length, LinuxText.ByteCount(s));
            var into = new byte[b.Length + 1];
            Assert.Equal(b.Length, LinuxText.Encode(s, into));
            Assert.Equal(b, into[..b.Length]);
        });

    [Property(MaxTest = 2000)]
    public Property ValidUtf8_DecodesAsOrdinaryText() =>
        Prop.ForAll(Arb.From(ArbMap.Default.GeneratorFor<string>().Where(s => s != null)), s =>
        {
            var b = Encoding.UTF8.GetBytes(s);
            Assert.Equal(Encoding.UTF8.GetString(b), LinuxText.Decode(b));
        });

    [Property(MaxTest = 2000)]
    public Property Truncate_KeepsExactlyThePrefixBytes() =>
        Prop.ForAll(Arb.From(Bytes), Arb.From(Gen.Choose(0, 40)), (b, n) =>
        {
            var cut = LinuxText.Truncate(LinuxText.Decode(b), n);
            Assert.Equal(b[..Math.Min(n, b.Length)], LinuxText.Encode(cut));
        });

    [Fact]
    public void InvalidBytes_AreEscapes_AndQuoteLikeStrace()
    {
        var s = LinuxText.Decode(new byte[] { (byte)'a', 0xff, 0xc3, 0xa9, 0x80 });
        Assert.Equal("a\udcffé\udc80", s);
        Assert.Equal("\"a\\xff\\xc3\\xa9\\x80\"", LinuxText.Quote(s));
        Assert.Equal("\"ab\"...", LinuxText.Quote("abc"u8, 2));
        // An encoded surrogate (ED A0 80) is not UTF-8: its three bytes stay three escapes, not one char.
        Assert.Equal("\udced\udca0\udc80", LinuxText.Decode(new byte[] { 0xed, 0xa0, 0x80 }));
    }
}
