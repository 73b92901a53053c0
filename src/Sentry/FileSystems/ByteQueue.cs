namespace AppKernel.Sentry.FileSystems;

/// <summary>A bounded FIFO of bytes (a ring) for pipes and terminals; its owner's lock guards it. Bytes move in at
/// most two block copies (the ring's wrap), never one at a time.</summary>
public sealed class ByteQueue
{
    byte[] _ring;
    int _head, _count;

    public ByteQueue(int capacity) => _ring = new byte[capacity];

    public int Count => _count;
    public int Capacity => _ring.Length;
    public int Free => _ring.Length - _count;

    /// <summary>Appends what fits of src; returns how much.</summary>
    public int Enqueue(ReadOnlySpan<byte> src)
    {
        int n = Math.Min(src.Length, Free);
        int tail = (_head + _count) % _ring.Length;
        int first = Math.Min(n, _ring.Length - tail);
        src[..first].CopyTo(_ring.AsSpan(tail));
        src[first..n].CopyTo(_ring);
        _count += n;
        return n;
    }

    /// <summary>A new capacity keeping the bytes queued; false if they would not fit.</summary>
    public bool Resize(int capacity)
    {
        if (capacity < _count) return false;
        int count = _count;
        var n = new byte[capacity];
        Dequeue(n);
        _ring = n;
        _head = 0;
        _count = count;
        return true;
    }

    public bool Enqueue(byte b)
    {
        if (_count == _ring.Length) return false;
        _ring[(_head + _count) % _ring.Length] = b;
        _count++;
        return true;
    }

    public byte Peek() => _ring[_head];

    /// <summary>Copies up to dst.Length bytes from the front without taking them (tee).</summary>
    public int Peek(Span<byte> dst)
    {
        int n = Math.Min(dst.Length, _count);
        int first = Math.Min(n, _ring.Length - _head);
        _ring.AsSpan(_head, first).CopyTo(dst);
        _ring.AsSpan(0, n - first).CopyTo(dst[first..]);
        return n;
    }

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
