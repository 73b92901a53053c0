using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;

namespace AppKernel.Sentry.Vfs;

/// <summary>
/// An open file description: shared by dup'ed fds, holds the offset and status flags.
/// Results are byte counts or negative errnos.
/// </summary>
public abstract class FileDescription
{
    public int Flags;
    public long Offset;
    public VfsPath Path;
    public Inode? Inode { get; private set; }
    /// <summary>F_SETOWN/F_SETSIG (null until set).</summary>
    public FileAsync? Async;
    /// <summary>dnotify registrations made through this description (null when none).</summary>
    public List<Dnotify>? Dnotifies;
    /// <summary>The Landlock rights the opener's domain granted at open that later calls ask (TRUNCATE, IOCTL_DEV);
    /// all when no domain restricted it.</summary>
    public ulong LandlockRights = ulong.MaxValue;
    int _refs = 1;
    readonly object _posLock = new();

    protected FileDescription(int flags, VfsPath path, Inode? inode)
    {
        Flags = flags;
        Path = path;
        Inode = inode;
        if (inode != null) Interlocked.Increment(ref inode.OpenFiles);
    }

    /// <summary>Whether read/write use and advance Offset (regular files, directories) or not (pipes, devices).</summary>
    public virtual bool Seekable => true;
    /// <summary>Whether pwrite/pwritev are taken (false: ESPIPE, as a seq_file's missing FMODE_PWRITE).</summary>
    public virtual bool PositionalWrites => true;

