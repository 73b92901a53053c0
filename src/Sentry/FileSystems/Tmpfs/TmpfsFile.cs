using AppKernel.Sentry.FileSystems.Pipe;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Tmpfs;

/// <summary>A regular file in memory (or a FIFO/socket node), or a lower file until it is changed.</summary>
public sealed class TmpfsFile : TmpfsNode
{
    /// <summary>Linux's MAX_LFS_FILESIZE, tmpfs's s_maxbytes: data is sparse, so only what is written costs.</summary>
    const long MaxSize = long.MaxValue;
    // Chunks in Sentry memory until the file is first mapped MAP_SHARED; a host memfd from then on.
    FileData _data = new ChunkData();
    long _size;
    // On a tmpfs that counts its space: the pages charged to it, a bit per page (64 per word), and the descriptors
    // open on the file (a deleted file keeps its pages until the last one closes).
    Dictionary<long, ulong>? _charged;
    int _opens;
    const int PageShift = 12;

    public const int F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8, F_SEAL_FUTURE_WRITE = 0x10;
    /// <summary>memfd seals (fcntl F_ADD_SEALS); null for files that cannot be sealed.</summary>
    public int? Seals;

    public TmpfsFile(TmpfsFs fs, uint mode, Task? t) : base(fs, (mode & InodeMode.S_IFMT) == 0 ? InodeMode.S_IFREG | mode : mode, t) { }
    internal TmpfsFile(TmpfsFs fs, Inode lower, in LinuxStat st) : base(fs, lower, st) { }

    protected override long Size { get { lock (Lock) return _size; } }

