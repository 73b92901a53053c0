using System.Buffers.Binary;
using System.Text;
using AppKernel.Sentry.Loader;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AppKernel.Tests.Loader;

public class InitialStackTests
{
    public sealed record Input(ulong Top, string[] Argv, string[] Envp, string Execfn, (ulong Key, ulong Value)[] Auxv, byte[] Random);

    static readonly Gen<string> Str =
        Gen.Choose(0, 24).SelectMany(n => Gen.ArrayOf(
            Gen.Frequency((8, Gen.Choose(0x20, 0x7e)), (1, Gen.Choose(0xa0, 0x2fff)), (1, Gen.Elements(0x1F600, 0x4E2D))), n))
        .Select(cps => string.Concat(cps.Select(char.ConvertFromUtf32)));

    static readonly ulong[] AuxKeys =
    {
        InitialStack.AT_PHDR, InitialStack.AT_PHENT, InitialStack.AT_PHNUM, InitialStack.AT_PAGESZ, InitialStack.AT_BASE,
        InitialStack.AT_FLAGS, InitialStack.AT_ENTRY, InitialStack.AT_UID, InitialStack.AT_EUID, InitialStack.AT_GID,
        InitialStack.AT_EGID, InitialStack.AT_HWCAP, InitialStack.AT_CLKTCK, InitialStack.AT_SECURE, InitialStack.AT_HWCAP2,
        InitialStack.AT_MINSIGSTKSZ,
    };

