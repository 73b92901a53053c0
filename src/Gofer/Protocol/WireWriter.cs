using System.Buffers.Binary;

namespace AppKernel.Gofer.Protocol;

/// <summary>
/// Little-endian writer into a fixed buffer. It never throws: writing past the end sets
/// <see cref="Overflow"/> and the message must not be sent.
/// </summary>
public ref struct WireWriter
{
    readonly Span<byte> _buf;
    int _pos;

    public WireWriter(Span<byte> buf)
    {
        _buf = buf;
        _pos = 0;
        Overflow = false;
    }

    public bool Overflow { get; private set; }
    public readonly int Length => _pos;
    public readonly ReadOnlySpan<byte> Written => _buf[.._pos];
    public readonly int Remaining => _buf.Length - _pos;

    Span<byte> Take(int n)
    {
        if (Overflow || n > _buf.Length - _pos)
        {
            Overflow = true;
            return default;
        }
        var s = _buf.Slice(_pos, n);
        _pos += n;
        return s;
    }

    public void U8(byte v)
    {
        var s = Take(1);
        if (!Overflow) s[0] = v;
    }

    public void U16(ushort v)
    {
        var s = Take(2);
        if (!Overflow) BinaryPrimitives.WriteUInt16LittleEndian(s, v);
    }

    public void U32(uint v)
    {
        var s = Take(4);
        if (!Overflow) BinaryPrimitives.WriteUInt32LittleEndian(s, v);
    }

    public void I32(int v) => U32((uint)v);

    public void U64(ulong v)
    {
        var s = Take(8);
        if (!Overflow) BinaryPrimitives.WriteUInt64LittleEndian(s, v);
    }

    public void I64(long v) => U64((ulong)v);

    /// <summary>u16 byte length + the bytes the string stands for (<see cref="LinuxText"/>). Strings longer than 65535 bytes set Overflow.</summary>
    public void Str(string s)
    {
        int n = LinuxText.ByteCount(s);
        if (n > ushort.MaxValue)
        {
            Overflow = true;
            return;
        }
        U16((ushort)n);
        var d = Take(n);
        if (!Overflow) LinuxText.Encode(s, d);
    }

    /// <summary>u32 byte length + bytes.</summary>
    public void Blob(ReadOnlySpan<byte> b)
    {
        U32((uint)b.Length);
        var d = Take(b.Length);
        if (!Overflow) b.CopyTo(d);
    }

    public void Stat(in GoferStat st)
    {
        U64(st.Dev);
        U64(st.Ino);
        U32(st.Mode);
        U64(st.Nlink);
        U32(st.Uid);
        U32(st.Gid);
        U64(st.Rdev);
        I64(st.Size);
        I64(st.Blksize);
        I64(st.Blocks);
        I64(st.AtimeSec);
        I64(st.AtimeNsec);
        I64(st.MtimeSec);
        I64(st.MtimeNsec);
        I64(st.CtimeSec);
        I64(st.CtimeNsec);
    }

    /// <summary>Writes a header whose length is patched by <see cref="Finish"/>.</summary>
    public void Header(ushort op, uint tag)
    {
        U32(0);
        U16(Wire.Version);
        U16(op);
        U32(tag);
    }

    /// <summary>Patches the total length into the header; false if the message overflowed or is too big.</summary>
    public bool Finish()
    {
        if (Overflow || _pos < Wire.HeaderSize || _pos > Wire.MaxMessage) return false;
        BinaryPrimitives.WriteUInt32LittleEndian(_buf, (uint)_pos);
        return true;
    }
}
