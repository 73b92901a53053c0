using System.Buffers.Binary;
using System.Text;
using AppKernel.Gofer.Native;
using AppKernel.Gofer.Protocol;
using Microsoft.Extensions.Logging;
using static Tmds.Linux.LibC;

namespace AppKernel.Gofer.Server;

/// <summary>
/// ReadDir: opens the held directory (its "."), seeks to the cookie (a d_off from getdents64) and
/// returns as many entries as fit in one reply. "." and ".." are left out (the Sentry makes its own), and so are
/// names that are not UTF-8 (the protocol's names are UTF-8; such a file cannot be named by the Sentry anyway).
/// </summary>
public sealed unsafe partial class GoferServer
{

    Reply ReadDir(ReadDirRequest q)
    {
        if (!_fids.TryGet(q.DirFid, out var node)) return Fail(Op.ReadDir, Errno.EBADF);
        if (!node.IsDir) return Fail(Op.ReadDir, Errno.ENOTDIR);
        // "." of the held directory opens that very directory, like /proc/self/fd's link, for less work.
        int dfd;
        fixed (byte* dot = ".\0"u8) dfd = openat(node.Fd, dot, GoferSys.O_RDONLY | GoferSys.O_DIRECTORY | GoferSys.O_CLOEXEC, 0);
        if (dfd < 0) return Fail(Op.ReadDir, LastErrno);
        try
        {
            if (q.Cookie != 0 && (long)lseek(dfd, (long)q.Cookie, GoferSys.SEEK_SET) < 0) return Fail(Op.ReadDir, LastErrno);
            var entries = new List<GoferDirent>();
            int budget = Wire.MaxMessage - ReadDirReply.Overhead;
            // Dirents are never smaller on the host than on the wire, so a half-message read fills the reply.
            int chunk = Math.Min(_scratch.Length, 32768);
            while (true)
            {
                long n;
                fixed (byte* buf = _scratch) n = Platform.Native.Host.syscall(GoferSys.SYS_getdents64, dfd, (long)buf, chunk);
                if (n < 0) return Fail(Op.ReadDir, (Errno)Platform.Native.Host.Errno);
                if (n == 0) return Done(end: true); // the client need not ask again
                if (!Parse(_scratch.AsSpan(0, (int)n), entries, ref budget)) return Done(end: false);
            }

            ReadDirReply Done(bool end) =>
                new(entries, end) { Walked = q.WalkDirs ? WalkDirs(q.DirFid, node.Fd, entries, budget) : Array.Empty<(int, ulong, GoferStat)>() };
        }
        finally
        {
            close(dfd);
        }
    }

    /// <summary>Walks the batch's subdirectories as Walk does (WalkOne), while the reply has room; none if there are more
    /// than <see cref="ReadDirReply.MaxWalkedDirs"/>. One that fails to walk is left out.</summary>
    List<(int, ulong, GoferStat)> WalkDirs(ulong dirFid, int dirFd, List<GoferDirent> entries, int budget)
    {
        var walked = new List<(int, ulong, GoferStat)>();
        int dirs = 0;
        foreach (var e in entries) if (e.Type == ReadDirReply.DT_DIR) dirs++;
        if (dirs == 0 || dirs > ReadDirReply.MaxWalkedDirs) return walked;
        Span<byte> name = stackalloc byte[CStr.NameBuf];
        for (int i = 0; i < entries.Count && budget >= ReadDirReply.WalkedSize && !_fids.Full; i++)
        {
            if (entries[i].Type != ReadDirReply.DT_DIR) continue;
            if (WalkOne(dirFd, dirFid, entries[i].Name, name, out _, out ulong fid, out var st) != Errno.None) continue;
            walked.Add((i, fid, st));
            budget -= ReadDirReply.WalkedSize;
        }
        return walked;
    }

    /// <summary>Adds the entries of one getdents64 buffer; false once the reply is full.</summary>
    bool Parse(ReadOnlySpan<byte> buf, List<GoferDirent> into, ref int budget)
    {
        int off = 0;
        while (off + 19 <= buf.Length)
        {
            ulong ino = BinaryPrimitives.ReadUInt64LittleEndian(buf[off..]);
            ulong next = BinaryPrimitives.ReadUInt64LittleEndian(buf[(off + 8)..]);
            int reclen = BinaryPrimitives.ReadUInt16LittleEndian(buf[(off + 16)..]);
            byte type = buf[off + 18];
            if (reclen < 20 || off + reclen > buf.Length) break; // cannot happen: the kernel's own records
            var raw = buf.Slice(off + 19, reclen - 19);
            int z = raw.IndexOf((byte)0);
            var name = z < 0 ? raw : raw[..z];
            off += reclen;
            if (!Names.IsValidName(name)) continue; // "." and ".."
            int size = ReadDirReply.EntrySize(name.Length);
            if (size > budget) return false;
            budget -= size;
            into.Add(new GoferDirent(LinuxText.Decode(name), ino, type, next));
        }
        return true;
    }
}
