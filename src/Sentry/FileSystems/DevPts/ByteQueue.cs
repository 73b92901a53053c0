namespace AppKernel.Sentry.FileSystems.DevPts;

/// <summary>A bounded FIFO of bytes (a ring); the terminal's lock guards it.</summary>
public sealed class ByteQueue
{
    readonly byte[] _ring;
    int _head, _count;

    public ByteQueue(int capacity) => _ring = new byte[capacity];

    public int Count => _count;
    public int Capacity => _ring.Length;
    public int Free => _ring.Length - _count;

    /// <summary>Appends what fits of src; returns how much.</summary>
    public int Enqueue(ReadOnlySpan<byte> src)
    {
        int n = Math.Min(src.Length, Free);
        for (int i = 0; i < n; i++) _ring[(_head + _count + i) % _ring.Length] = src[i];
        _count += n;
        return n;
    }

    public bool Enqueue(byte b)
    {
        if (_count == _ring.Length) return false;
        _ring[(_head + _count) % _ring.Length] = b;
        _count++;
        return true;
    }

    public byte Peek() => _ring[_head];

    /// <summary>Takes up to dst.Length bytes from the front.</summary>
    public int Dequeue(Span<byte> dst)
    {
        int n = Math.Min(dst.Length, _count);
        int first = Math.Min(n, _ring.Length - _head);
        _ring.AsSpan(_head, first).CopyTo(dst);
        _ring.AsSpan(0, n - first).CopyTo(dst[first..]);
        _head = (_head + n) % _ring.Length;
        _count -= n;
        return n;
    }

    public void Skip(int n)
    {
        n = Math.Min(n, _count);
        _head = (_head + n) % _ring.Length;
        _count -= n;
    }

    public void Clear() { _head = 0; _count = 0; }
}