    static readonly Gen<Input> Inputs =
        from topPage in Gen.Choose(0x1000, 0x7fff_f000)
        from topOff in Gen.Elements(0, 0, 3, 8, 13, 16, 24, 0x800)
        from argc in Gen.Choose(0, 12)
        from argv in Gen.ArrayOf(Str, argc)
        from envc in Gen.Choose(0, 12)
        from envp in Gen.ArrayOf(Str, envc)
        from execfn in Str
        from keys in Gen.SubListOf(AuxKeys)
        from vals in Gen.ArrayOf(Gen.Choose(0, int.MaxValue).Select(v => (ulong)v * 4099), keys.Count)
        from rnd in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 16)
        select new Input(((ulong)topPage << 16) + (ulong)topOff, argv, envp, execfn,
            keys.Zip(vals, (k, v) => (k, v)).ToArray(), rnd);

    sealed class Image
    {
        readonly InitialStack _s;
        readonly ulong _top;
        public Image(InitialStack s, ulong top) { _s = s; _top = top; }
        public bool Contains(ulong addr, ulong len) => addr >= _s.Sp && addr <= _top && len <= _top - addr;
        public ulong U64(ulong addr)
        {
            Assert.True(Contains(addr, 8), $"word at {addr:x} outside [{_s.Sp:x},{_top:x})");
            return BinaryPrimitives.ReadUInt64LittleEndian(_s.Bytes.AsSpan((int)(addr - _s.Sp), 8));
        }
        public string CStr(ulong addr)
        {
            Assert.True(Contains(addr, 1), $"string at {addr:x} outside [{_s.Sp:x},{_top:x})");
            var span = _s.Bytes.AsSpan((int)(addr - _s.Sp));
            int nul = span.IndexOf((byte)0);
            Assert.True(nul >= 0, $"string at {addr:x} not NUL-terminated within the stack");
            return Encoding.UTF8.GetString(span[..nul]);
        }
        public byte[] Raw(ulong addr, int len)
        {
            Assert.True(Contains(addr, (ulong)len), $"{len} bytes at {addr:x} outside the stack");
            return _s.Bytes.AsSpan((int)(addr - _s.Sp), len).ToArray();
        }
    }

    static void Check(Input inp)
    {
        var s = InitialStack.Build(inp.Top, inp.Argv, inp.Envp, inp.Execfn, inp.Auxv, inp.Random);
        Assert.Equal(0UL, s.Sp % 16);
        Assert.True(s.Sp < inp.Top);
        Assert.Equal(inp.Top - s.Sp, (ulong)s.Bytes.Length);
        var img = new Image(s, inp.Top);

        ulong at = s.Sp;
        Assert.Equal((ulong)inp.Argv.Length, img.U64(at)); at += 8;
        var argPtrs = new List<ulong>();
        for (int i = 0; i < inp.Argv.Length; i++, at += 8)
        {
            ulong p = img.U64(at);
            argPtrs.Add(p);
            Assert.Equal(inp.Argv[i], img.CStr(p));
        }
        Assert.Equal(0UL, img.U64(at)); at += 8;
        var envPtrs = new List<ulong>();
        for (int i = 0; i < inp.Envp.Length; i++, at += 8)
        {
            ulong p = img.U64(at);
            envPtrs.Add(p);
            Assert.Equal(inp.Envp[i], img.CStr(p));
        }
        Assert.Equal(0UL, img.U64(at)); at += 8;

        var aux = new List<(ulong K, ulong V)>();
        while (true)
        {
            ulong k = img.U64(at), v = img.U64(at + 8);
            at += 16;
            if (k == InitialStack.AT_NULL) { Assert.Equal(0UL, v); break; }
            aux.Add((k, v));
            Assert.True(aux.Count < 1000, "auxv not terminated");
        }
        foreach (var pair in inp.Auxv) Assert.Contains(pair, aux);
        Assert.Equal(aux.Count, aux.Select(a => a.K).Distinct().Count());
        Assert.Equal(inp.Auxv.Length + 3, aux.Count);

        ulong rnd = Assert.Single(aux, a => a.K == InitialStack.AT_RANDOM).V;
        Assert.Equal(inp.Random, img.Raw(rnd, 16));
        ulong execfn = Assert.Single(aux, a => a.K == InitialStack.AT_EXECFN).V;
        Assert.Equal(inp.Execfn, img.CStr(execfn));
        ulong plat = Assert.Single(aux, a => a.K == InitialStack.AT_PLATFORM).V;
        Assert.Equal("x86_64", img.CStr(plat));

        // The pointer vectors end below everything they point at (nothing overlaps the vectors).
        foreach (var p in argPtrs.Concat(envPtrs).Append(rnd).Append(execfn).Append(plat))
            Assert.True(p >= at, $"pointer {p:x} points into the argc/argv/envp/auxv area ending at {at:x}");

        // The argument block: contiguous, in order, exactly the strings with their NULs.
        int argBytes = inp.Argv.Sum(a => Encoding.UTF8.GetByteCount(a) + 1);
        int envBytes = inp.Envp.Sum(a => Encoding.UTF8.GetByteCount(a) + 1);
        Assert.Equal((ulong)argBytes, s.ArgEnd - s.ArgStart);
        Assert.Equal((ulong)envBytes, s.EnvEnd - s.EnvStart);
        Assert.True(img.Contains(s.ArgStart, (ulong)argBytes));
        Assert.True(img.Contains(s.EnvStart, (ulong)envBytes));
        if (inp.Argv.Length > 0) Assert.Equal(s.ArgStart, argPtrs[0]);
        if (inp.Envp.Length > 0) Assert.Equal(s.EnvStart, envPtrs[0]);
        var expectArgs = string.Concat(inp.Argv.Select(a => a + "\0"));
        Assert.Equal(expectArgs, Encoding.UTF8.GetString(img.Raw(s.ArgStart, argBytes)));
        var expectEnv = string.Concat(inp.Envp.Select(a => a + "\0"));
        Assert.Equal(expectEnv, Encoding.UTF8.GetString(img.Raw(s.EnvStart, envBytes)));

        // The random bytes, platform and execfn strings do not overlap the argument/env block.
        static bool Disjoint(ulong a, ulong alen, ulong b, ulong blen) => a + alen <= b || b + blen <= a;
        ulong strBlockLen = (ulong)(argBytes + envBytes);
        Assert.True(Disjoint(rnd, 16, s.ArgStart, strBlockLen), "AT_RANDOM bytes overlap argv/envp strings");
        Assert.True(Disjoint(plat, 7, s.ArgStart, strBlockLen), "platform string overlaps argv/envp strings");
        Assert.True(Disjoint(execfn, (ulong)Encoding.UTF8.GetByteCount(inp.Execfn) + 1, s.ArgStart, strBlockLen),
            "execfn overlaps argv/envp strings");
        Assert.True(Disjoint(rnd, 16, plat, 7), "AT_RANDOM bytes overlap the platform string");
    }

    [Property(MaxTest = 300)]
    public Property DecodesBackToInputs() => Prop.ForAll(Arb.From(Inputs), inp => Check(inp));

    [Fact]
    public void TypicalExec()
    {
        var rnd = Enumerable.Range(1, 16).Select(i => (byte)(i * 7)).ToArray();
        Check(new Input(0x7fff_ffff_f000, new[] { "/bin/ls", "-la", "/usr" }, new[] { "PATH=/bin", "HOME=/root" },
            "/bin/ls", new[] { (InitialStack.AT_PAGESZ, 4096UL), (InitialStack.AT_ENTRY, 0x401000UL) }, rnd));
    }

    [Fact]
    public void EmptyEverything()
    {
        Check(new Input(0x7fff_ffff_f000, Array.Empty<string>(), Array.Empty<string>(), "",
            Array.Empty<(ulong, ulong)>(), new byte[16]));
    }

    [Fact]
    public void UnalignedTop_StillAlignsSp()
    {
        for (ulong d = 0; d < 16; d++)
        {
            Check(new Input(0x7fff_ffff_f000 - d, new[] { "a" }, new[] { "b=c" }, "x",
                Array.Empty<(ulong, ulong)>(), new byte[16]));
        }
    }
}
