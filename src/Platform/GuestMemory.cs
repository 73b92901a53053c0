using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AppKernel.Platform.Native;

namespace AppKernel.Platform;

/// <summary>
/// The one way the Sentry touches guest memory. Every guest pointer goes through here;
/// an unmapped or protected address makes the call return false (the caller answers EFAULT),
/// it never throws. Copies are the host's process_vm calls, or, for a small one of the syscall the calling thread
/// serves, the trapped stub's own (<see cref="IGuestContext.CopyInAsStub"/>, <see cref="IGuestContext.CopyOutAsStub"/>).
/// </summary>
public sealed unsafe class GuestMemory
{
    const ulong PageSize = 4096;
    readonly int _pid;

    public GuestMemory(int pid) => _pid = pid;

    /// <summary>Reads as many bytes as are readable from addr; returns the count.</summary>
    public int ReadPartial(ulong addr, Span<byte> dst)
    {
        if (dst.Length == 0) return 0;
        if (addr + (ulong)dst.Length < addr) return 0;
        if (ServingThread.Context?.CopyInAsStub(_pid, addr, dst) is int c and >= 0) return c;
        fixed (byte* p = dst)
        {
            var local = new IoVec { Base = (nint)p, Len = (nuint)dst.Length };
            var remote = new IoVec { Base = (nint)addr, Len = (nuint)dst.Length };
            long n = Host.process_vm_readv(_pid, &local, 1, &remote, 1, 0);
            return n < 0 ? 0 : (int)n;
        }
    }

    public int WritePartial(ulong addr, ReadOnlySpan<byte> src)
    {
        if (src.Length == 0) return 0;
        if (addr + (ulong)src.Length < addr) return 0;
        if (ServingThread.Context?.CopyOutAsStub(_pid, addr, src) is int c and >= 0) return c;
        fixed (byte* p = src)
        {
            var local = new IoVec { Base = (nint)p, Len = (nuint)src.Length };
            var remote = new IoVec { Base = (nint)addr, Len = (nuint)src.Length };
            long n = Host.process_vm_writev(_pid, &local, 1, &remote, 1, 0);
            return n < 0 ? 0 : (int)n;
        }
    }

    /// <summary>
    /// ptrace's and /proc/PID/mem's access (Linux's FOLL_FORCE), through the host's /proc/PID/mem of the stub: it
    /// reads pages whose protection hides them and writes into a read-only private mapping by breaking
    /// copy-on-write (the tracee's own copy; the mapping's protection is unchanged), as the host refuses it for a
    /// shared one. The caller decides which ranges may be forced (the guest's mappings, never the stub's).
    /// Returns the bytes moved before the first failure.
    /// </summary>
    public int AccessForced(ulong addr, Span<byte> buf, bool write)
    {
        if (buf.Length == 0 || addr + (ulong)buf.Length < addr || (long)addr < 0) return 0;
        int fd;
        fixed (byte* path = System.Text.Encoding.ASCII.GetBytes($"/proc/{_pid}/mem\0"))
            fd = Tmds.Linux.LibC.open(path, (write ? Tmds.Linux.LibC.O_RDWR : Tmds.Linux.LibC.O_RDONLY) | Tmds.Linux.LibC.O_CLOEXEC);
        if (fd < 0) return 0;
        try
        {
            int done = 0;
            fixed (byte* p = buf)
                while (done < buf.Length)
                {
                    long n = write ? Tmds.Linux.LibC.pwrite(fd, p + done, buf.Length - done, (long)addr + done)
                        : Tmds.Linux.LibC.pread(fd, p + done, buf.Length - done, (long)addr + done);
                    if (n <= 0) break;
                    done += (int)n;
                }
            return done;
        }
        finally { Tmds.Linux.LibC.close(fd); }
    }

    public bool Read(ulong addr, Span<byte> dst) => ReadPartial(addr, dst) == dst.Length;
    public bool Write(ulong addr, ReadOnlySpan<byte> src) => WritePartial(addr, src) == src.Length;

    public bool Read<T>(ulong addr, out T value) where T : unmanaged
    {
        value = default;
        return Read(addr, MemoryMarshal.AsBytes(new Span<T>(ref value)));
    }

