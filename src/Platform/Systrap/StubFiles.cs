namespace AppKernel.Platform.Systrap;

/// <summary>
/// The host files one stub process holds open so that its threads can pread them straight into guest memory
/// (<see cref="SystrapContext.PreadAsStub"/>): at most <see cref="Max"/>, keyed by the Sentry's file, each under its
/// number in the stub's fd table (which the process's threads share).
///
/// The guest can reach these fds too: a thread that jumps to the stub's syscall site may pread them. They are files
/// it opened for reading, so it learns nothing it could not read through the Sentry; and a guest that closes one
/// there (the site may close) only makes its own reads of that file return wrong bytes or errors.
///
/// An entry is used only under a reference taken for one syscall. Its fd is closed (by the thread that next takes an
/// entry) once the Sentry's file is released and no syscall uses it, or when the table is full and it is the one
/// used least lately. A fork's or vfork's child starts with a copy of the table: the host copies the fds with the
/// process, and the copy is taken while the clone is made (<see cref="Lock"/>), so the two agree.
/// </summary>
sealed class StubFiles
{
    public const int Max = 16;

    public sealed class Entry
    {
        public required IHostReadable File { get; init; }
        public required int Fd { get; init; }
        public int Users;
        public long LastUse;
    }

    readonly List<Entry> _entries;
    long _clock;

    public StubFiles() => _entries = new();
    StubFiles(List<Entry> entries, long clock) { _entries = entries; _clock = clock; }

    /// <summary>Held across a fork's clone, so that the child's copy is the table the host copied.</summary>
    public object Lock => _entries;

    /// <summary>The table as a child process inherits it. Under <see cref="Lock"/>.</summary>
    public StubFiles CopyForChild() =>
        new(_entries.Select(e => new Entry { File = e.File, Fd = e.Fd, LastUse = e.LastUse }).ToList(), _clock);

    /// <summary>The entry for file, with a reference for one syscall; null if none can be had (the table is full of
    /// files in use, or the stub could not take the fd). closeFd and receiveFd are made by the calling thread's stub,
    /// a thread of this process.</summary>
    public Entry? Acquire(IHostReadable file, Func<int, long> closeFd, Func<int, int> receiveFd)
    {
        lock (_entries)
        {
            Entry? hit = null;
            for (int i = _entries.Count - 1; i >= 0; i--)
            {
                var e = _entries[i];
                if (e.File.Closed)
                {
                    if (e.Users == 0 && Close(i, closeFd)) continue;
                }
                else if (ReferenceEquals(e.File, file)) hit = e;
            }
            if (hit == null)
            {
                if (_entries.Count >= Max && !EvictOldest(closeFd)) return null;
                int fd = receiveFd(file.HostFd);
                if (fd < 0) return null;
                hit = new Entry { File = file, Fd = fd };
                _entries.Add(hit);
            }
            hit.Users++;
            hit.LastUse = ++_clock;
            return hit;
        }
    }

    public void Release(Entry e)
    {
        lock (_entries) e.Users--;
    }

    bool EvictOldest(Func<int, long> closeFd)
    {
        int oldest = -1;
        for (int i = 0; i < _entries.Count; i++)
            if (_entries[i].Users == 0 && (oldest < 0 || _entries[i].LastUse < _entries[oldest].LastUse)) oldest = i;
        return oldest >= 0 && Close(oldest, closeFd);
    }

    // The entry goes only when its fd is closed: an fd whose close failed (a stub no longer answering) stays counted.
    bool Close(int index, Func<int, long> closeFd)
    {
        long r = closeFd(_entries[index].Fd);
        if (r < 0 && r != -(long)Errno.EBADF) return false;
        _entries.RemoveAt(index);
        return true;
    }
}
