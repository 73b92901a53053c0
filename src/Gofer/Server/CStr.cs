namespace AppKernel.Gofer.Server;

/// <summary>NUL-terminated strings in caller-provided (stack) buffers.</summary>
internal static class CStr
{
    /// <summary>Room for a name (255 bytes) or a path (4095 bytes) and the NUL.</summary>
    public const int NameBuf = Protocol.Wire.NameMax + 1, PathBuf = Protocol.Wire.PathMax + 1;

    /// <summary>Writes s + NUL into buf; false if it does not fit (or holds a NUL, which the decoder never lets through).</summary>
    public static bool Put(string s, Span<byte> buf)
    {
        if (LinuxText.ByteCount(s) >= buf.Length) return false;
        int n = LinuxText.Encode(s, buf);
        if (buf[..n].IndexOf((byte)0) >= 0) return false;
        buf[n] = 0;
        return true;
    }

    /// <summary>The decimal digits of fd + NUL: a name inside /proc/self/fd.</summary>
    public static void Fd(int fd, Span<byte> buf)
    {
        fd.TryFormat(buf, out int n);
        buf[n] = 0;
    }
}
