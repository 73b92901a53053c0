using AppKernel.Sentry.Kernel;
using AppKernel.Sentry.Vfs;

namespace AppKernel.Sentry.FileSystems.Pipe;

/// <summary>FIFOs: a FIFO node of any file system opens onto one Sentry pipe buffer per inode.</summary>
public static class NamedPipe
{
    public static Errno Open(Task t, Inode fifo, VfsPath path, int flags, out FileDescription? fd)
    {
        fd = null;
        var buf = Volatile.Read(ref fifo.Fifo) ?? Interlocked.CompareExchange(ref fifo.Fifo, new PipeBuffer(), null) ?? fifo.Fifo!;
        int acc = flags & OpenFlags.O_ACCMODE;
        bool reader = acc is OpenFlags.O_RDONLY or OpenFlags.O_RDWR, writer = acc is OpenFlags.O_WRONLY or OpenFlags.O_RDWR;
        var e = buf.OpenEnd(t, reader, writer, (flags & OpenFlags.O_NONBLOCK) != 0);
        if (e != Errno.None) return e;
        fd = new PipeEnd(buf, flags, path, fifo, reader, writer);
        return Errno.None;
    }
}
