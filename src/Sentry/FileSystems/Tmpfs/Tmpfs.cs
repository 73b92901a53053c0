using AppKernel.Platform;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Tmpfs;

/// <summary>A file system in Sentry memory (/tmp, /dev/shm): directories, regular files and symlinks.</summary>
public abstract class TmpfsNode : Inode
{
    static long s_nextIno = 1;
    public readonly ulong Ino = (ulong)Interlocked.Increment(ref s_nextIno);
    public ulong Dev { get; init; } = 0x2e;
    protected uint TypeAndPerm;
    public uint Uid, Gid;
    public ulong Nlink = 1;
    long _atime, _mtime, _ctime;
    protected readonly object Lock = new();

    protected TmpfsNode(uint mode, Task? t)
    {
        TypeAndPerm = mode;
        Uid = t?.Creds.Fsuid ?? 0;
        Gid = t?.Creds.Fsgid ?? 0;
        _atime = _mtime = _ctime = NowNs();
    }

    public static long NowNs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000 + (Environment.TickCount64 % 1000) * 1000;

    public override uint Mode => TypeAndPerm;
    protected virtual long Size => 0;

    public void Touch(bool modified = true)
    {
        long now = NowNs();
        if (modified) _mtime = now;
        _ctime = now;
    }

    public override Errno Stat(out LinuxStat st)
    {
        long size = Size;
        st = new LinuxStat
        {
            Dev = Dev, Ino = Ino, Nlink = Nlink, Mode = Mode, Uid = Uid, Gid = Gid, Size = size, Blksize = 4096,
            Blocks = (size + 511) / 512,
            Atime = _atime / 1_000_000_000, AtimeNsec = _atime % 1_000_000_000,
            Mtime = _mtime / 1_000_000_000, MtimeNsec = _mtime % 1_000_000_000,
            Ctime = _ctime / 1_000_000_000, CtimeNsec = _ctime % 1_000_000_000,
        };
        return Errno.None;
    }

    public override Errno SetMode(uint perm)
    {
        TypeAndPerm = (TypeAndPerm & InodeMode.S_IFMT) | (perm & 0xfff);
        Touch(false);
        return Errno.None;
    }

    public override Errno SetOwner(uint uid, uint gid)
    {
        if (uid != uint.MaxValue) Uid = uid;
        if (gid != uint.MaxValue) Gid = gid;
        Touch(false);
        return Errno.None;
    }

    public override Errno SetTimes(long? atimeNs, long? mtimeNs)
    {
        if (atimeNs is { } a) _atime = a;
        if (mtimeNs is { } m) _mtime = m;
        _ctime = NowNs();
        return Errno.None;
    }
}

public sealed class TmpfsDir : TmpfsNode
{
    readonly Dictionary<string, TmpfsNode> _children = new(StringComparer.Ordinal);

    /// <summary>A read-only directory whose entries show through where this one has none (the host's /tmp
    /// under the sandbox's /tmp). Its entries can be read but not removed or renamed.</summary>
    public Inode? Lower { get; init; }

    public TmpfsDir(uint perm, Task? t) : base(InodeMode.S_IFDIR | perm, t) => Nlink = 2;

    // Lookups are dictionary hits; not caching dentries keeps renames and unlinks simple.
    public override bool CacheChildren => false;

    public override Errno Lookup(Task t, string name, out Inode? child)
    {
        lock (Lock)
            child = _children.GetValueOrDefault(name);
        if (child != null) return Errno.None;
        return Lower != null ? Lower.Lookup(t, name, out child) : Errno.ENOENT;
    }

