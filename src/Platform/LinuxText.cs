using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace AppKernel;

/// <summary>
/// Linux names, paths, arguments and environment strings are bytes, not text. The kernel, the gofer and the loader
/// keep them in .NET strings decoded with this one lossless codec: UTF-8, where each byte that is not part of a valid
/// UTF-8 sequence becomes the lone surrogate U+DC80+byte (PEP 383's "surrogateescape"); <see cref="Encode(string)"/>
/// turns those back into the same byte. So <c>Encode(Decode(b)) == b</c> for every byte array, valid UTF-8 reads as
/// ordinary text, and a name's length limits (NAME_MAX, PATH_MAX) are counted with <see cref="ByteCount"/>, never
/// <c>string.Length</c>. Only logs and --strace render the bytes, with <see cref="Quote"/>.
/// </summary>
public static class LinuxText
{
    const char EscapeBase = '\uDC00'; // U+DC80..U+DCFF stand for the bytes 0x80..0xff

    static bool IsEscape(char c) => c >= '\uDC80' && c <= '\uDCFF';

    /// <summary>Decodes bytes losslessly (strict UTF-8, each invalid byte escaped).</summary>
    public static string Decode(ReadOnlySpan<byte> b)
    {
        if (Utf8.IsValid(b)) return Encoding.UTF8.GetString(b);
        char[] rented = ArrayPool<char>.Shared.Rent(b.Length); // UTF-16 never needs more chars than UTF-8 has bytes
        try
        {
            Span<char> dst = rented;
            int written = 0;
            while (b.Length > 0)
            {
                var status = Utf8.ToUtf16(b, dst[written..], out int read, out int wrote, replaceInvalidSequences: false, isFinalBlock: true);
                written += wrote;
                b = b[read..];
                if (status == OperationStatus.Done) break;
                // InvalidData: the byte at b[0] starts no valid sequence; escape it alone and go on after it.
                dst[written++] = (char)(EscapeBase + b[0]);
                b = b[1..];
            }
            return new string(dst[..written]);
        }
        finally { ArrayPool<char>.Shared.Return(rented); }
    }

    /// <summary>The bytes <paramref name="s"/> stands for (an unpaired surrogate other than an escape becomes U+FFFD).</summary>
    public static byte[] Encode(string s)
    {
        var b = new byte[ByteCount(s)];
        Encode(s, b);
        return b;
    }

    /// <summary>The bytes of <paramref name="s"/> followed by a NUL: a C string.</summary>
    public static byte[] EncodeZ(string s)
    {
        var b = new byte[ByteCount(s) + 1];
        Encode(s, b);
        return b;
    }

    /// <summary>The number of bytes <paramref name="s"/> stands for: what NAME_MAX and PATH_MAX limit.</summary>
    public static int ByteCount(string s) => ByteCount(s.AsSpan());

    public static int ByteCount(ReadOnlySpan<char> s)
    {
        if (!HasEscape(s)) return Encoding.UTF8.GetByteCount(s);
        int n = 0;
        while (s.Length > 0)
        {
            int esc = IndexOfLoneEscape(s);
            if (esc < 0) return n + Encoding.UTF8.GetByteCount(s);
            n += Encoding.UTF8.GetByteCount(s[..esc]) + 1;
            s = s[(esc + 1)..];
        }
        return n;
    }

    /// <summary>Writes the bytes of <paramref name="s"/> into <paramref name="dst"/> (at least <see cref="ByteCount(string)"/> long); returns the count.</summary>
    public static int Encode(ReadOnlySpan<char> s, Span<byte> dst)
    {
        if (!HasEscape(s)) return Encoding.UTF8.GetBytes(s, dst);
        int n = 0;
        while (s.Length > 0)
        {
            int esc = IndexOfLoneEscape(s);
            if (esc < 0) return n + Encoding.UTF8.GetBytes(s, dst[n..]);
            n += Encoding.UTF8.GetBytes(s[..esc], dst[n..]);
            dst[n++] = (byte)(s[esc] - EscapeBase);
            s = s[(esc + 1)..];
        }
        return n;
    }

    static bool HasEscape(ReadOnlySpan<char> s) => s.IndexOfAnyInRange('\uDC80', '\uDCFF') >= 0;

    /// <summary>The first escape char that is not the low half of a surrogate pair (a decoded U+10080 is D800 DC80).</summary>
    static int IndexOfLoneEscape(ReadOnlySpan<char> s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            if (IsEscape(c)) return i;
        }
        return -1;
    }

    /// <summary>The first <paramref name="maxBytes"/> bytes of <paramref name="s"/> (a cut through a UTF-8 sequence keeps its bytes as escapes).</summary>
    public static string Truncate(string s, int maxBytes)
    {
        var b = Encode(s);
        return b.Length <= maxBytes ? s : Decode(b.AsSpan(0, maxBytes));
    }

    /// <summary>Bytes as strace shows them: in quotes, \n \t \" \\ escaped, other unprintable bytes as \xNN;
    /// at most <paramref name="max"/> bytes, then "...".</summary>
    public static string Quote(ReadOnlySpan<byte> b, int max = int.MaxValue)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in b[..Math.Min(b.Length, max)])
        {
            switch (c)
            {
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case (byte)'"': sb.Append("\\\""); break;
                case (byte)'\\': sb.Append("\\\\"); break;
                default:
                    if (c >= 32 && c < 127) sb.Append((char)c); else sb.Append("\\x").Append(c.ToString("x2"));
                    break;
            }
        }
        sb.Append('"');
        if (b.Length > max) sb.Append("...");
        return sb.ToString();
    }

    /// <summary>A decoded name or path quoted for a log line.</summary>
    public static string Quote(string s) => Quote(Encode(s));
}
