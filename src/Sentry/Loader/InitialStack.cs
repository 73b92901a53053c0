using System.Text;

namespace AppKernel.Sentry.Loader;

/// <summary>
/// The process's initial stack as Linux lays it out: argc, argv[], NULL, envp[], NULL, auxv pairs
/// ending with AT_NULL; above them the 16 AT_RANDOM bytes, the platform string, and the argument,
/// environment and execfn strings. The stack pointer is 16-byte aligned at argc.
/// </summary>
public sealed class InitialStack
{
    public const ulong AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
        AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17,
        AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51;

    public ulong Sp { get; private init; }
    public byte[] Bytes { get; private init; } = Array.Empty<byte>();
    public ulong ArgStart { get; private init; }
    public ulong ArgEnd { get; private init; }
    public ulong EnvStart { get; private init; }
    public ulong EnvEnd { get; private init; }

    /// <summary>Lays out the stack below top. auxv must not contain AT_RANDOM, AT_PLATFORM, AT_EXECFN or AT_NULL: they are added.</summary>
    public static InitialStack Build(ulong top, IReadOnlyList<string> argv, IReadOnlyList<string> envp, string execfn,
        IReadOnlyList<(ulong Key, ulong Value)> auxv, ReadOnlySpan<byte> random16)
    {
        var argB = argv.Select(LinuxText.EncodeZ).ToArray();
        var envB = envp.Select(LinuxText.EncodeZ).ToArray();
        var execB = LinuxText.EncodeZ(execfn);
        var platB = "x86_64\0"u8.ToArray();

        ulong pos = top - 8;
        ulong execfnAddr = pos -= (ulong)execB.Length;
        ulong stringsLen = (ulong)(argB.Sum(b => b.Length) + envB.Sum(b => b.Length));
        ulong argStart = pos - stringsLen;
        pos = argStart;
        ulong platformAddr = pos -= (ulong)platB.Length;
        ulong randomAddr = pos -= 16;
        pos &= ~15UL;

        var vec = new List<ulong> { (ulong)argv.Count };
        ulong at = argStart;
        foreach (var b in argB) { vec.Add(at); at += (ulong)b.Length; }
        ulong argEnd = at;
        vec.Add(0);
        foreach (var b in envB) { vec.Add(at); at += (ulong)b.Length; }
        ulong envEnd = at;
        vec.Add(0);
        foreach (var (k, v) in auxv) { vec.Add(k); vec.Add(v); }
        vec.Add(AT_RANDOM); vec.Add(randomAddr);
        vec.Add(AT_PLATFORM); vec.Add(platformAddr);
        vec.Add(AT_EXECFN); vec.Add(execfnAddr);
        vec.Add(AT_NULL); vec.Add(0);

        ulong sp = (pos - (ulong)vec.Count * 8) & ~15UL;
        var bytes = new byte[top - sp];
        void Put(ulong addr, ReadOnlySpan<byte> data) => data.CopyTo(bytes.AsSpan((int)(addr - sp)));
        for (int i = 0; i < vec.Count; i++) BitConverter.TryWriteBytes(bytes.AsSpan((int)((ulong)i * 8)), vec[i]);
        at = argStart;
        foreach (var b in argB) { Put(at, b); at += (ulong)b.Length; }
        foreach (var b in envB) { Put(at, b); at += (ulong)b.Length; }
        Put(platformAddr, platB);
        Put(randomAddr, random16[..16]);
        Put(execfnAddr, execB);
        return new InitialStack
        {
            Sp = sp, Bytes = bytes, ArgStart = argStart, ArgEnd = argEnd, EnvStart = argEnd, EnvEnd = envEnd,
        };
    }
}
