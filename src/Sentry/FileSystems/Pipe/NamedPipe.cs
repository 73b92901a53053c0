using System.Runtime.CompilerServices;
using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Pipe;

/// <summary>FIFOs: a FIFO node of any file system opens onto one Sentry pipe buffer per inode.</summary>
public static class NamedPipe
{
    static readonly ConditionalWeakTable<Inode, PipeBuffer> s_buffers = new();

    public static Errno Open(Task t, Inode fifo, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        var buf = s_buffers.GetValue(fifo, _ => new PipeBuffer());
        int acc = flags & OpenFlags.O_ACCMODE;
        bool reader = acc is OpenFlags.O_RDONLY or OpenFlags.O_RDWR, writer = acc is OpenFlags.O_WRONLY or OpenFlags.O_RDWR;
        var e = buf.OpenEnd(t, reader, writer, (flags & OpenFlags.O_NONBLOCK) != 0);
        if (e != Errno.None) return e;
        fd = new PipeEnd(buf, flags, path, fifo, reader, writer);
        return Errno.None;
    }
}
