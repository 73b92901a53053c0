using AppKernel.Sentry.FileSystems.DevPts;
using AppKernel.Sentry.FileSystems.Synthetic;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Memory;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Dev;

/// <summary>/dev: the Sentry's own devices; never the host's.</summary>
public static class DevFs
{
    public static Inode Create(DevPtsFs devpts)
    {
        var shm = new SynthDir { Perm = 0x3ff, Dev = 0x6 }; // 01777; tmpfs comes with the VFS issue
        return new SynthDir { Perm = 0x1ed, Dev = 0x6 }
            .Add("null", Device(3, DevKind.Null))
            .Add("zero", Device(5, DevKind.Zero))
            .Add("full", Device(7, DevKind.Full))
            .Add("random", Device(8, DevKind.Random))
            .Add("urandom", Device(9, DevKind.Random))
            .Add("fd", new SynthSymlink("/proc/self/fd"))
            .Add("stdin", new SynthSymlink("/proc/self/fd/0"))
            .Add("stdout", new SynthSymlink("/proc/self/fd/1"))
            .Add("stderr", new SynthSymlink("/proc/self/fd/2"))
            .Add("tty", new TtyDevice { Rdev = (5UL << 8) | 0, Perm = 0x1b6, Dev = 0x6 })
            .Add("ptmx", new PtmxNode(devpts) { Rdev = DevPtsFs.PtmxRdev, Perm = 0x1b6, Dev = 0x6 })
            .Add("pts", new SynthDir { Perm = 0x1ed, Dev = 0x6 }) // devpts is mounted here
            .Add("mqueue", new SynthDir { Perm = 0x1ed, Dev = 0x6 }) // a mount point for mqueue (OCI specs, `mount -t mqueue`)
            .Add("shm", shm);
    }

    static CharDevice Device(uint minor, DevKind kind) =>
        new(kind) { Rdev = (1UL << 8) | minor, Perm = 0x1b6, Dev = 0x6 };
}

/// <summary>/dev/tty: the opener's controlling terminal (ENXIO without one), opened as its replica would be but
/// never acquiring it; the file keeps /dev/tty's own node and path, as Linux's.</summary>
public sealed class TtyDevice : SynthInode
{
    protected override uint TypeBits => InodeMode.S_IFCHR;

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        var tty = t.Tty;
        if (tty == null) return Errno.ENXIO;
        return DevPtsFs.OpenReplica(t, tty, flags | OpenFlags.O_NOCTTY, path, this, out fd);
    }
}

public enum DevKind { Null, Zero, Full, Random }

public sealed class CharDevice : SynthInode
{
    public DevKind Kind { get; }
    public CharDevice(DevKind kind) => Kind = kind;
    protected override uint TypeBits => InodeMode.S_IFCHR;

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = new DeviceFile(flags, path, this);
        return Errno.None;
    }
}

public sealed class DeviceFile : FileDescription, IMappable
{
    readonly DevKind _kind;
    public DeviceFile(int flags, VfsPath path, CharDevice dev) : base(flags, path, dev) => _kind = dev.Kind;

    public override long ReadAt(Task t, Span<byte> buf, long offset)
    {
        switch (_kind)
        {
            case DevKind.Null: return 0;
            case DevKind.Random: AppKernel.Platform.Native.Host.GetRandom(buf); return buf.Length;
            default: buf.Clear(); return buf.Length;
        }
    }

    public override long WriteAt(Task t, ReadOnlySpan<byte> buf, long offset) =>
        _kind == DevKind.Full ? -(long)Errno.ENOSPC : buf.Length;

    // Reads and writes ignore the offset; lseek succeeds and reports 0, as on Linux.
    public override long Read(Task t, Span<byte> buf) => ReadAt(t, buf, 0);
    public override long Write(Task t, ReadOnlySpan<byte> buf) => WriteAt(t, buf, 0);
    public override long Seek(long offset, int whence) => whence is >= 0 and <= 2 ? 0 : -(long)Errno.EINVAL;

    // write_null and write_zero in Linux return the count without touching the buffer.
    public override bool DiscardsWrites => _kind is DevKind.Null or DevKind.Zero;

    public override IMappable? Mappable => _kind == DevKind.Zero ? this : null;
    public MappedFile Identity => new("/dev/zero", 6, 0);
    public Errno HostPages(bool shared, bool writable, out int hostFd) { hostFd = -1; return Errno.None; }
    public Errno CopyInto(AppKernel.Platform.GuestMemory mem, ulong addr, ulong offset, ulong len) => Errno.None;
    public bool RegularFile => false;
}
