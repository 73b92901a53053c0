namespace AppKernel.Sentry.Kernel;

/// <summary>Linux's task_io_accounting as /proc/[pid]/io shows it: bytes and calls of read and write (the
/// read/write/readv/writev families, on any file). A task counts its own calls only, so plain adds suffice; a
/// thread's counts pass to its process when it ends (<see cref="ThreadGroup.Remove"/>).</summary>
public sealed class IoAccounting
{
    public long Rchar, Wchar, Syscr, Syscw;

    /// <summary>One call that reached the file, and what it moved (an error moves nothing).</summary>
    public long Count(long result, bool write)
    {
        if (write)
        {
            Syscw++;
            if (result > 0) Wchar += result;
        }
        else
        {
            Syscr++;
            if (result > 0) Rchar += result;
        }
        return result;
    }

    public void Add(IoAccounting o)
    {
        Rchar += o.Rchar;
        Wchar += o.Wchar;
        Syscr += o.Syscr;
        Syscw += o.Syscw;
    }

    /// <summary>The file's text; storage-level bytes are 0, as for a file system in memory.</summary>
    public string Text() =>
        $"rchar: {Rchar}\nwchar: {Wchar}\nsyscr: {Syscr}\nsyscw: {Syscw}\nread_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n";
}