    public virtual long ReadAt(Task t, Span<byte> buf, long offset) => -(long)Errno.EINVAL;
    public virtual long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset) => -(long)Errno.EINVAL;

    public virtual long Read(Task t, Span<byte> buf)
    {
        if (!Seekable) return -(long)Errno.EINVAL;
        lock (_posLock)
        {
            long n = ReadAt(t, buf, Offset);
            if (n > 0) Offset += n;
            return n;
        }
    }

    /// <summary>
    /// A read straight into guest memory at addr, with no Sentry buffer, where the file and the platform can (a host
    /// file's pread made by the trapped stub: <see cref="ReadAtIntoGuest"/>); offset &lt; 0 uses and advances the
    /// file offset. False: the caller reads into a buffer and copies out. The caller has checked that the guest can
    /// take count bytes at addr.
    /// </summary>
    public bool TryReadIntoGuest(Task t, ulong addr, ulong count, long offset, out long n)
    {
        n = 0;
        if (!MayReadIntoGuest(t, count)) return false;
        if (offset >= 0) return ReadAtIntoGuest(t, addr, count, offset, out n);
        lock (_posLock)
        {
            if (!ReadAtIntoGuest(t, addr, count, Offset, out n)) return false;
            if (n > 0) Offset += n;
            return true;
        }
    }

    /// <summary>Whether a read of count bytes may go straight into guest memory (asked before the offset is locked).</summary>
    protected virtual bool MayReadIntoGuest(Task t, ulong count) => false;

    protected virtual bool ReadAtIntoGuest(Task t, ulong addr, ulong count, long offset, out long n)
    {
        n = 0;
        return false;
    }

    public virtual long Write(Task t, ReadOnlySpan<byte> buf)
    {
        if (!Seekable) return -(long)Errno.EINVAL;
        lock (_posLock)
        {
            long n = WriteAt(t, buf, Offset);
            if (n > 0) Offset += n;
            return n;
        }
    }

    public virtual long Seek(long offset, int whence)
    {
        if (!Seekable) return -(long)Errno.ESPIPE;
        lock (_posLock)
        {
            long baseOff;
            switch (whence)
            {
                case 0: baseOff = 0; break;
                case 1: baseOff = Offset; break;
                case 2:
                    var e = Stat(out var st);
                    if (e != Errno.None) return -(long)e;
                    baseOff = st.Size;
                    break;
                case 3: case 4: // SEEK_DATA / SEEK_HOLE: no holes are reported
                    var e2 = Stat(out var st2);
                    if (e2 != Errno.None) return -(long)e2;
                    if (offset < 0 || offset >= st2.Size) return -(long)Errno.ENXIO;
                    Offset = whence == 3 ? offset : st2.Size;
                    return Offset;
                default: return -(long)Errno.EINVAL;
            }
            long n = baseOff + offset;
            if ((offset > 0 && n < baseOff) || n < 0) return -(long)Errno.EINVAL;
            Offset = n;
            return n;
        }
    }

    public virtual Errno Stat(out LinuxStat st)
    {
        if (Inode != null) return Inode.Stat(out st);
        st = default;
        return Errno.EBADF;
    }

    public virtual long Ioctl(Task t, uint cmd, ulong arg) => -(long)Errno.ENOTTY;

    /// <summary>A read of 0 bytes: 0, but a terminal still applies job control first.</summary>
    public virtual long ReadNothing(Task t) => 0;

    /// <summary>The unit a read hands out whole (eventfd 8, signalfd 128): a guest buffer with room for less gets EFAULT, not a record lost.</summary>
    public virtual int ReadRecordSize => 1;

    /// <summary>
    /// Whether a read into a buffer with room for fewer bytes than asked must fault instead of returning what
    /// fits: Linux copies a pipe's buffered data whole or not at all (EFAULT, nothing taken).
    /// </summary>
    public virtual bool ReadFaultsWithRoom(ulong room) => false;

    /// <summary>A write from a partly readable buffer takes whole units of it (a pipe: pages); 1 for files.</summary>
    public virtual int WriteUnit => 1;

    /// <summary>Whether write ignores the data (/dev/null): then a bad buffer is not an error, as on Linux.</summary>
    public virtual bool DiscardsWrites => false;

    public const short POLLIN = 1, POLLPRI = 2, POLLOUT = 4, POLLERR = 8, POLLHUP = 16, POLLNVAL = 32, POLLRDNORM = 0x40, POLLWRNORM = 0x100;

    /// <summary>Which of the poll events are ready now (regular files are always ready).</summary>
    public virtual short Readiness(short events) => (short)(events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM));

    /// <summary>Notified on every change of Readiness; null when readiness never changes (regular files).</summary>
    public virtual WaitQueue? Waiters => null;

    /// <summary>Directory listing for getdents; null for non-directories.</summary>
    public virtual DirectoryCursor? Directory => null;

    /// <summary>What mmap copies from; null when the file cannot be mapped (ENODEV).</summary>
    public virtual IMappable? Mappable => null;

    /// <summary>mmap's copy of file data into guest memory, by ReadAt; past EOF the pages stay zero.</summary>
    protected Errno CopyIntoByReads(AppKernel.Platform.GuestMemory mem, ulong addr, ulong offset, ulong len)
    {
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent((int)Math.Min(len, 1 << 20));
        try
        {
            ulong done = 0;
            while (done < len)
            {
                int want = (int)Math.Min((ulong)buf.Length, len - done);
                long n = ReadAt(null!, buf.AsSpan(0, want), (long)(offset + done));
                if (n < 0) return (Errno)(-n);
                if (n == 0) break;
                if (!mem.Write(addr + done, buf.AsSpan(0, (int)n))) return Errno.EFAULT;
                done += (ulong)n;
            }
            return Errno.None;
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>The link text /proc/self/fd/N shows.</summary>
    public virtual string DisplayName(Task t) =>
        !Path.IsValid ? "anon_inode:[unknown]"
        : MountNamespace.PathOf(Path, t.Fs.Root) + (Inode?.IsDeleted == true ? " (deleted)" : "");

    public void IncRef() => Interlocked.Increment(ref _refs);

    /// <summary>The description stands for inode instead (an overlay node over its lower's open file); the open
    /// count moves with it.</summary>
    public void ShowAs(Inode inode)
    {
        if (Inode != null) Interlocked.Decrement(ref Inode.OpenFiles);
        Inode = inode;
        Interlocked.Increment(ref inode.OpenFiles);
    }

    public void DecRef()
    {
        if (Interlocked.Decrement(ref _refs) != 0) return;
        if (Inode != null) FileLocks.Release(Inode, this); // OFD and flock locks belong to the description
        if ((Flags & OpenFlags.O_PATH) == 0)
            Fsnotify.OnFile(Path, OpenFlags.CanWrite(Flags) ? InotifyMask.IN_CLOSE_WRITE : InotifyMask.IN_CLOSE_NOWRITE);
        if ((Flags & OpenFlags.O_ASYNC) != 0) SetAsync(-1, null!, false);
        if (Inode is { } inode && Interlocked.Decrement(ref inode.OpenFiles) == 0) Fsnotify.LastClose(inode);
        Release();
    }

    /// <summary>Linux's f_op->fasync: O_ASYNC was set (through fd) or cleared; a file that signals readiness puts itself
    /// on its object's FasyncList. The default sends nothing, as Linux's files without the operation.</summary>
    public virtual void SetAsync(int fd, Kernel.Kernel k, bool on) { }

    /// <summary>Called at every close of an fd naming this description (Linux's flush), with the table it was in.</summary>
    public virtual void OnClose(FdTable fds) { }

    /// <summary>Called when the last fd referring to this description is closed.</summary>
    protected virtual void Release() { }
}

/// <summary>The state of reading a directory with getdents: a snapshot taken at the first read.</summary>
public sealed class DirectoryCursor
{
    public List<DirEntry>? Entries;
}
