using System.Buffers.Binary;

namespace AppKernel.Sentry.Net.Netlink;

/// <summary>A netlink message header as read from a request.</summary>
public readonly record struct NlHeader(uint Length, ushort Type, ushort Flags, uint Seq, uint Pid)
{
    public static NlHeader Read(ReadOnlySpan<byte> b) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(b), BinaryPrimitives.ReadUInt16LittleEndian(b[4..]),
        BinaryPrimitives.ReadUInt16LittleEndian(b[6..]), BinaryPrimitives.ReadUInt32LittleEndian(b[8..]),
        BinaryPrimitives.ReadUInt32LittleEndian(b[12..]));
}

/// <summary>
/// Builds netlink messages into one buffer (a datagram): a header, the family's fixed struct, then attributes, each
/// padded to 4 bytes as NLMSG_ALIGN/NLA_ALIGN want. Nested attributes are opened and closed around their members.
/// </summary>
public sealed class NlWriter
{
    byte[] _buf = new byte[256];
    int _len, _msgStart = -1;

    public int Length => _len;
    public byte[] ToArray() => _buf.AsSpan(0, _len).ToArray();

    static int AlignUp(int n) => (n + Nl.Align - 1) & ~(Nl.Align - 1);

    Span<byte> Grow(int n)
    {
        int padded = AlignUp(n);
        if (_len + padded > _buf.Length) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + padded));
        var s = _buf.AsSpan(_len, padded);
        s.Clear();
        _len += padded;
        return s[..n];
    }

    /// <summary>Starts a message; <see cref="End"/> writes its length.</summary>
    public void Begin(ushort type, ushort flags, uint seq, uint pid)
    {
        _msgStart = _len;
        var h = Grow(Nl.HdrLen);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], seq);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], pid);
    }

    public void End() => BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(_msgStart), (uint)(_len - _msgStart));

    /// <summary>The family's fixed header (ifinfomsg, ifaddrmsg, rtmsg …) or any raw payload.</summary>
    public void Raw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Grow(bytes.Length));

    public void Attr(ushort type, ReadOnlySpan<byte> value)
    {
        var a = Grow(Nl.AttrHdrLen + value.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)(Nl.AttrHdrLen + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], type);
        value.CopyTo(a[Nl.AttrHdrLen..]);
    }

    public void U8(ushort type, byte v) => Attr(type, stackalloc byte[] { v });
    public void U16(ushort type, ushort v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); Attr(type, b); }
    public void U32(ushort type, uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); Attr(type, b); }
    /// <summary>A NUL-terminated string attribute (NLA_STRING as the kernel puts it).</summary>
    public void Str(ushort type, string s)
    {
        var b = LinuxText.Encode(s);
        var v = new byte[b.Length + 1];
        b.CopyTo(v, 0);
        Attr(type, v);
    }
    public void Zeros(ushort type, int n) => Attr(type, new byte[n]);

    /// <summary>Opens a nested attribute; returns its offset for <see cref="EndNest"/>.</summary>
    public int BeginNest(ushort type)
    {
        int at = _len;
        var a = Grow(Nl.AttrHdrLen);
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], type);
        return at;
    }

    public void EndNest(int at) => BinaryPrimitives.WriteUInt16LittleEndian(_buf.AsSpan(at), (ushort)(_len - at));
}

/// <summary>Reads the attributes after a request's fixed header (malformed tails are ignored, as Linux's nla_parse
/// does without strict validation).</summary>
public static class NlAttrs
{
    public static Dictionary<ushort, byte[]> Parse(ReadOnlySpan<byte> b)
    {
        var d = new Dictionary<ushort, byte[]>();
        while (b.Length >= Nl.AttrHdrLen)
        {
            int len = BinaryPrimitives.ReadUInt16LittleEndian(b);
            ushort type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(b[2..]) & 0x3fff); // without NLA_F_NESTED/NET_BYTEORDER
            if (len < Nl.AttrHdrLen || len > b.Length) break;
            d[type] = b[Nl.AttrHdrLen..len].ToArray();
            int next = (len + Nl.Align - 1) & ~(Nl.Align - 1);
            if (next >= b.Length) break;
            b = b[next..];
        }
        return d;
    }

    /// <summary>A string attribute up to its NUL.</summary>
    public static string Str(byte[] v)
    {
        int nul = Array.IndexOf(v, (byte)0);
        return LinuxText.Decode(v.AsSpan(0, nul < 0 ? v.Length : nul));
    }
}
