using AppKernel.Sentry.FileSystems.Pipe;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Tmpfs;

/// <summary>A regular file in memory (or a FIFO/socket node), or a lower file until it is changed.</summary>
public sealed class TmpfsFile : TmpfsNode
{
    byte[] _data = Array.Empty<byte>();
    long _size;

    public TmpfsFile(TmpfsFs fs, uint mode, Task? t) : base(fs, (mode & InodeMode.S_IFMT) == 0 ? InodeMode.S_IFREG | mode : mode, t) { }
    internal TmpfsFile(TmpfsFs fs, Inode lower, in LinuxStat st) : base(fs, lower, st) { }

    protected override long Size { get { lock (Lock) return _size; } }

    protected override Errno CopyUpContent(in LinuxStat st)
    {
        if (!InodeMode.IsReg(st.Mode) || st.Size == 0) return Errno.None;
        if (st.Size > int.MaxValue) return Errno.EFBIG;
        var e = Lower!.Open(null!, default, OpenFlags.O_RDONLY, out var f);
        if (e != Errno.None) return e;
        try
        {
            var data = new byte[st.Size];
            long done = 0;
            while (done < data.Length)
            {
                long n = f!.ReadAt(null!, data.AsSpan((int)done), done);
                if (n < 0) return (Errno)(-n);
                if (n == 0) break;
                done += n;
            }
            _data = data;
            _size = done;
            return Errno.None;
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
            if (fd != null) fd.Inode = this;
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
        var e = CopyUp();
        if (e != Errno.None) return e;
        lock (Lock)
        {
            try { Ensure(size); }
            catch (OutOfMemoryException) { return Errno.ENOSPC; }
            if (size < _size) Array.Clear(_data, (int)size, (int)(_size - size));
            _size = size;
        }
        Touch();
        return Errno.None;
    }

    void Ensure(long size)
    {
        if (size > int.MaxValue) throw new OutOfMemoryException();
        if (size <= _data.Length) return;
        long cap = Math.Max(size, Math.Min((long)_data.Length * 2, int.MaxValue));
        Array.Resize(ref _data, (int)Math.Max(cap, 4096));
    }

    public long ReadAt(Span<byte> buf, long off)
    {
        lock (Lock)
        {
            if (off >= _size) return 0;
            int n = (int)Math.Min(buf.Length, _size - off);
            _data.AsSpan((int)off, n).CopyTo(buf);
            return n;
        }
    }

    public long WriteAt(ReadOnlySpan<byte> buf, long off, bool append)
    {
        lock (Lock)
        {
            if (append) off = _size;
            long end = off + buf.Length;
            if (end > int.MaxValue) return -(long)Errno.EFBIG;
            try { Ensure(end); }
            catch (OutOfMemoryException) { return -(long)Errno.ENOSPC; }
            buf.CopyTo(_data.AsSpan((int)off));
            if (end > _size) _size = end;
        }
        Touch();
        return buf.Length;
    }

    public long CurrentSize => Size;
}

public sealed class TmpfsFileDescription : FileDescription, Memory.IMappable
{
    readonly TmpfsFile _file;
    public TmpfsFileDescription(int flags, VfsPath path, TmpfsFile file) : base(flags, path, file) => _file = file;

    public override long ReadAt(Task t, Span<byte> buf, long offset) =>
        offset < 0 ? -(long)Errno.EINVAL : _file.ReadAt(buf, offset);

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
    public Memory.MappedFile Identity => new(Path.IsValid ? MountNamespace.AbsolutePath(Path) : "", _file.Fs.Dev, _file.Ino);
    public bool SupportsSharedWritable => false;
    public Errno CopyInto(Platform.GuestMemory mem, ulong addr, ulong offset, ulong len) => CopyIntoByReads(mem, addr, offset, len);
}