    protected override Errno CopyUpContent(in LinuxStat st)
    {
        if (!InodeMode.IsReg(st.Mode) || st.Size == 0) return Errno.None;
        if (st.Size > MaxSize) return Errno.EFBIG;
        var e = Lower!.Open(null!, default, OpenFlags.O_RDONLY, out var f);
        if (e != Errno.None) return e;
        try
        {
            var buf = new byte[1 << 16];
            long done = 0;
            while (true)
            {
                long n = f!.ReadAt(null!, buf, done);
                if (n < 0) return (Errno)(-n);
                if (n == 0) return Errno.None;
                lock (Lock)
                {
                    var se = Store(buf.AsSpan(0, (int)n), done);
                    if (se != Errno.None) return se;
                }
                done += n;
            }
        }
        finally { f!.DecRef(); }
    }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        switch (Mode & InodeMode.S_IFMT)
        {
            case InodeMode.S_IFREG: break;
            case InodeMode.S_IFIFO: return NamedPipe.Open(t, this, path, flags, out fd);
            case InodeMode.S_IFSOCK: return Errno.ENXIO;
            default: return Errno.EACCES; // device nodes of the lower are never opened
        }
        if (!Own && !OpenFlags.CanWrite(flags))
        {
            // Reads go straight to the lower file until the file is copied up.
            var e = Lower!.Open(t, path, flags, out fd);
            fd?.ShowAs(this);
            return e;
        }
        var ce = CopyUp();
        if (ce != Errno.None) return ce;
        fd = new TmpfsFileDescription(flags, path, this);
        return Errno.None;
    }

    public override Errno Truncate(long size)
    {
        if (size < 0) return Errno.EINVAL;
        if (size > MaxSize) return Errno.EFBIG;
        var e = CopyUp();
        if (e != Errno.None) return e;
        lock (Lock)
        {
            if (Seals is { } seals && ((size < _size && (seals & F_SEAL_SHRINK) != 0) || (size > _size && (seals & F_SEAL_GROW) != 0)))
                return Errno.EPERM;
            var re = _data.Resize(size);
            if (re != Errno.None) return re;
            _size = size;
            UnchargeFrom((size >> PageShift) + ((size & (TmpfsSpace.PageSize - 1)) != 0 ? 1 : 0));
        }
        Touch();
        return Errno.None;
    }

    /// <summary>fallocate(2) without holes to punch: the pages of [off, off+len) are charged to the file system
    /// all at once or not at all (ENOSPC, nothing changed, as shmem_fallocate), and the size grows unless keepSize.</summary>
    public Errno Allocate(long off, long len, bool keepSize)
    {
        if (off > MaxSize - len) return Errno.EFBIG;
        var e = CopyUp();
        if (e != Errno.None) return e;
        lock (Lock)
        {
            bool grows = !keepSize && off + len > _size;
            // F_SEAL_GROW refuses any range past the end, even with FALLOC_FL_KEEP_SIZE (shmem_fallocate).
            if (Seals is { } seals && (seals & F_SEAL_GROW) != 0 && off + len > _size) return Errno.EPERM;
            if (Fs.Space is { } space)
            {
                _charged ??= new();
                long first = off >> PageShift, last = (off + len - 1) >> PageShift, missing = 0;
                for (long p = first; p <= last; p++) if (!IsCharged(p)) missing++;
                if (missing > 0 && !space.TryCharge(missing)) return Errno.ENOSPC;
                for (long p = first; p <= last; p++) MarkCharged(p);
            }
            if (grows)
            {
                var re = _data.Resize(off + len);
                if (re != Errno.None) return re;
                _size = off + len;
            }
        }
        Touch();
        return Errno.None;
    }

    public long ReadAt(Span<byte> buf, long off)
    {
        lock (Lock)
        {
            if (off >= _size) return 0;
            int n = (int)Math.Min(buf.Length, _size - off);
            var e = _data.Read(buf[..n], off);
            return e != Errno.None ? -(long)e : n;
        }
    }

    // Copies data in at off (under Lock) and grows the size.
    Errno Store(ReadOnlySpan<byte> data, long off)
    {
        var e = _data.Write(data, off);
        if (e != Errno.None) return e;
        if (off + data.Length > _size) _size = off + data.Length;
        return Errno.None;
    }

    public long WriteAt(ReadOnlySpan<byte> buf, long off, bool append)
    {
        lock (Lock)
        {
            if (append) off = _size;
            if (off > MaxSize - buf.Length) return -(long)Errno.EFBIG;
            if (Seals is { } seals && buf.Length > 0 &&
                ((seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) != 0 || ((seals & F_SEAL_GROW) != 0 && off + buf.Length > _size)))
                return -(long)Errno.EPERM;
            int n = Charge(off, buf.Length);
            if (n == 0 && buf.Length > 0) return -(long)Errno.ENOSPC;
            var e = Store(buf[..n], off);
            if (e != Errno.None) return -(long)e;
            Touch();
            return n;
        }
    }

    /// <summary>Charges the file system for the pages of [off, off+len) that hold nothing yet; returns how many bytes
    /// from off have pages (less than len when the space ran out, as a short write). Under Lock.</summary>
    int Charge(long off, int len)
    {
        var space = Fs.Space;
        if (space == null || len == 0) return len;
        _charged ??= new();
        long first = off >> PageShift, last = (off + len - 1) >> PageShift, missing = 0;
        for (long p = first; p <= last; p++) if (!IsCharged(p)) missing++;
        if (missing == 0) return len;
        if (space.TryCharge(missing))
        {
            for (long p = first; p <= last; p++) MarkCharged(p);
            return len;
        }
        for (long p = first; p <= last; p++)
        {
            if (IsCharged(p)) continue;
            if (!space.TryCharge(1)) return (int)Math.Max(0, (p << PageShift) - off);
            MarkCharged(p);
        }
        return len;
    }

    bool IsCharged(long page) => _charged!.TryGetValue(page >> 6, out var w) && (w & (1UL << (int)(page & 63))) != 0;

    void MarkCharged(long page)
    {
        _charged!.TryGetValue(page >> 6, out var w);
        _charged[page >> 6] = w | (1UL << (int)(page & 63));
    }

    /// <summary>Gives back the charged pages from page <paramref name="first"/> on (truncation, or all when freed). Under Lock.</summary>
    void UnchargeFrom(long first)
    {
        if (_charged == null || Fs.Space == null) return;
        long freed = 0;
        foreach (var word in _charged.Keys.ToList())
        {
            ulong w = _charged[word];
            long basePage = word << 6;
            ulong keep = basePage >= first ? 0 : first - basePage >= 64 ? ulong.MaxValue : (1UL << (int)(first - basePage)) - 1;
            ulong drop = w & ~keep;
            if (drop == 0) continue;
            freed += System.Numerics.BitOperations.PopCount(drop);
            if ((w & keep) == 0) _charged.Remove(word);
            else _charged[word] = w & keep;
        }
        Fs.Space.Uncharge(freed);
    }

    internal void Opened()
    {
        lock (Lock) _opens++;
    }

    internal void Closed()
    {
        bool free;
        lock (Lock) free = --_opens == 0 && Nlink == 0; // an O_TMPFILE file can no longer get a name either
        if (free) Free();
    }

    internal override void Unlinked()
    {
        bool free;
        lock (Lock) free = _opens == 0;
        if (free) Free();
    }

    // Nothing names the file or has it open: its pages and inode go back to the file system. The data stays for a
    // shared mapping that may still map the memfd.
    void Free()
    {
        lock (Lock)
        {
            if (_charged == null && Fs.Space == null) return;
            UnchargeFrom(0);
            _charged = null;
        }
        base.Unlinked();
    }

    public long CurrentSize => Size;

    /// <summary>Bytes of memory the file's data holds now, at most its size rounded to pages.</summary>
    public long ResidentBytes
    {
        get { lock (Lock) return Math.Min(_data.AllocatedBytes, _size > long.MaxValue - 4095 ? _size : (_size + 4095) & ~4095L); }
    }

    /// <summary>The host memfd a mapping maps; the data moves there on the first mapping. Private mappings map it
    /// too (copy-on-write), so they read the file's pages as Linux's do: later writes to the file show through
    /// until a page is written, MADV_DONTNEED brings the file's back, and past the end of the file is SIGBUS.</summary>
    public Errno HostPages(bool shared, bool writable, out int hostFd)
    {
        hostFd = -1;
        lock (Lock)
        {
            if (shared && writable && Seals is { } seals && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) != 0) return Errno.EPERM;
            if (_data is not MemfdData m)
            {
                var e = MemfdData.From((ChunkData)_data, _size, Seals ?? 0, out var moved);
                if (e != Errno.None) return e;
                _data = m = moved!;
            }
            hostFd = m.Fd;
            return Errno.None;
        }
    }

    /// <summary>fcntl F_ADD_SEALS.</summary>
    public Errno AddSeals(int seals)
    {
        lock (Lock)
        {
            if (Seals is not { } cur) return Errno.EINVAL;
            if ((cur & F_SEAL_SEAL) != 0) return Errno.EPERM;
            // Mapped pages live in the host memfd: its seal refuses (EBUSY) while a writable mapping exists,
            // and keeps the stubs from writing after.
            if (_data is MemfdData m)
            {
                var e = m.AddSeals(seals & ~F_SEAL_SEAL);
                if (e != Errno.None) return e;
            }
            Seals = cur | seals;
            return Errno.None;
        }
    }
}

