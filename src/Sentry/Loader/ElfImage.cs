using System.Buffers.Binary;
using System.Text;

namespace AppKernel.Sentry.Loader;

public readonly record struct ProgramHeader(uint Type, uint Flags, ulong Offset, ulong Vaddr, ulong Filesz, ulong Memsz, ulong Align);

/// <summary>
/// The parts of an x86-64 ELF file that exec needs, parsed strictly: any malformed or
/// unsupported input is ENOEXEC, never an exception.
/// </summary>
public sealed class ElfImage
{
    public const uint PT_LOAD = 1, PT_INTERP = 3, PT_PHDR = 6, PT_GNU_STACK = 0x6474e551;
    public const ushort ET_EXEC = 2, ET_DYN = 3;
    public const int HeaderSize = 64, PhdrSize = 56, MaxPhnum = 65536 / PhdrSize;
    const ulong PageSize = 4096;
    const ulong TaskSize = 0x7fff_ffff_f000;

    public ushort Type { get; private init; }
    public ulong Entry { get; private init; }
    public ulong PhOff { get; private init; }
    public IReadOnlyList<ProgramHeader> Phdrs { get; private init; } = Array.Empty<ProgramHeader>();
    public string? Interpreter { get; private init; }

    /// <summary>Lowest page-aligned address and highest end (page-aligned up) of the PT_LOAD segments.</summary>
    public ulong MinVaddr { get; private init; }
    public ulong MaxVend { get; private init; }

    public static bool IsElf(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && head[0] == 0x7f && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F';

    /// <summary>Parses an ELF file. read(offset, buffer) fills buffer from the file and returns the count read.</summary>
    public static Errno Parse(long fileSize, Func<long, byte[], int> read, out ElfImage? image)
    {
        image = null;
        if (fileSize < HeaderSize) return Errno.ENOEXEC;
        var h = new byte[HeaderSize];
        if (read(0, h) != HeaderSize) return Errno.ENOEXEC;
        if (!IsElf(h) || h[4] != 2 /* ELFCLASS64 */ || h[5] != 1 /* little endian */ || h[6] != 1) return Errno.ENOEXEC;
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(16));
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(18));
        if ((type != ET_EXEC && type != ET_DYN) || machine != 62) return Errno.ENOEXEC;
        ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(24));
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(32));
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(54));
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(56));
        if (phentsize != PhdrSize || phnum == 0 || phnum > MaxPhnum) return Errno.ENOEXEC;
        ulong phBytes = (ulong)phnum * PhdrSize;
        if (phoff > (ulong)fileSize || phBytes > (ulong)fileSize - phoff) return Errno.ENOEXEC;

        var ph = new byte[phBytes];
        if (read((long)phoff, ph) != ph.Length) return Errno.ENOEXEC;
        var list = new List<ProgramHeader>(phnum);
        string? interp = null;
        ulong min = ulong.MaxValue, max = 0;
        for (int i = 0; i < phnum; i++)
        {
            var s = ph.AsSpan(i * PhdrSize, PhdrSize);
            var p = new ProgramHeader(
                BinaryPrimitives.ReadUInt32LittleEndian(s), BinaryPrimitives.ReadUInt32LittleEndian(s[4..]),
                BinaryPrimitives.ReadUInt64LittleEndian(s[8..]), BinaryPrimitives.ReadUInt64LittleEndian(s[16..]),
                BinaryPrimitives.ReadUInt64LittleEndian(s[32..]), BinaryPrimitives.ReadUInt64LittleEndian(s[40..]),
                BinaryPrimitives.ReadUInt64LittleEndian(s[48..]));
            list.Add(p);
            if (p.Type == PT_LOAD)
            {
                if (p.Filesz > p.Memsz) return Errno.ENOEXEC;
                // A segment with nothing from the file is all anonymous memory: its offset does not matter (Linux's elf_load).
                if (p.Filesz > 0 && (p.Offset > (ulong)fileSize || p.Filesz > (ulong)fileSize - p.Offset)) return Errno.ENOEXEC;
                if (p.Filesz > 0 && (p.Vaddr % PageSize) != (p.Offset % PageSize)) return Errno.ENOEXEC;
                if (p.Vaddr >= TaskSize || p.Memsz >= TaskSize || p.Vaddr + p.Memsz >= TaskSize) return Errno.ENOEXEC;
                min = Math.Min(min, p.Vaddr & ~(PageSize - 1));
                max = Math.Max(max, (p.Vaddr + p.Memsz + PageSize - 1) & ~(PageSize - 1));
            }
            else if (p.Type == PT_INTERP)
            {
                if (interp != null) return Errno.ENOEXEC;
                if (p.Filesz < 2 || p.Filesz > 4096) return Errno.ENOEXEC;
                if (p.Offset > (ulong)fileSize || p.Filesz > (ulong)fileSize - p.Offset) return Errno.ENOEXEC;
                var b = new byte[p.Filesz];
                if (read((long)p.Offset, b) != b.Length || b[^1] != 0) return Errno.ENOEXEC;
                interp = LinuxText.Decode(b.AsSpan(0, Array.IndexOf(b, (byte)0)));
            }
        }
        if (min == ulong.MaxValue) return Errno.ENOEXEC;
        if (type == ET_EXEC && min < 0x10000) return Errno.ENOEXEC; // below mmap_min_addr
        image = new ElfImage
        {
            Type = type, Entry = entry, PhOff = phoff, Phdrs = list, Interpreter = interp, MinVaddr = min, MaxVend = max,
        };
        return Errno.None;
    }

    /// <summary>The in-memory address of the program headers (before adding the load bias), or 0 if they are not loaded.</summary>
    public ulong PhdrVaddr()
    {
        foreach (var p in Phdrs)
            if (p.Type == PT_PHDR) return p.Vaddr;
        foreach (var p in Phdrs)
            if (p.Type == PT_LOAD && PhOff >= p.Offset && PhOff - p.Offset < p.Filesz)
                return p.Vaddr + (PhOff - p.Offset);
        return 0;
    }
}