    public bool Write<T>(ulong addr, in T value) where T : unmanaged
        => Write(addr, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));

    public bool Zero(ulong addr, ulong len)
    {
        Span<byte> zeros = stackalloc byte[4096];
        zeros.Clear();
        while (len > 0)
        {
            int n = (int)Math.Min(len, 4096);
            if (!Write(addr, zeros[..n])) return false;
            addr += (ulong)n; len -= (ulong)n;
        }
        return true;
    }

    /// <summary>Most strings are short paths: ReadCString's first read asks for this much, not for the rest of the page
    /// (a read's cost grows with its length).</summary>
    const int FirstChunk = 256;

    /// <summary>Reads a NUL-terminated string of at most max bytes (excluding the NUL).
    /// Returns EFAULT for a bad pointer and ENAMETOOLONG when no NUL is found in max bytes.</summary>
    public Errno ReadCString(ulong addr, int max, out byte[] bytes)
    {
        bytes = Array.Empty<byte>();
        if (addr == 0) return Errno.EFAULT;
        Span<byte> buf = stackalloc byte[(int)PageSize];
        var acc = new List<byte>(FirstChunk);
        int want = FirstChunk;
        while (acc.Count <= max)
        {
            // Never read across a page boundary so that a string ending just before an unmapped page reads fine.
            int chunk = (int)Math.Min((ulong)want, PageSize - (addr % PageSize));
            int got = ReadPartial(addr, buf[..chunk]);
            if (got == 0) return Errno.EFAULT;
            int nul = buf[..got].IndexOf((byte)0);
            if (nul >= 0)
            {
                if (acc.Count + nul > max) return Errno.ENAMETOOLONG;
                acc.AddRange(buf[..nul]);
                bytes = acc.ToArray();
                return Errno.None;
            }
            if (got < chunk) return Errno.EFAULT;
            acc.AddRange(buf[..got]);
            addr += (ulong)got;
            want = (int)PageSize;
        }
        return Errno.ENAMETOOLONG;
    }

    public Errno ReadString(ulong addr, int max, out string s)
    {
        var e = ReadCString(addr, max, out var b);
        s = e == Errno.None ? LinuxText.Decode(b) : "";
        return e;
    }

    /// <summary>How much a string array's window reads ahead: as much as one small copy moves (the stub's bounce buffer).</summary>
    const int StringWindow = 3072;

    /// <summary>
    /// execve's argv or envp: the strings named by the NULL-terminated array of pointers at addr (0: none), in few
    /// copies: the pointers a page's worth at a time, and each string from a window read ahead at the one before,
    /// as a process's strings mostly lie together. EFAULT for a bad pointer; E2BIG for a string longer than
    /// maxString bytes, more than maxTotal bytes in all (each string with its NUL) or more than maxCount pointers.
    /// </summary>
    public Errno ReadStringArray(ulong addr, int maxString, long maxTotal, int maxCount, out List<string> list)
    {
        list = new List<string>();
        if (addr == 0) return Errno.None;
        Span<ulong> ptrs = stackalloc ulong[64];
        Span<byte> window = stackalloc byte[StringWindow];
        ulong windowAt = 0;
        int windowLen = 0;
        long total = 0;
        for (int i = 0; ; )
        {
            ulong at = addr + (ulong)(8 * i);
            if (at < addr) return Errno.EFAULT;
            // Up to the page's end, so that an array ending just before an unmapped page reads whole.
            int want = (int)Math.Clamp((PageSize - at % PageSize) / 8, 1, (ulong)ptrs.Length);
            int got = ReadPartial(at, MemoryMarshal.AsBytes(ptrs[..want])) / 8;
            if (got == 0) return Errno.EFAULT;
            for (int k = 0; k < got; k++, i++)
            {
                if (i >= maxCount) return Errno.E2BIG;
                ulong p = ptrs[k];
                if (p == 0) return Errno.None;
                int nul = -1;
                if (p < windowAt || p >= windowAt + (ulong)windowLen)
                {
                    windowAt = p;
                    windowLen = ReadPartial(p, window[..(int)Math.Min((ulong)StringWindow, PageSize - p % PageSize)]);
                }
                int off = (int)(p - windowAt);
                if (windowLen > off) nul = window[off..windowLen].IndexOf((byte)0);
                string s;
                int length;
                if (nul >= 0)
                {
                    length = nul;
                    s = LinuxText.Decode(window.Slice(off, nul));
                }
                else
                {
                    // Longer than the window, or past a page's end: read it on its own.
                    var e = ReadCString(p, maxString, out var bytes);
                    if (e != Errno.None) return e == Errno.ENAMETOOLONG ? Errno.E2BIG : e;
                    length = bytes.Length;
                    s = LinuxText.Decode(bytes);
                }
                if (length > maxString) return Errno.E2BIG;
                total += length + 1;
                if (total > maxTotal) return Errno.E2BIG;
                list.Add(s);
            }
        }
    }

    /// <summary>TASK_SIZE_MAX: no user address reaches it (access_ok).</summary>
    const ulong TaskSizeMax = 0x7fff_ffff_f000;
    /// <summary>MAX_RW_COUNT: the most one read or write moves (INT_MAX rounded down to a page).</summary>
    public const ulong MaxRwCount = 0x7fff_f000;

    /// <summary>Reads a guest iovec array (at most 1024 entries, as Linux's UIO_MAXIOV; a negative length is
    /// EINVAL). importing: Linux's import_iovec for the caller's own buffers — a range past the user address space
    /// is EFAULT, and lengths past MAX_RW_COUNT in all are cut; false for another process's (process_vm's remote
    /// iovecs), which are taken as they are.</summary>
    public Errno ReadIovecs(ulong addr, ulong count, out IoVec[] iovs, bool importing = true)
    {
        iovs = Array.Empty<IoVec>();
        if (count > 1024) return Errno.EINVAL;
        var arr = new IoVec[count];
        if (count > 0 && !Read(addr, MemoryMarshal.AsBytes(arr.AsSpan()))) return Errno.EFAULT;
        foreach (var v in arr)
            if ((long)v.Len < 0) return Errno.EINVAL;
        if (importing)
        {
            ulong total = 0;
            for (int i = 0; i < arr.Length; i++)
            {
                ulong b = (ulong)arr[i].Base, len = arr[i].Len;
                if (len > TaskSizeMax || b > TaskSizeMax - len) return Errno.EFAULT;
                if (len > MaxRwCount - total) arr[i].Len = (nuint)(len = MaxRwCount - total);
                total += len;
            }
        }
        iovs = arr;
        return Errno.None;
    }
}
