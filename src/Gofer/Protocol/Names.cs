namespace AppKernel.Gofer.Protocol;

/// <summary>The rules for a single path component on the wire.</summary>
public static class Names
{
    /// <summary>1..255 bytes, no '/' or NUL, not "." or "..".</summary>
    public static bool IsValidName(ReadOnlySpan<byte> s)
    {
        if (s.Length == 0 || s.Length > Wire.NameMax) return false;
        if (s.IndexOfAny((byte)'/', (byte)0) >= 0) return false;
        if (s.Length == 1 && s[0] == '.') return false;
        if (s.Length == 2 && s[0] == '.' && s[1] == '.') return false;
        return true;
    }

    /// <summary>Checks a name before it is sent: ENAMETOOLONG over 255 bytes, EINVAL when it breaks the rules.</summary>
    public static Errno Check(string name)
    {
        int n = LinuxText.ByteCount(name);
        if (n > Wire.NameMax) return Errno.ENAMETOOLONG;
        if (n == 0 || name == "." || name == ".." || name.AsSpan().IndexOfAny('/', '\0') >= 0) return Errno.EINVAL;
        return Errno.None;
    }
}
