using AppKernel.Sentry.FileSystems.Pipe;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Proc;

/// <summary>
/// What /proc/[pid]/fd/N leads to when the open file has no path (a pipe, the sandbox's stdio): opening it
/// opens the same object again, as Linux does — a new end of the pipe, or else the open file itself (for
/// stdio, whose offset is the host's anyway). This is how /dev/stdin and /dev/fd/N work on a pipe.
/// </summary>
public sealed class ReopenInode : Inode
{
    readonly FileDescription _file;
    ReopenInode(FileDescription file) => _file = file;

    /// <summary>A path to reopen f through: a dentry of its own on the /proc mount (writable, unlike the root).</summary>
    public static VfsPath? PathFor(Task t, FileDescription f)
    {
        Mount? proc = null;
        foreach (var m in t.Ns.Mnt.All)
            if (m.Root.Inode is ProcRoot) { proc = m; break; }
        if (proc == null) return null;
        return new VfsPath(proc, new Dentry(f.DisplayName(t), proc.Root, new ReopenInode(f)));
    }

    public override uint Mode => _file.Stat(out var st) == Errno.None ? st.Mode : InodeMode.S_IFIFO | 0x180;

    public override Errno Stat(out LinuxStat st)
    {
        var e = _file.Stat(out st);
        if (e == Errno.None) return e;
        st = new LinuxStat { Mode = Mode, Nlink = 1 };
        return Errno.None;
    }

    /// <summary>O_TRUNC through the link (`echo > /dev/stdout`) leaves the object alone: a pipe has nothing to
    /// cut, and the sandbox's stdio belongs to the host, where the Sentry changes nothing.</summary>
    public override Errno Truncate(long size) => Errno.None;

    public override Errno Open(Task t, VfsPath path, int flags, out FileDescription? fd)
    {
        if (_file is Net.Socket)
        {
            fd = null;
            return Errno.ENXIO; // as Linux: a socket is not opened through its /proc fd link
        }
        if (_file is PipeEnd pe)
        {
            bool writer = OpenFlags.CanWrite(flags);
            var pipe = pe.Pipe;
            lock (pipe)
            {
                if (writer) pipe.Writers++;
                else pipe.Readers++;
            }
            fd = new PipeEnd(pipe, flags, writer);
            return Errno.None;
        }
        if ((OpenFlags.CanRead(flags) && !OpenFlags.CanRead(_file.Flags)) || (OpenFlags.CanWrite(flags) && !OpenFlags.CanWrite(_file.Flags)))
        {
            fd = null;
            return Errno.EACCES;
        }
        _file.IncRef();
        fd = _file;
        return Errno.None;
    }
}
