using System.Buffers.Binary;
using System.Text;
using AppKernel.Sentry.Loader;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace AppKernel.Tests.Loader;

public class ElfImageTests
{
    static readonly Lazy<byte[]> Ls = new(() => File.ReadAllBytes("/bin/ls"));

    /// <summary>Parses an in-memory file; a read beyond the end returns a short count, as a real file would.</summary>
    internal static Errno ParseBytes(byte[] file, out ElfImage? image) =>
        ElfImage.Parse(file.Length, (off, buf) =>
        {
            if (off < 0 || off >= file.Length) return 0;
            int n = (int)Math.Min(buf.Length, file.Length - off);
            Array.Copy(file, off, buf, 0, n);
            return n;
        }, out image);

    static Errno ParseNoThrow(byte[] file)
    {
        try
        {
            var e = ParseBytes(file, out var img);
            Assert.True(e == Errno.None || e == Errno.ENOEXEC, $"unexpected errno {e}");
            Assert.Equal(e == Errno.None, img != null);
            return e;
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"Parse threw {ex.GetType().Name}: {ex.Message}");
            return Errno.None;
        }
    }

    [Fact]
    public void BinLs_Parses_AsPieWithInterpreter()
    {
        Assert.Equal(Errno.None, ParseBytes(Ls.Value, out var img));
        Assert.NotNull(img);
        Assert.Equal(ElfImage.ET_DYN, img!.Type);
        Assert.Equal("/lib64/ld-linux-x86-64.so.2", img.Interpreter);
        Assert.Contains(img.Phdrs, p => p.Type == ElfImage.PT_LOAD);
        Assert.Equal(BinaryPrimitives.ReadUInt64LittleEndian(Ls.Value.AsSpan(24)), img.Entry);
        Assert.Equal(0UL, img.MinVaddr % 4096);
        Assert.Equal(0UL, img.MaxVend % 4096);
        Assert.True(img.MaxVend > img.MinVaddr);
        Assert.NotEqual(0UL, img.PhdrVaddr());
    }

    [Fact]
    public void Python_Parses_WithInterpreter()
    {
        var bytes = File.ReadAllBytes("/usr/bin/python3.11");
        Assert.Equal(Errno.None, ParseBytes(bytes, out var img));
        Assert.Equal("/lib64/ld-linux-x86-64.so.2", img!.Interpreter);
        // python3.11 on this host is a non-PIE ET_EXEC (see `file /usr/bin/python3.11`).
        Assert.Equal(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(16)), img.Type);
        Assert.True(img.Type == ElfImage.ET_EXEC || img.Type == ElfImage.ET_DYN);
        Assert.True(img.MinVaddr >= 0x10000 || img.Type == ElfImage.ET_DYN);
    }

    [Fact]
    public void StaticBusybox_HasNoInterpreter()
    {
        Assert.True(File.Exists("/bin/busybox"), "/bin/busybox (busybox-static) is required");
        Assert.Equal(Errno.None, ParseBytes(File.ReadAllBytes("/bin/busybox"), out var img));
        Assert.Null(img!.Interpreter);
        Assert.DoesNotContain(img.Phdrs, p => p.Type == ElfImage.PT_INTERP);
    }

    [Fact]
    public void EmptyAndTinyFiles_AreEnoexec()
    {
        Assert.Equal(Errno.ENOEXEC, ParseBytes(Array.Empty<byte>(), out _));
        Assert.Equal(Errno.ENOEXEC, ParseBytes(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, out _));
        Assert.Equal(Errno.ENOEXEC, ParseBytes(Ls.Value[..64], out _));
    }

    [Property(MaxTest = 300)]
    public void RandomBytes_AreEnoexec_NeverThrow(byte[] data)
    {
        Assert.Equal(Errno.ENOEXEC, ParseNoThrow(data));
    }

    [Property(MaxTest = 300)]
    public void RandomBytesWithElfMagic_NeverThrow(byte[] tail)
    {
        var data = new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1 }.Concat(tail).ToArray();
        ParseNoThrow(data);
    }

    [Fact]
    public void EveryPrefixOfHeaderRegion_IsNoneOrEnoexec_NeverThrows()
    {
        var ls = Ls.Value;
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(ls.AsSpan(56));
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(ls.AsSpan(32));
        int n = (int)Math.Min((ulong)ls.Length, Math.Max(4096UL, phoff + (ulong)phnum * 56 + 64));
        for (int len = 0; len <= n; len++)
        {
            var e = ParseNoThrow(ls[..len]);
            // The program headers lie within the prefix only once it reaches phoff + phnum*56.
            if ((ulong)len < phoff + (ulong)phnum * 56) Assert.Equal(Errno.ENOEXEC, e);
        }
    }

    [Property(MaxTest = 500)]
    public Property ByteFlipsInFirstPage_NeverThrow()
    {
        var flip = Gen.Zip(Gen.Choose(0, 4095), Gen.Choose(0, 255));
        var gen = Gen.Choose(1, 8).SelectMany(k => Gen.ArrayOf(flip, k));
        return Prop.ForAll(Arb.From(gen), flips =>
        {
            var b = (byte[])Ls.Value.Clone();
            foreach (var (pos, val) in flips) b[pos] = (byte)val;
            ParseNoThrow(b);
        });
    }

    [Property(MaxTest = 300)]
    public Property HeaderFieldMutations_NeverThrow()
    {
        // Targets the header fields and the first program headers specifically with extreme values.
        var offsets = Gen.Choose(0, 64 + 56 * 4 - 1);
        var values = Gen.Elements<ulong>(0, 1, 0x7f, 0xff, 0xffff, 0xffff_ffff, ulong.MaxValue, 0x8000_0000_0000_0000, 4096, 56);
        var widths = Gen.Elements(1, 2, 4, 8);
        var gen = Gen.ArrayOf(Gen.Zip(Gen.Zip(offsets, values), widths).Select(t => (Off: t.Item1.Item1, V: t.Item1.Item2, W: t.Item2)), 3);
        return Prop.ForAll(Arb.From(gen), muts =>
        {
            var b = (byte[])Ls.Value.Clone();
            foreach (var (off, v, w) in muts)
                for (int i = 0; i < w && off + i < b.Length; i++) b[off + i] = (byte)(v >> (8 * i));
            ParseNoThrow(b);
        });
    }

    static byte[] Mutate(Action<byte[]> f)
    {
        var b = (byte[])Ls.Value.Clone();
        f(b);
        return b;
    }

    static int FindPhdr(byte[] b, uint type)
    {
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(32));
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(56));
        for (int i = 0; i < phnum; i++)
        {
            int at = (int)phoff + i * 56;
            if (BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at)) == type) return at;
        }
        throw new InvalidOperationException($"no phdr of type {type}");
    }

    public static TheoryData<string> MalformedCases => new()
    {
        "wrong magic", "32-bit class", "big endian", "wrong machine", "phentsize 32", "phnum 0",
        "phoff beyond file", "phoff+phnum*56 beyond file", "PT_LOAD filesz > memsz", "PT_INTERP without NUL",
        "PT_INTERP offset beyond file", "PT_LOAD offset beyond file", "ET_REL type",
    };

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public void Malformed_IsEnoexec(string which)
    {
        var b = Mutate(b =>
        {
            switch (which)
            {
                case "wrong magic": b[1] = (byte)'X'; break;
                case "32-bit class": b[4] = 1; break;
                case "big endian": b[5] = 2; break;
                case "wrong machine": BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(18), 3 /* EM_386 */); break;
                case "phentsize 32": BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(54), 32); break;
                case "phnum 0": BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(56), 0); break;
                case "phoff beyond file": BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(32), (ulong)b.Length + 4096); break;
                case "phoff+phnum*56 beyond file": BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(32), (ulong)b.Length - 56); break;
                case "PT_LOAD filesz > memsz":
                {
                    int at = FindPhdr(b, ElfImage.PT_LOAD);
                    ulong mem = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at + 40));
                    BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at + 32), mem + 1);
                    break;
                }
                case "PT_INTERP without NUL":
                {
                    int at = FindPhdr(b, ElfImage.PT_INTERP);
                    ulong off = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at + 8));
                    ulong sz = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at + 32));
                    for (ulong i = 0; i < sz; i++) if (b[off + i] == 0) b[off + i] = (byte)'a';
                    break;
                }
                case "PT_INTERP offset beyond file":
                    BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(FindPhdr(b, ElfImage.PT_INTERP) + 8), ulong.MaxValue - 8);
                    break;
                case "PT_LOAD offset beyond file":
                    BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(FindPhdr(b, ElfImage.PT_LOAD) + 8), (ulong)b.Length * 2);
                    break;
                case "ET_REL type": BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(16), 1); break;
                default: throw new ArgumentException(which);
            }
        });
        Assert.Equal(Errno.ENOEXEC, ParseNoThrow(b));
    }

    [Fact]
    public void UnmutatedCopy_StillParses()
    {
        // Guards the malformed cases: the mutation helper alone must not break parsing.
        Assert.Equal(Errno.None, ParseNoThrow(Mutate(_ => { })));
    }

    [Fact]
    public void ShortReads_AreEnoexec()
    {
        var ls = Ls.Value;
        // A reader that claims the file is full size but returns short counts past the first 64 bytes.
        var e = ElfImage.Parse(ls.Length, (off, buf) =>
        {
            int n = off == 0 ? Math.Min(buf.Length, 64) : buf.Length / 2;
            Array.Copy(ls, off, buf, 0, Math.Min(n, ls.Length - (int)off));
            return n;
        }, out var img);
        Assert.Equal(Errno.ENOEXEC, e);
        Assert.Null(img);
    }

    [Theory]
    [InlineData("#!/bin/sh\n", "/bin/sh", null)]
    [InlineData("#!/bin/sh", "/bin/sh", null)]
    [InlineData("#! /usr/bin/env python3 -u\n", "/usr/bin/env", "python3 -u")]
    [InlineData("#!/usr/bin/env\tpython3\nprint(1)\n", "/usr/bin/env", "python3")]
    [InlineData("#!/bin/bash -e  \r\n", "/bin/bash", "-e")]
    [InlineData("#!  /bin/sh  \necho hi\n", "/bin/sh", null)]
    public void Shebang_Parses(string text, string interp, string? arg)
    {
        Assert.Equal(Errno.None, ElfLoader.ParseShebang(Encoding.UTF8.GetBytes(text), out var i, out var a));
        Assert.Equal(interp, i);
        Assert.Equal(arg, a);
    }

    [Theory]
    [InlineData("#!\n")]
    [InlineData("#!")]
    [InlineData("#!   \t \n/bin/sh\n")]
    public void Shebang_Empty_IsEnoexec(string text)
    {
        Assert.Equal(Errno.ENOEXEC, ElfLoader.ParseShebang(Encoding.UTF8.GetBytes(text), out _, out _));
    }

    [Property(MaxTest = 300)]
    public void Shebang_RandomTail_NeverThrows(byte[] tail)
    {
        var head = new byte[] { (byte)'#', (byte)'!' }.Concat(tail).ToArray();
        var e = ElfLoader.ParseShebang(head, out var interp, out var arg);
        Assert.True(e == Errno.None || e == Errno.ENOEXEC);
        if (e == Errno.None)
        {
            Assert.NotEqual("", interp);
            Assert.DoesNotContain('\n', interp);
            Assert.False(interp.Contains(' ') || interp.Contains('\t'));
            if (arg != null) Assert.DoesNotContain('\n', arg);
        }
    }
}