    public override Errno ReadDir(Task t, List<DirEntry> into)
    {
        lock (Lock)
        {
            foreach (var (n, c) in _children) into.Add(new DirEntry(n, c.Ino, InodeMode.DirentType(c.Mode)));
            if (Lower == null) return Errno.None;
            var lower = new List<DirEntry>();
            if (Lower.ReadDir(t, lower) == Errno.None)
                foreach (var d in lower)
                    if (!_children.ContainsKey(d.Name)) into.Add(d);
        }
        return Errno.None;
    }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        if (OpenFlags.CanWrite(flags)) return Errno.EISDIR;
        fd = new Synthetic.SynthDirFile(flags, path, this);
        return Errno.None;
    }

    bool InLower(string name) => Lower != null && Lower.Lookup(null!, name, out _) == Errno.None;

    Errno Add(string name, TmpfsNode node)
    {
        lock (Lock)
        {
            if (_children.ContainsKey(name) || InLower(name)) return Errno.EEXIST;
            _children[name] = node;
            if (node is TmpfsDir) Nlink++;
        }
        Touch();
        return Errno.None;
    }

    public override Errno Create(Task t, string name, uint mode, out Inode? child)
    {
        var f = new TmpfsFile(mode, t);
        child = f;
        return Add(name, f);
    }

    public override Errno Mkdir(Task t, string name, uint mode) => Add(name, new TmpfsDir(mode & 0xfff, t));

    public override Errno Symlink(Task t, string name, string target) => Add(name, new TmpfsSymlink(target, t));

    public override Errno Link(Task t, string name, Inode target)
    {
        if (target is not TmpfsNode n || n.Dev != Dev) return Errno.EXDEV;
        if (n is TmpfsDir) return Errno.EPERM;
        var e = Add(name, n);
        if (e == Errno.None) { n.Nlink++; n.Touch(false); }
        return e;
    }

    public override Errno Unlink(Task t, string name, bool dir)
    {
        lock (Lock)
        {
            if (!_children.TryGetValue(name, out var c)) return InLower(name) ? Errno.EROFS : Errno.ENOENT;
            if (dir && c is not TmpfsDir) return Errno.ENOTDIR;
            if (!dir && c is TmpfsDir) return Errno.EISDIR;
            if (c is TmpfsDir d && d.Count > 0) return Errno.ENOTEMPTY;
            _children.Remove(name);
            if (c is TmpfsDir) { Nlink--; c.Nlink = 0; }
            else c.Nlink--;
            c.Touch(false);
        }
        Touch();
        return Errno.None;
    }

    int Count { get { lock (Lock) return _children.Count; } }

    public override Errno Rename(Task t, string oldName, Inode newDir, string newName)
    {
        if (newDir is not TmpfsDir to || to.Dev != Dev) return Errno.EXDEV;
        // One lock for the whole file system's renames keeps two directories consistent.
        lock (typeof(TmpfsDir))
        {
            if (Lookup(t, oldName, out var srcI) != Errno.None) return Errno.ENOENT;
            if (srcI is not TmpfsNode src) return Errno.EROFS; // entries of the read-only lower stay put
            if (to.Lookup(t, newName, out var dstI) == Errno.None)
            {
                if (dstI == src) return Errno.None;
                if (dstI is not TmpfsNode dst) return Errno.EROFS;
                if (src is TmpfsDir && dst is not TmpfsDir) return Errno.ENOTDIR;
                if (src is not TmpfsDir && dst is TmpfsDir) return Errno.EISDIR;
                var e = to.Unlink(t, newName, dst is TmpfsDir);
                if (e != Errno.None) return e;
            }
            lock (Lock) _children.Remove(oldName);
            if (src is TmpfsDir) Nlink--;
            to.Add(newName, src);
            Touch();
            src.Touch(false);
            return Errno.None;
        }
    }
}

public sealed class TmpfsSymlink : TmpfsNode
{
    readonly string _target;
    public TmpfsSymlink(string target, Task? t) : base(InodeMode.S_IFLNK | 0x1ff, t) => _target = target;
    protected override long Size => System.Text.Encoding.UTF8.GetByteCount(_target);

    public override Errno ReadLink(Task t, out string target)
    {
        target = _target;
        return Errno.None;
    }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        return Errno.ELOOP;
    }
}

public sealed class TmpfsFile : TmpfsNode
{
    byte[] _data = Array.Empty<byte>();
    long _size;

    public TmpfsFile(uint mode, Task? t) : base((mode & InodeMode.S_IFMT) == 0 ? InodeMode.S_IFREG | mode : mode, t) { }

    protected override long Size { get { lock (Lock) return _size; } }

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        if (!InodeMode.IsReg(Mode)) return Errno.ENXIO;
        fd = new TmpfsFileDescription(flags, path, this);
        return Errno.None;
    }

    public override Errno Truncate(long size)
    {
        if (size < 0) return Errno.EINVAL;
        lock (Lock)
        {
            Ensure(size);
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

public sealed class TmpfsFileDescription : FileDescription, IMappable
{
    readonly TmpfsFile _file;
    public TmpfsFileDescription(int flags, VfsPath path, TmpfsFile file) : base(flags, path, file) => _file = file;

    public override long ReadAt(Task t, Span<byte> buf, long offset) =>
        offset < 0 ? -(long)Errno.EINVAL : _file.ReadAt(buf, offset);

    public override long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset) =>
        offset < 0 ? -(long)Errno.EINVAL : _file.WriteAt(buf, offset, false);

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

    public override IMappable? Mappable => this;
    public MappedFile Identity => new(Path.IsValid ? MountNamespace.AbsolutePath(Path) : "", _file.Dev, _file.Ino);
    public bool SupportsSharedWritable => false;

    public Errno CopyInto(GuestMemory mem, ulong addr, ulong offset, ulong len)
    {
        var buf = new byte[Math.Min(len, 1 << 20)];
        ulong done = 0;
        while (done < len)
        {
            int want = (int)Math.Min((ulong)buf.Length, len - done);
            long n = _file.ReadAt(buf.AsSpan(0, want), (long)(offset + done));
            if (n <= 0) break;
            if (!mem.Write(addr + done, buf.AsSpan(0, (int)n))) return Errno.EFAULT;
            done += (ulong)n;
        }
        return Errno.None;
    }
}
