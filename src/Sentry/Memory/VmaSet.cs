namespace AppKernel.Sentry.Memory;

/// <summary>Non-overlapping VMAs sorted by start address, with the set operations mmap, munmap
/// and mprotect need (ranges split at their edges).</summary>
public sealed class VmaSet
{
    readonly List<Vma> _vmas = new();

    public IReadOnlyList<Vma> All => _vmas;
    public int Count => _vmas.Count;

    /// <summary>Index of the first VMA whose End is above addr.</summary>
    int LowerBound(ulong addr)
    {
        int lo = 0, hi = _vmas.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (_vmas[mid].End <= addr) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    public Vma? Find(ulong addr)
    {
        int i = LowerBound(addr);
        return i < _vmas.Count && _vmas[i].Start <= addr ? _vmas[i] : null;
    }

    public bool Overlaps(ulong start, ulong end)
    {
        int i = LowerBound(start);
        return i < _vmas.Count && _vmas[i].Start < end;
    }

    /// <summary>Whether every byte of [start,end) is mapped.</summary>
    public bool FullyMapped(ulong start, ulong end)
    {
        ulong at = start;
        for (int i = LowerBound(start); i < _vmas.Count && at < end; i++)
        {
            if (_vmas[i].Start > at) return false;
            at = _vmas[i].End;
        }
        return at >= end;
    }

    /// <summary>How many bytes from start (up to len) lie in consecutive VMAs that all allow need.</summary>
    public ulong AccessiblePrefix(ulong start, ulong len, Prot need)
    {
        ulong at = start, end = start + len < start ? ulong.MaxValue : start + len;
        for (int i = LowerBound(start); i < _vmas.Count && at < end; i++)
        {
            var v = _vmas[i];
            if (v.Start > at || (v.Prot & need) != need) break;
            at = v.End;
        }
        return Math.Min(at, end) - start;
    }

    /// <summary>Cuts [start,end) out of the set, splitting VMAs that straddle its edges.</summary>
    public void Remove(ulong start, ulong end)
    {
        if (start >= end) return;
        Split(start); Split(end);
        int i = LowerBound(start);
        int j = i;
        while (j < _vmas.Count && _vmas[j].Start < end) j++;
        _vmas.RemoveRange(i, j - i);
    }

    /// <summary>Inserts a VMA over a free range (callers Remove first).</summary>
    public void Insert(Vma v)
    {
        if (v.Start >= v.End) throw new ArgumentException("empty vma");
        if (Overlaps(v.Start, v.End)) throw new InvalidOperationException("overlapping vma");
        int i = LowerBound(v.Start);
        _vmas.Insert(i, v);
        MergeAround(v.Start, v.End);
    }

    static bool Mergeable(Vma a, Vma b) =>
        a.End == b.Start && a.Shm == null && b.Shm == null && a.Prot == b.Prot && a.Shared == b.Shared &&
        a.NoReserve == b.NoReserve && a.Name == b.Name && a.Policy == b.Policy && a.Lock == b.Lock &&
        Equals(a.File, b.File) && Equals(a.ShareKey, b.ShareKey) && a.MayWrite == b.MayWrite && a.MayExec == b.MayExec &&
        a.Copied == b.Copied && a.DontFork == b.DontFork && a.WipeOnFork == b.WipeOnFork &&
        (a.File == null && a.ShareKey == null || a.Offset + a.Length == b.Offset);

    /// <summary>Joins neighbouring VMAs that Linux would keep as one (so mremap sees a single VMA).</summary>
    void MergeAround(ulong start, ulong end)
    {
        int i = Math.Max(0, LowerBound(start) - 1);
        while (i + 1 < _vmas.Count && _vmas[i].Start <= end)
        {
            if (Mergeable(_vmas[i], _vmas[i + 1]))
            {
                _vmas[i].End = _vmas[i + 1].End;
                _vmas.RemoveAt(i + 1);
            }
            else i++;
        }
    }

    /// <summary>Applies f to every VMA piece inside [start,end), splitting at the edges.</summary>
    public void Update(ulong start, ulong end, Action<Vma> f)
    {
        Split(start); Split(end);
        for (int i = LowerBound(start); i < _vmas.Count && _vmas[i].Start < end; i++) f(_vmas[i]);
        MergeAround(start, end);
    }

    /// <summary>Copies out the VMAs (clipped) within [start,end).</summary>
    public List<Vma> Slice(ulong start, ulong end)
    {
        var r = new List<Vma>();
        for (int i = LowerBound(start); i < _vmas.Count && _vmas[i].Start < end; i++)
        {
            var c = _vmas[i].Clone();
            if (c.Start < start) { c.Offset += start - c.Start; c.Start = start; }
            if (c.End > end) c.End = end;
            r.Add(c);
        }
        return r;
    }

    void Split(ulong at)
    {
        var v = Find(at);
        if (v == null || v.Start == at) return;
        var tail = v.Clone();
        tail.Start = at;
        tail.Offset += at - v.Start;
        v.End = at;
        _vmas.Insert(LowerBound(at), tail);
    }

    /// <summary>Highest free range of len bytes within [bottom, top); 0 if none.</summary>
    public ulong FindGapTopDown(ulong len, ulong bottom, ulong top)
    {
        ulong end = top;
        int i = LowerBound(top);
        if (i < _vmas.Count && _vmas[i].Start < top) end = _vmas[i].Start;
        i--;
        while (true)
        {
            ulong gapStart = i >= 0 ? Math.Max(_vmas[i].End, bottom) : bottom;
            if (end >= gapStart && end - gapStart >= len) return end - len;
            if (i < 0) return 0;
            end = _vmas[i].Start;
            if (end <= bottom) return 0;
            i--;
        }
    }

    /// <summary>Lowest free range of len bytes within [bottom, top); 0 if none.</summary>
    public ulong FindGapBottomUp(ulong len, ulong bottom, ulong top)
    {
        ulong at = bottom;
        for (int i = LowerBound(bottom); i < _vmas.Count && _vmas[i].Start < top; i++)
        {
            if (_vmas[i].Start >= at && _vmas[i].Start - at >= len) return at;
            at = Math.Max(at, _vmas[i].End);
        }
        return top >= at && top - at >= len ? at : 0;
    }

    public ulong CommittedBytes()
    {
        ulong sum = 0;
        foreach (var v in _vmas) if (v.Committed) sum += v.Length;
        return sum;
    }
}
