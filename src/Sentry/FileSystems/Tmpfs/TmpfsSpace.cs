namespace AppKernel.Sentry.FileSystems.Tmpfs;

/// <summary>
/// The space of one tmpfs instance, as Linux's shmem accounts it: data pages are charged when first written and
/// freed by truncation or when a deleted file's last descriptor closes; a write that finds no page left stops short
/// (ENOSPC when nothing fit). MaxPages 0 means no limit (size=0). statfs reports these numbers.
/// </summary>
public sealed class TmpfsSpace
{
    public const long PageSize = 4096;
    long _maxPages, _usedPages, _inodes;

    public TmpfsSpace(long maxPages) => _maxPages = maxPages;

    /// <summary>nr_inodes= as given (null: Linux's default), what statfs reports as f_files; not enforced.</summary>
    public long? InodeLimit { get; set; }

    /// <summary>Linux's default size for a tmpfs mounted without size=: half of the memory.</summary>
    public static long DefaultPages(ulong totalMemory) => (long)(totalMemory / 2 / PageSize);

    /// <summary>A size= option in bytes as pages (rounded up, as shmem_parse_one does).</summary>
    public static long PagesOf(ulong bytes) => (long)((bytes + PageSize - 1) / PageSize);

    /// <summary>A size= (bytes with k, m, g …, or a percentage of the memory) or nr_blocks= (pages) option in bytes.</summary>
    public static bool TryParseSize(string key, string value, ulong totalMemory, out ulong bytes)
    {
        bytes = 0;
        if (key == "nr_blocks")
        {
            if (!MemParse(value, out var pages)) return false;
            bytes = pages * PageSize;
            return true;
        }
        if (!value.EndsWith('%')) return MemParse(value, out bytes);
        if (!ulong.TryParse(value[..^1], out var pct)) return false;
        bytes = totalMemory / 100 * pct;
        return true;
    }

    /// <summary>Linux's memparse: a number (0x and 0 prefixes too) with an optional k, m, g, t, p or e.</summary>
    public static bool MemParse(string s, out ulong v)
    {
        v = 0;
        if (s.Length == 0) return false;
        int shift = char.ToLowerInvariant(s[^1]) switch { 'k' => 10, 'm' => 20, 'g' => 30, 't' => 40, 'p' => 50, 'e' => 60, _ => 0 };
        var num = shift > 0 ? s[..^1] : s;
        try
        {
            v = num.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? Convert.ToUInt64(num[2..], 16)
                : num.Length > 1 && num[0] == '0' ? Convert.ToUInt64(num, 8) : ulong.Parse(num);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException) { return false; }
        v <<= shift;
        return true;
    }

    public long MaxPages { get { lock (this) return _maxPages; } }
    public long UsedPages { get { lock (this) return _usedPages; } }
    public long Inodes { get { lock (this) return _inodes; } }

    public bool TryCharge(long pages)
    {
        lock (this)
        {
            if (_maxPages != 0 && _usedPages + pages > _maxPages) return false;
            _usedPages += pages;
            return true;
        }
    }

    public void Uncharge(long pages)
    {
        lock (this) _usedPages -= pages;
    }

    public void AddInode(int n)
    {
        lock (this) _inodes += n;
    }

    /// <summary>remount's size=: an unlimited tmpfs cannot be limited after the fact, nor a limit set below what is
    /// in use (EINVAL, as shmem_reconfigure).</summary>
    public Errno Resize(long maxPages)
    {
        lock (this)
        {
            if (maxPages != 0 && (_maxPages == 0 || _usedPages > maxPages)) return Errno.EINVAL;
            _maxPages = maxPages;
            return Errno.None;
        }
    }
}
