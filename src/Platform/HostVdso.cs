using System.Globalization;

namespace AppKernel.Platform;

/// <summary>
/// The guest's vDSO: the host kernel's own, which every stub is given at exec and moves (mremap, as CRIU does) into a
/// fixed window of the platform's reserved range before dropping the rest of its address space. Its clock_gettime,
/// gettimeofday, time and getcpu then run in the guest without a trap, reading the host's clock pages, so they agree
/// with the Sentry's clocks (which are the host's); a clock the vDSO cannot read falls back to a real syscall, which
/// traps like any other. The data pages ([vvar], [vvar_vclock]) keep their distance from the code ([vdso]): the
/// code finds them relative to itself.
/// </summary>
public static class HostVdso
{
    /// <summary>The window in every guest address space, after the stub's code page and before the message slots.</summary>
    public const ulong Window = 0x7ff0_0000_2000;
    public const ulong WindowSize = 0xe000;
    const ulong AT_SYSINFO_EHDR = 33;

    /// <summary>The host's vDSO mappings, as offsets from the vDSO's ELF header, and their sizes.</summary>
    public static IReadOnlyList<(long Offset, ulong Size)> Mappings { get; }
    /// <summary>Their names in /proc/PID/maps ([vvar], [vvar_vclock], [vdso]), in the same order.</summary>
    public static IReadOnlyList<string> Names { get; } = [];
    /// <summary>Where the guest finds the vDSO's ELF header (AT_SYSINFO_EHDR), or 0 if the host's does not fit.</summary>
    public static ulong GuestAddress { get; }

    static HostVdso()
    {
        Mappings = [];
        try
        {
            var found = new List<(ulong Start, ulong End, string Name)>();
            foreach (var line in File.ReadAllLines("/proc/self/maps"))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 6 || !(f[5].StartsWith("[vvar") || f[5] == "[vdso]")) continue;
                var r = f[0].Split('-');
                found.Add((ulong.Parse(r[0], NumberStyles.HexNumber), ulong.Parse(r[1], NumberStyles.HexNumber), f[5]));
            }
            var vdso = found.Find(m => m.Name == "[vdso]");
            if (vdso.Name == null) return;
            ulong lo = found.Min(m => m.Start), hi = found.Max(m => m.End);
            if (hi - lo > WindowSize) return;
            found.Sort((a, b) => a.Start.CompareTo(b.Start));
            Mappings = found.Select(m => ((long)(m.Start - vdso.Start), m.End - m.Start)).ToList();
            Names = found.Select(m => m.Name).ToList();
            GuestAddress = Window + (vdso.Start - lo);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException) { }
    }

    /// <summary>Reads the host's vDSO layout now (this process's maps, ~0.4 ms here) rather than at the first exec:
    /// the platforms' <see cref="IPlatform.Prespawn"/>.</summary>
    public static void Warm() => _ = GuestAddress;

    /// <summary>The size of the vDSO's code mapping ([vdso], at <see cref="GuestAddress"/>).</summary>
    public static ulong CodeSize => Mappings.FirstOrDefault(m => m.Offset == 0).Size;

    /// <summary>Where mapping i goes in the window.</summary>
    public static ulong Target(int i) => (ulong)((long)GuestAddress + Mappings[i].Offset);

    /// <summary>A process's AT_SYSINFO_EHDR, from /proc/PID/auxv (0 if none).</summary>
    public static ulong OfProcess(int pid)
    {
        try
        {
            var b = File.ReadAllBytes($"/proc/{pid}/auxv");
            for (int i = 0; i + 16 <= b.Length; i += 16)
                if (BitConverter.ToUInt64(b, i) == AT_SYSINFO_EHDR) return BitConverter.ToUInt64(b, i + 8);
        }
        catch (IOException) { }
        return 0;
    }

    /// <summary>The vDSO's address in a new address space (its ELF header is there), or 0 if the stub has none.</summary>
    public static ulong Probe(GuestMemory m)
    {
        if (GuestAddress == 0) return 0;
        Span<byte> magic = stackalloc byte[4];
        return m.Read(GuestAddress, magic) && magic[0] == 0x7f && magic[1] == (byte)'E' && magic[2] == (byte)'L' && magic[3] == (byte)'F'
            ? GuestAddress : 0;
    }
}
