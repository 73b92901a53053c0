using HostCalls = AppKernel.Platform.Native.Host;
using static Tmds.Linux.LibC;

namespace AppKernel.Sentry.FileSystems.Tmpfs;

/// <summary>Where a tmpfs file's bytes live. The owner keeps the size and holds its lock around every call.</summary>
abstract class FileData
{
    /// <summary>Copies [off, off+buf.Length) into buf; the caller has clipped it to the size.</summary>
    public abstract Errno Read(Span<byte> buf, long off);
    public abstract Errno Write(ReadOnlySpan<byte> data, long off);
    /// <summary>truncate: bytes at and past size are gone (they read as zeros if the file grows again).</summary>
    public abstract Errno Resize(long size);
    /// <summary>Bytes of memory the data holds now (what counts as resident: System V shm_rss).</summary>
    public abstract long AllocatedBytes { get; }
}

/// <summary>Sparse 64 KiB chunks in Sentry memory, allocated when first written: holes cost nothing.</summary>
sealed class ChunkData : FileData
{
    const int ChunkShift = 16, ChunkSize = 1 << ChunkShift;
    readonly Dictionary<long, byte[]> _chunks = new();

    public override Errno Read(Span<byte> buf, long off)
    {
        for (int done = 0; done < buf.Length;)
        {
            long pos = off + done;
            int inChunk = (int)(pos & (ChunkSize - 1)), len = Math.Min(buf.Length - done, ChunkSize - inChunk);
            if (_chunks.TryGetValue(pos >> ChunkShift, out var c)) c.AsSpan(inChunk, len).CopyTo(buf.Slice(done));
            else buf.Slice(done, len).Clear();
            done += len;
        }
        return Errno.None;
    }

    public override Errno Write(ReadOnlySpan<byte> data, long off)
    {
        try
        {
            for (int done = 0; done < data.Length;)
            {
                long pos = off + done;
                int inChunk = (int)(pos & (ChunkSize - 1)), len = Math.Min(data.Length - done, ChunkSize - inChunk);
                if (!_chunks.TryGetValue(pos >> ChunkShift, out var c)) _chunks[pos >> ChunkShift] = c = new byte[ChunkSize];
                data.Slice(done, len).CopyTo(c.AsSpan(inChunk));
                done += len;
            }
            return Errno.None;
        }
        catch (OutOfMemoryException) { return Errno.ENOSPC; }
    }

    public override Errno Resize(long size)
    {
        foreach (var k in _chunks.Keys.Where(k => k << ChunkShift >= size).ToList()) _chunks.Remove(k);
        if (_chunks.TryGetValue(size >> ChunkShift, out var last))
            Array.Clear(last, (int)(size & (ChunkSize - 1)), ChunkSize - (int)(size & (ChunkSize - 1)));
        return Errno.None;
    }

    public override long AllocatedBytes => (long)_chunks.Count * ChunkSize;

    /// <summary>The written chunks, for moving the data to a host memfd.</summary>
    public IEnumerable<(long Offset, byte[] Bytes)> Chunks => _chunks.Select(kv => (kv.Key << ChunkShift, kv.Value));
}

/// <summary>
/// A host memfd: used once a file is mapped MAP_SHARED, so that the stubs map the very pages the Sentry reads and
/// writes (forked stubs and other processes see each other's stores). The memfd never leaves the Sentry except into
/// a stub's mapping.
/// </summary>
sealed unsafe class MemfdData : FileData
{
    public int Fd { get; }

    MemfdData(int fd) => Fd = fd;

    /// <summary>A memfd holding size bytes copied from chunks, with the file's seals.</summary>
    public static Errno From(ChunkData chunks, long size, int seals, out MemfdData? data)
    {
        data = null;
        int fd;
        fixed (byte* name = "appkernel-shared\0"u8) fd = memfd_create(name, 1 | 2 /* MFD_CLOEXEC | MFD_ALLOW_SEALING */);
        if (fd < 0) return (Errno)HostCalls.Errno;
        var d = new MemfdData(fd);
        if (ftruncate(fd, size) < 0) { var e = (Errno)HostCalls.Errno; d.Dispose(); return e == Errno.EFBIG ? e : Errno.ENOSPC; }
        foreach (var (off, bytes) in chunks.Chunks)
        {
            if (off >= size) continue;
            var e = d.Write(bytes.AsSpan(0, (int)Math.Min(bytes.Length, size - off)), off);
            if (e != Errno.None) { d.Dispose(); return e; }
        }
        var se = d.AddSeals(seals & ~1 /* F_SEAL_SEAL: only the Sentry adds seals */);
        if (se != Errno.None) { d.Dispose(); return se; }
        data = d;
        return Errno.None;
    }

    public Errno AddSeals(int seals) =>
        seals == 0 || fcntl(Fd, 1033 /* F_ADD_SEALS */, seals) == 0 ? Errno.None : (Errno)HostCalls.Errno;

    public override Errno Read(Span<byte> buf, long off)
    {
        fixed (byte* p = buf)
            for (int done = 0; done < buf.Length;)
            {
                long n = (long)pread(Fd, p + done, buf.Length - done, off + done);
                if (n < 0) { if (HostCalls.Errno == (int)Errno.EINTR) continue; return (Errno)HostCalls.Errno; }
                if (n == 0) { buf.Slice(done).Clear(); break; }
                done += (int)n;
            }
        return Errno.None;
    }

    public override Errno Write(ReadOnlySpan<byte> data, long off)
    {
        fixed (byte* p = data)
            for (int done = 0; done < data.Length;)
            {
                long n = (long)pwrite(Fd, p + done, data.Length - done, off + done);
                if (n < 0)
                {
                    if (HostCalls.Errno == (int)Errno.EINTR) continue;
                    return HostCalls.Errno == (int)Errno.EFBIG ? Errno.EFBIG : Errno.ENOSPC;
                }
                done += (int)n;
            }
        return Errno.None;
    }

    public override long AllocatedBytes
    {
        get
        {
            LinuxStat st;
            return fstat(Fd, (Tmds.Linux.stat*)&st) == 0 ? st.Blocks * 512 : 0;
        }
    }

    // The host size matters too: a mapped page past it is SIGBUS, as past a Linux file's end.
    public override Errno Resize(long size) => ftruncate(Fd, size) < 0 ? Errno.ENOSPC : Errno.None;

    // Only for a memfd that could not be filled: it never becomes a file's data.
    void Dispose()
    {
        close(Fd);
        GC.SuppressFinalize(this);
    }

    // The file's lifetime is the GC's to decide (tmpfs nodes are plain objects); stubs keep their own references.
    ~MemfdData() => close(Fd);
}
