using System.Buffers.Binary;

namespace AppKernel.Gofer.Protocol;

/// <summary>
/// Strict little-endian reader. It never throws: the first problem is recorded in <see cref="Error"/>
/// (EPROTO for malformed framing, EINVAL / ENAMETOOLONG for strings that break the name rules) and every
/// later read returns zero. Strings are at most 4095 bytes, so nothing read allocates more than the message.
/// </summary>
public ref struct WireReader
{
    readonly ReadOnlySpan<byte> _buf;
    int _pos;

    public WireReader(ReadOnlySpan<byte> buf)
    {
        _buf = buf;
        _pos = 0;
        Error = Errno.None;
    }

    public Errno Error { get; private set; }
    public readonly bool Failed => Error != Errno.None;
    public readonly int Remaining => _buf.Length - _pos;

    /// <summary>Records a failure (the first one wins).</summary>
    public void Fail(Errno e)
    {
        if (Error == Errno.None) Error = e;
    }

    ReadOnlySpan<byte> Take(int n)
    {
        if (Failed) return default;
        if (n < 0 || n > _buf.Length - _pos)
        {
            Fail(Errno.EPROTO);
            return default;
        }
        var s = _buf.Slice(_pos, n);
        _pos += n;
        return s;
    }

    public byte U8()
    {
        var s = Take(1);
        return Failed ? (byte)0 : s[0];
    }

    public ushort U16()
    {
        var s = Take(2);
        return Failed ? (ushort)0 : BinaryPrimitives.ReadUInt16LittleEndian(s);
    }

    public uint U32()
    {
        var s = Take(4);
        return Failed ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(s);
    }

    public int I32() => (int)U32();

    public ulong U64()
    {
        var s = Take(8);
        return Failed ? 0 : BinaryPrimitives.ReadUInt64LittleEndian(s);
    }

    public long I64() => (long)U64();

    /// <summary>A bool encoded as one byte 0 or 1; anything else is EPROTO.</summary>
    public bool Bool()
    {
        byte b = U8();
        if (b > 1) Fail(Errno.EPROTO);
        return b == 1;
    }

    /// <summary>u16 length + bytes (names are bytes, as in Linux: any byte but NUL).</summary>
    ReadOnlySpan<byte> Bytes(int max)
    {
        int n = U16();
        if (Failed) return default;
        if (n > max)
        {
            Fail(Errno.ENAMETOOLONG);
            return default;
        }
        var s = Take(n);
        if (Failed) return default;
        if (s.IndexOf((byte)0) >= 0)
        {
            Fail(Errno.EINVAL);
            return default;
        }
        return s;
    }

    /// <summary>A file name: 1..255 bytes, no '/' or NUL, not "." or "..".</summary>
    public string Name()
    {
        var s = Bytes(Wire.NameMax);
        if (Failed) return "";
        if (!Names.IsValidName(s))
        {
            Fail(Errno.EINVAL);
            return "";
        }
        return LinuxText.Decode(s);
    }

    /// <summary>A path or symlink target: up to 4095 bytes without NUL (may be empty).</summary>
    public string PathString()
    {
        var s = Bytes(Wire.PathMax);
        return Failed ? "" : LinuxText.Decode(s);
    }

    /// <summary>An extended attribute name: 1..255 bytes without NUL.</summary>
    public string XattrName()
    {
        var s = Bytes(Wire.XattrNameMax);
        if (Failed) return "";
        if (s.Length == 0)
        {
            Fail(Errno.EINVAL);
            return "";
        }
        return LinuxText.Decode(s);
    }

    /// <summary>u32 length + bytes, at most <paramref name="max"/> bytes.</summary>
    public byte[] Blob(int max)
    {
        uint n = U32();
        if (Failed) return Array.Empty<byte>();
        if (n > (uint)max)
        {
            Fail(Errno.EPROTO);
            return Array.Empty<byte>();
        }
        var s = Take((int)n);
        return Failed ? Array.Empty<byte>() : s.ToArray();
    }

    public GoferStat Stat()
    {
        if (Remaining < Wire.StatSize) Fail(Errno.EPROTO);
        if (Failed) return default;
        return new GoferStat(U64(), U64(), U32(), U64(), U32(), U32(), U64(), I64(), I64(), I64(),
            I64(), I64(), I64(), I64(), I64(), I64());
    }

    /// <summary>The message must end here: trailing bytes are EPROTO.</summary>
    public void End()
    {
        if (!Failed && _pos != _buf.Length) Fail(Errno.EPROTO);
    }
}
