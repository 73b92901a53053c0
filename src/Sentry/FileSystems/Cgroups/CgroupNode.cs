using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Cgroups;

/// <summary>
/// What a cgroupfs directory and an interface file share (Linux's kernfs node): an inode number, a mode and owner
/// user space may change (delegation is chown), times and extended attributes kept in memory.
/// </summary>
public abstract class CgroupNode : Inode
{
    /// <summary>The cgroup2 super block's anonymous device.</summary>
    public const ulong Dev = 0x1e;
    static long s_nextIno;
    public ulong Ino { get; } = (ulong)Interlocked.Increment(ref s_nextIno);

    uint _perm, _uid, _gid;
    long _atime, _mtime, _ctime;
    Dictionary<string, byte[]>? _xattrs;

    protected CgroupNode(uint perm, uint uid, uint gid)
    {
        (_perm, _uid, _gid) = (perm, uid, gid);
        _atime = _mtime = _ctime = Tmpfs.TmpfsNode.NowNs();
    }

    protected abstract uint TypeBits { get; }
    protected virtual ulong Nlink => 1;
    public override uint Mode => TypeBits | _perm;

    public override Errno Stat(out LinuxStat st)
    {
        ulong nlink = Nlink; // a directory's counts its children under the hierarchy's lock, never inside this one
        lock (this)
            st = new LinuxStat
            {
                Dev = Dev, Ino = Ino, Nlink = nlink, Mode = Mode, Uid = _uid, Gid = _gid, Blksize = 4096,
                Atime = _atime / 1_000_000_000, AtimeNsec = _atime % 1_000_000_000,
                Mtime = _mtime / 1_000_000_000, MtimeNsec = _mtime % 1_000_000_000,
                Ctime = _ctime / 1_000_000_000, CtimeNsec = _ctime % 1_000_000_000,
            };
        return Errno.None;
    }

    public override Errno SetMode(uint perm)
    {
        lock (this) (_perm, _ctime) = (perm & 0xfff, Tmpfs.TmpfsNode.NowNs());
        return Errno.None;
    }

    public override Errno SetOwner(uint uid, uint gid)
    {
        lock (this)
        {
            if (uid != uint.MaxValue) _uid = uid;
            if (gid != uint.MaxValue) _gid = gid;
            _ctime = Tmpfs.TmpfsNode.NowNs();
        }
        return Errno.None;
    }

    public override Errno SetTimes(long? atimeNs, long? mtimeNs)
    {
        lock (this)
        {
            if (atimeNs is { } a) _atime = a;
            if (mtimeNs is { } m) _mtime = m;
            _ctime = Tmpfs.TmpfsNode.NowNs();
        }
        return Errno.None;
    }

    /// <summary>A file's size is 0 and truncation changes nothing (kernfs), so O_TRUNC opens work.</summary>
    public override Errno Truncate(long size) => IsDir ? Errno.EISDIR : Errno.None;

    public override Errno GetXattr(string name, out byte[]? value)
    {
        lock (this) value = _xattrs?.GetValueOrDefault(name);
        return value == null ? Errno.ENODATA : Errno.None;
    }

    public override Errno ListXattr(List<string> names)
    {
        lock (this) if (_xattrs != null) names.AddRange(_xattrs.Keys);
        return Errno.None;
    }

    public override Errno SetXattr(string name, byte[] value, int flags)
    {
        const int XATTR_CREATE = 1, XATTR_REPLACE = 2;
        lock (this)
        {
            bool exists = _xattrs?.ContainsKey(name) == true;
            if ((flags & XATTR_CREATE) != 0 && exists) return Errno.EEXIST;
            if ((flags & XATTR_REPLACE) != 0 && !exists) return Errno.ENODATA;
            (_xattrs ??= new(StringComparer.Ordinal))[name] = value;
        }
        return Errno.None;
    }

    public override Errno RemoveXattr(string name)
    {
        lock (this) return _xattrs?.Remove(name) == true ? Errno.None : Errno.ENODATA;
    }
}
