namespace AppKernel.Sentry.Vfs;

/// <summary>A task's file descriptor table: fd → (description, close-on-exec).</summary>
public sealed class FdTable
{
    /// <summary>A new table's size (Linux's NR_OPEN_DEFAULT); it grows as Linux's does (<see cref="TableSize"/>).</summary>
    const int FirstSize = 64;
    FileDescription?[] _files = new FileDescription?[FirstSize];
    bool[] _cloexec = new bool[FirstSize];
    readonly object _lock = new();
    /// <summary>Tasks using this table (clone with CLONE_FILES, threads included, adds one): execve and unshare
    /// copy a shared table first, and the last task out closes the fds.</summary>
    int _users = 1;

    /// <summary>clone(CLONE_FILES): the new task uses this same table.</summary>
    public FdTable Share()
    {
        Interlocked.Increment(ref _users);
        return this;
    }

    /// <summary>A task stops using the table; the last one out closes every fd.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _users) == 0) CloseAll();
    }

    /// <summary>execve and unshare(CLONE_FILES) (Linux's unshare_fd): a table another task also uses is copied for
    /// the caller, so what it closes next (close-on-exec fds) is closed only for it; returns the caller's table.</summary>
    public FdTable Unshare()
    {
        if (Volatile.Read(ref _users) == 1) return this;
        var own = Fork();
        Release();
        return own;
    }

    /// <summary>fork: a new table naming the same open descriptions (shared offsets and flags).</summary>
    public FdTable Fork()
    {
        var t = new FdTable();
        lock (_lock)
        {
            // Linux's dup_fd sizes the copy by the highest open fd, not by the parent's table: select's nfds
            // is cut to that size, so a program can see the difference.
            int highest = Array.FindLastIndex(_files, f => f != null);
            int size = highest < FirstSize ? FirstSize : TableSize((highest / 64 + 1) * 64 - 1);
            t._files = new FileDescription?[size];
            t._cloexec = new bool[size];
            Array.Copy(_files, t._files, Math.Min(size, _files.Length));
            Array.Copy(_cloexec, t._cloexec, Math.Min(size, _cloexec.Length));
            foreach (var f in t._files) f?.IncRef();
        }
        return t;
    }

    /// <summary>
    /// The one way a syscall takes a file from the table: the result holds a reference until disposed
    /// (<c>using var f = t.Fds.Borrow(fd);</c>), so a close or dup2 by another thread meanwhile cannot
    /// release the file (and its host fd) under the call. File is null when fd is not open.
    /// </summary>
    public FileRef Borrow(int fd)
    {
        lock (_lock)
        {
            var f = fd >= 0 && fd < _files.Length ? _files[fd] : null;
            f?.IncRef();
            return new FileRef(f);
        }
    }

    /// <summary>Whether fd names an open file (for calls that only check, like fsync).</summary>
    public bool IsOpen(int fd)
    {
        lock (_lock) return fd >= 0 && fd < _files.Length && _files[fd] != null;
    }


    public bool GetCloexec(int fd)
    {
        lock (_lock) return fd >= 0 && fd < _files.Length && _cloexec[fd];
    }

    public bool SetCloexec(int fd, bool on)
    {
        lock (_lock)
        {
            if (fd < 0 || fd >= _files.Length || _files[fd] == null) return false;
            _cloexec[fd] = on;
            return true;
        }
    }

    /// <summary>Installs f at the lowest free fd ≥ minFd below limit. Takes over the caller's reference.</summary>
    public int Install(FileDescription f, bool cloexec, int minFd, int limit)
    {
        lock (_lock)
        {
            for (int fd = minFd; fd < limit; fd++)
            {
                if (fd >= _files.Length) Grow(fd + 1);
                if (_files[fd] == null)
                {
                    _files[fd] = f;
                    _cloexec[fd] = cloexec;
                    return fd;
                }
            }
        }
        return minFd >= limit ? -(int)Errno.EINVAL : -(int)Errno.EMFILE;
    }

    /// <summary>Puts f at exactly fd, closing what was there (dup2/dup3).</summary>
    public void InstallAt(int fd, FileDescription f, bool cloexec)
    {
        FileDescription? old;
        lock (_lock)
        {
            if (fd >= _files.Length) Grow(fd + 1);
            old = _files[fd];
            _files[fd] = f;
            _cloexec[fd] = cloexec;
        }
        if (old != null) Flush(old);
        old?.DecRef();
    }

    public Errno Close(int fd)
    {
        FileDescription? f;
        lock (_lock)
        {
            if (fd < 0 || fd >= _files.Length || _files[fd] == null) return Errno.EBADF;
            f = _files[fd];
            _files[fd] = null;
            _cloexec[fd] = false;
        }
        Flush(f!);
        f!.DecRef();
        return Errno.None;
    }

    /// <summary>The owner of POSIX record locks taken through this table (one process).</summary>
    public readonly object LockOwner = new();

    /// <summary>Every close of an fd (Linux's filp_close): what the process holds through any fd of the file ends —
    /// its POSIX locks, its dnotify registration, an mq_notify registration.</summary>
    void Flush(FileDescription f)
    {
        if (f.Inode != null) FileLocks.Release(f.Inode, LockOwner);
        Dnotify.Flush(f, this);
        f.OnClose(this);
    }

    public void CloseOnExec()
    {
        for (int fd = 0; fd < _files.Length; fd++)
            if (GetCloexec(fd)) Close(fd);
    }

    public void CloseAll()
    {
        for (int fd = 0; fd < _files.Length; fd++) Close(fd);
    }

    /// <summary>Open fds in ascending order (for /proc/self/fd).</summary>
    public List<int> OpenFds()
    {
        var r = new List<int>();
        lock (_lock)
            for (int fd = 0; fd < _files.Length; fd++) if (_files[fd] != null) r.Add(fd);
        return r;
    }

    /// <summary>The table's size (Linux's max_fds): select looks at no fd at or above it.</summary>
    public int Size
    {
        get { lock (_lock) return _files.Length; }
    }

    void Grow(int min)
    {
        int n = TableSize(min - 1);
        Array.Resize(ref _files, n);
        Array.Resize(ref _cloexec, n);
    }

    /// <summary>Linux's alloc_fdtable: a table that holds <paramref name="fd"/> has a power of two times 128
    /// slots (1 KiB of pointers).</summary>
    static int TableSize(int fd)
    {
        const int perKiB = 128;
        return (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(fd / perKiB + 1)) * perKiB;
    }
}

/// <summary>A file borrowed from an <see cref="FdTable"/> for the length of one call; disposing drops the reference.</summary>
public readonly struct FileRef : IDisposable
{
    public readonly FileDescription? File;
    public FileRef(FileDescription? f) => File = f;
    public void Dispose() => File?.DecRef();
}