public sealed class TmpfsFileDescription : FileDescription, Memory.IMappable
{
    readonly TmpfsFile _file;
    public TmpfsFileDescription(int flags, VfsPath path, TmpfsFile file) : base(flags, path, file)
    {
        _file = file;
        file.Opened();
    }

    protected override void Release() => _file.Closed();

    public override long ReadAt(Task t, Span<byte> buf, long offset)
    {
        if (offset < 0) return -(long)Errno.EINVAL;
        if (buf.Length > 0 && Path.IsValid) _file.Accessed(Path.Mount);
        return _file.ReadAt(buf, offset);
    }

    public override long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset) =>
        offset < 0 ? -(long)Errno.EINVAL : _file.WriteAt(buf, offset, (Flags & OpenFlags.O_APPEND) != 0); // pwrite appends too, as in Linux

    public override long Write(Task t, ReadOnlySpan<byte> buf)
    {
        if ((Flags & OpenFlags.O_APPEND) == 0) return base.Write(t, buf);
        lock (this)
        {
            long n = _file.WriteAt(buf, 0, true);
            if (n > 0) Offset = _file.CurrentSize;
            return n;
        }
    }

    public override Memory.IMappable? Mappable => this;
    public Memory.MappedFile Identity => new(Path.IsValid ? MountNamespace.AbsolutePath(Path) : "", _file.Fs.Dev, _file.Ino) { At = Path };
    public Errno HostPages(bool shared, bool writable, out int hostFd) => _file.HostPages(shared, writable, out hostFd);
    public Errno CopyInto(Platform.GuestMemory mem, ulong addr, ulong offset, ulong len) => CopyIntoByReads(mem, addr, offset, len);
}
