namespace AppKernel.Sentry.Net.Inet;

/// <summary>A growable ring of bytes: a TCP endpoint's receive queue (the peer appends, the owner reads).</summary>
public sealed class StreamBuffer
{
    const int InitialCapacity = 4096;
    byte[] _buf = Array.Empty<byte>();
    int _head;

    public int Count { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0) return;
        Reserve(Count + data.Length);
        int tail = (_head + Count) % _buf.Length;
        int first = Math.Min(data.Length, _buf.Length - tail);
        data[..first].CopyTo(_buf.AsSpan(tail));
        data[first..].CopyTo(_buf);
        Count += data.Length;
    }

    /// <summary>Copies n bytes starting offset bytes in, without taking them.</summary>
    public void CopyOut(int offset, Span<byte> dst)
    {
        int start = (_head + offset) % _buf.Length;
        int first = Math.Min(dst.Length, _buf.Length - start);
        _buf.AsSpan(start, first).CopyTo(dst);
        _buf.AsSpan(0, dst.Length - first).CopyTo(dst[first..]);
    }

    public void Consume(int n)
    {
        if (n <= 0) return;
        _head = (_head + n) % _buf.Length;
        Count -= n;
        if (Count == 0) Clear();
    }

    /// <summary>Drops everything (and the memory, so an idle connection holds none).</summary>
    public void Clear()
    {
        Count = 0;
        _head = 0;
        _buf = Array.Empty<byte>();
    }

    void Reserve(int need)
    {
        if (need <= _buf.Length) return;
        int cap = Math.Max(InitialCapacity, _buf.Length);
        while (cap < need) cap *= 2;
        var nb = new byte[cap];
        if (Count > 0) CopyOut(0, nb.AsSpan(0, Count));
        _buf = nb;
        _head = 0;
    }
}
