using System.Text;

namespace AppKernel.Sentry.Memory;

/// <summary>
/// /proc/[pid]/smaps' block under each mapping's maps line. Residency is the host's business (the stub's pages), so
/// the page counts are 0 — a mapping reads as wholly not resident — while the size, the lock and the VMA's flags are
/// the mapping's own.
/// </summary>
public static class Smaps
{
    /// <summary>The page counts, in Linux's order.</summary>
    static readonly string[] ResidencyKeys = ["Rss", "Pss", "Pss_Dirty", "Shared_Clean", "Shared_Dirty", "Private_Clean",
        "Private_Dirty", "Referenced", "Anonymous", "KSM", "LazyFree", "AnonHugePages", "ShmemPmdMapped", "FilePmdMapped",
        "Shared_Hugetlb", "Private_Hugetlb", "Swap", "SwapPss"];

    public static void AppendDetail(StringBuilder sb, ulong bytes, bool locked, string vmFlags)
    {
        ulong kb = bytes / 1024;
        void Line(string key, ulong value) => sb.Append((key + ':').PadRight(16)).Append(value.ToString().PadLeft(8)).Append(" kB\n");
        Line("Size", kb);
        Line("KernelPageSize", 4);
        Line("MMUPageSize", 4);
        foreach (var key in ResidencyKeys) Line(key, 0);
        Line("Locked", locked ? kb : 0);
        sb.Append("THPeligible:    0\n");
        sb.Append("VmFlags: ").Append(vmFlags).Append(" \n");
    }

    /// <summary>The VMA's flags in Linux's two-letter names and bit order (show_smap_vma_flags): what it may do now
    /// (rd wr ex), whether writes reach others (sh: a writable shared mapping; ms: any shared one), what mprotect may
    /// add (mr mw me), the stack (gd), mlock (lo), and the commit accounting (ac, nr).</summary>
    public static string Flags(Vma v)
    {
        var f = new List<string>();
        if ((v.Prot & Prot.Read) != 0) f.Add("rd");
        if ((v.Prot & Prot.Write) != 0) f.Add("wr");
        if ((v.Prot & Prot.Exec) != 0) f.Add("ex");
        if (v.Shared && v.MayWrite) f.Add("sh");
        f.Add("mr");
        if (v.MayWrite) f.Add("mw");
        if (v.MayExec) f.Add("me");
        if (v.Shared) f.Add("ms");
        if (v.Name == "[stack]") f.Add("gd");
        if (v.Lock != VmLock.None) f.Add("lo");
        if (v.Committed && !v.Shared) f.Add("ac"); // shared memory is accounted as its shmem file, not the VMA
        if (v.NoReserve) f.Add("nr");
        return string.Join(' ', f);
    }
}
