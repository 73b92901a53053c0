namespace AppKernel.Sentry.Ipc;

/// <summary>
/// One kind's objects by index, with Linux's ids (ipc/util.c): an index allocated cyclically below
/// max(in_use * 3/2, 64) (capped by the kind's limit), and a sequence number that grows each time the cursor wraps;
/// the id is index + sequence * 32768. An id whose sequence is not the object's names nothing (EINVAL).
/// The caller holds the kind's lock.
/// </summary>
public sealed class IpcIds<T> where T : IpcObject
{
    /// <summary>Linux's IPCMNI: indexes are below it; the sequence number is the id's bits above.</summary>
    public const int IpcMni = 32768, SeqShift = 15;
    const int MinCycle = 64, SeqMax = int.MaxValue >> SeqShift;

    readonly SortedDictionary<int, T> _objects = new();
    int _seq, _lastIdx = -1, _cursor;

    public int InUse => _objects.Count;
    public IEnumerable<T> All => _objects.Values;

    /// <summary>The highest index in use, or -1 (what the *_INFO commands answer, at least 0).</summary>
    public int MaxIdx => _objects.Count == 0 ? -1 : _objects.Keys.Max();

    /// <summary>Gives o an index and id; ENOSPC when limit objects exist already.</summary>
    public Errno Add(T o, int limit)
    {
        limit = Math.Min(limit, IpcMni);
        if (_objects.Count >= limit) return Errno.ENOSPC;
        int end = Math.Min(Math.Max(_objects.Count * 3 / 2, MinCycle), limit);
        // idr_alloc_cyclic: the lowest free index from the cursor, else from 0.
        int idx = FreeFrom(_cursor, end);
        if (idx < 0 && _cursor > 0) idx = FreeFrom(0, end);
        if (idx < 0) return Errno.ENOSPC;
        _cursor = idx + 1;
        if (idx <= _lastIdx && ++_seq >= SeqMax) _seq = 0;
        _lastIdx = idx;
        o.Seq = (ushort)_seq;
        o.Id = (_seq << SeqShift) + idx;
        _objects[idx] = o;
        return Errno.None;
    }

    int FreeFrom(int start, int end)
    {
        for (int i = start; i < end; i++) if (!_objects.ContainsKey(i)) return i;
        return -1;
    }

    public void Remove(T o)
    {
        int idx = o.Id & (IpcMni - 1);
        if (_objects.TryGetValue(idx, out var cur) && cur == o) _objects.Remove(idx);
    }

    /// <summary>The object with this id (index and sequence), or null (EINVAL): ipc_obtain_object_check.</summary>
    public T? ById(int id)
    {
        if (id < 0 || !_objects.TryGetValue(id & (IpcMni - 1), out var o)) return null;
        return (id >> SeqShift) == o.Seq ? o : null;
    }

    /// <summary>The object at id's index whatever its sequence (the *_STAT commands): ipc_obtain_object_idr.</summary>
    public T? ByIndex(int id) => id >= 0 && _objects.TryGetValue(id & (IpcMni - 1), out var o) ? o : null;

    public T? ByKey(int key)
    {
        if (key == IpcObject.IPC_PRIVATE) return null;
        foreach (var o in _objects.Values) if (o.Key == key) return o;
        return null;
    }
}
